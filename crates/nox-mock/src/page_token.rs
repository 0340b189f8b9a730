//! The Package API's `next_token`: where the next page starts, opaque to clients and
//! tamper-evident.
//!
//! A token is base64url (no padding) of 34 bytes: a format byte, the listing, the position
//! of the next device (the record's sequence number and the index inside it, big-endian),
//! and two 64-bit MACs keyed with a secret drawn when the mock starts. The first proves the
//! mock issued the position for that listing; the second binds it to the query's filters
//! (`user_id`, `device_id`), as NOX asks for "the same parameters" with every token.
//! `limit` is not bound: a client may change the page size between pages. A token of
//! another mock (or of this one before a restart), a changed byte, another listing's token
//! or another query's token is refused with a 422 saying which.

use std::hash::{BuildHasher, Hash, RandomState};

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

use crate::device::DeviceKind;

/// The longest `next_token` read, in bytes; a longer one is not one the mock issued.
pub(crate) const MAX_TOKEN_BYTES: usize = 256;

const FORMAT: u8 = 1;
const TOKEN_LEN: usize = 34;

/// Where a listing resumes: the record (its sequence number) and the device inside it (0
/// for a linked device, the index for a bulk addition's).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) struct Position {
    pub(crate) seq: u64,
    pub(crate) index: u64,
}

/// The filters of one listing's query (absent: every user, every device).
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Filter<'a> {
    pub(crate) user_id: Option<&'a str>,
    pub(crate) device_id: Option<&'a str>,
}

/// Why a `next_token` is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum TokenError {
    /// Not base64 of a token of this mock, or changed.
    NotIssued,
    /// Issued by another of the three listings.
    OtherListing,
    /// Issued for other `user_id`/`device_id` filters.
    OtherQuery,
}

impl TokenError {
    /// FastAPI's wording of a validator's refusal ("Value error, …").
    pub(crate) fn message(self) -> &'static str {
        match self {
            TokenError::NotIssued => {
                "Value error, next_token is not a token this API issued: send the meta.next_token of the previous page as it came"
            }
            TokenError::OtherListing => {
                "Value error, next_token was issued by another endpoint's listing"
            }
            TokenError::OtherQuery => {
                "Value error, next_token was issued for other parameters: send the same user_id and device_id as for the first page"
            }
        }
    }
}

/// The per-mock secret that keys the tokens' MACs.
#[derive(Debug)]
pub(crate) struct TokenKey {
    hasher: RandomState,
    secret: [u8; 16],
}

impl TokenKey {
    /// A new random key.
    pub(crate) fn new() -> Self {
        let mut secret = [0u8; 16];
        getrandom::fill(&mut secret).expect("the OS random source is available");
        Self {
            hasher: RandomState::new(),
            secret,
        }
    }

    fn mac(&self, parts: impl Hash) -> u64 {
        self.hasher.hash_one((self.secret, parts))
    }

    fn macs(&self, kind: DeviceKind, filter: &Filter<'_>, at: Position) -> (u64, u64) {
        let issued = self.mac((kind.as_str(), at.seq, at.index));
        let bound = self.mac((issued, filter.user_id, filter.device_id));
        (issued, bound)
    }

    /// The token of the page that starts `at`.
    pub(crate) fn issue(&self, kind: DeviceKind, filter: &Filter<'_>, at: Position) -> String {
        let (issued, bound) = self.macs(kind, filter, at);
        let mut bytes = Vec::with_capacity(TOKEN_LEN);
        bytes.push(FORMAT);
        bytes.push(kind.index() as u8);
        for n in [at.seq, at.index, issued, bound] {
            bytes.extend_from_slice(&n.to_be_bytes());
        }
        URL_SAFE_NO_PAD.encode(bytes)
    }

    /// Where the page of `token` starts, if this mock issued it for this listing and query.
    pub(crate) fn read(
        &self,
        token: &str,
        kind: DeviceKind,
        filter: &Filter<'_>,
    ) -> Result<Position, TokenError> {
        if token.len() > MAX_TOKEN_BYTES {
            return Err(TokenError::NotIssued);
        }
        // Exactly as issued: unpadded (a padded copy is another string).
        let bytes = URL_SAFE_NO_PAD
            .decode(token)
            .map_err(|_| TokenError::NotIssued)?;
        if bytes.len() != TOKEN_LEN || bytes[0] != FORMAT {
            return Err(TokenError::NotIssued);
        }
        let word = |i: usize| {
            let start = 2 + 8 * i;
            u64::from_be_bytes(bytes[start..start + 8].try_into().expect("8 bytes"))
        };
        let at = Position {
            seq: word(0),
            index: word(1),
        };
        let listing = DeviceKind::ALL
            .iter()
            .copied()
            .find(|k| k.index() == usize::from(bytes[1]))
            .ok_or(TokenError::NotIssued)?;
        let (issued, bound) = self.macs(listing, filter, at);
        if issued != word(2) {
            return Err(TokenError::NotIssued);
        }
        if listing != kind {
            return Err(TokenError::OtherListing);
        }
        if bound != word(3) {
            return Err(TokenError::OtherQuery);
        }
        Ok(at)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_token_reads_back_only_for_its_listing_and_query() {
        let key = TokenKey::new();
        let user = Filter {
            user_id: Some("u1"),
            device_id: None,
        };
        let at = Position {
            seq: 7,
            index: 4000,
        };
        let token = key.issue(DeviceKind::HeatPump, &user, at);
        assert!(
            token
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        );
        assert_eq!(key.read(&token, DeviceKind::HeatPump, &user), Ok(at));
        assert_eq!(
            key.read(&token, DeviceKind::Pv, &user),
            Err(TokenError::OtherListing)
        );
        assert_eq!(
            key.read(&token, DeviceKind::HeatPump, &Filter::default()),
            Err(TokenError::OtherQuery)
        );
        assert_eq!(
            TokenKey::new().read(&token, DeviceKind::HeatPump, &user),
            Err(TokenError::NotIssued),
            "another mock's key"
        );
        // Every single changed character is noticed.
        for i in 0..token.len() {
            let mut garbled = token.clone().into_bytes();
            garbled[i] = if garbled[i] == b'A' { b'B' } else { b'A' };
            let garbled = String::from_utf8(garbled).unwrap();
            assert!(
                key.read(&garbled, DeviceKind::HeatPump, &user).is_err(),
                "{garbled}"
            );
        }
        for junk in [
            "",
            "abc",
            "123556777",
            "eyJkZXZpY2VfaWQiOiAiMDEifQ",
            &"A".repeat(300),
        ] {
            assert_eq!(
                key.read(junk, DeviceKind::HeatPump, &user),
                Err(TokenError::NotIssued)
            );
        }
    }
}
