//! The pending links in the user's session: the link sessions NOX created, each with the
//! state nonce the flow put into its `redirect_url`; how a callback finds its own and is
//! checked against it before it is consumed.

use std::time::SystemTime;

use nox_auth::nox_auth_runtime::secret::constant_time_eq;
use nox_auth::time::SessionTimes;
use nox_auth::{ManufacturerLinkSession, SupplierLinkSession};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use tower_sessions::Session;

use crate::error::LinkError;

/// The key under which a pending supplier link session is kept in the user's session.
pub const PENDING_SUPPLIER_KEY: &str = "nox_auth.pending_supplier_link";
/// The key under which a pending manufacturer link session is kept.
pub const PENDING_MANUFACTURER_KEY: &str = "nox_auth.pending_manufacturer_link";

/// The query parameter of `redirect_url` that carries the state nonce.
pub const STATE_PARAM: &str = "nox_state";

/// How many pending links one session keeps per flow (supplier, manufacturer): links
/// started in several tabs (a heat pump in one, an inverter in another) each finish with
/// their own callback. A start beyond this drops the oldest, whose callback is then
/// refused ([`LinkError::StateMismatch`]). Expired links are dropped at each start.
pub const MAX_PENDING: usize = 4;

/// One pending link: the link session, and the nonce its `redirect_url` carries (none
/// when the nonce was turned off, or for a link stored by 0.1, whose shape is the bare link
/// session: it still reads).
#[derive(Debug, Serialize, Deserialize)]
pub(crate) struct Pending<T> {
    #[serde(flatten)]
    pub(crate) link: T,
    #[serde(default, rename = "nox_state", skip_serializing_if = "Option::is_none")]
    pub(crate) state: Option<String>,
    /// When this backend started it (Unix seconds, our clock): a start soon after may
    /// reuse it. Absent in links stored before 0.2: never reused.
    #[serde(
        default,
        rename = "nox_started_at",
        skip_serializing_if = "Option::is_none"
    )]
    pub(crate) started_at: Option<u64>,
}

impl<T> Pending<T> {
    /// Whether this link was started at most `window` before `now`.
    pub(crate) fn started_within(&self, window: std::time::Duration, now: SystemTime) -> bool {
        let now = nox_auth::time::to_unix_secs(now).unwrap_or(0);
        self.started_at
            .is_some_and(|at| now >= at && now - at <= window.as_secs())
    }
}

/// What the session keeps under a flow's key: the pending links, oldest first; or, as
/// stored before several were kept, one.
#[derive(Deserialize)]
#[serde(untagged)]
enum Stored<T> {
    Many(Vec<Pending<T>>),
    One(Pending<T>),
}

/// The pending links under `key`, oldest first (none stored: empty).
pub(crate) async fn load<T: Link>(
    session: &Session,
    key: &str,
) -> Result<Vec<Pending<T>>, LinkError> {
    Ok(match session.get::<Stored<T>>(key).await? {
        None => Vec::new(),
        Some(Stored::Many(all)) => all,
        Some(Stored::One(one)) => vec![one],
    })
}

/// Adds `new` to the pending links under `key`: expired ones are dropped; links without a
/// nonce are dropped (a start with a nonce must not leave one a forged callback could
/// finish, and two without cannot be told apart); beyond [`MAX_PENDING`] the oldest goes.
/// Links that no longer read are dropped.
pub(crate) async fn add<T: Link>(
    session: &Session,
    key: &str,
    new: Pending<T>,
    now: SystemTime,
) -> Result<(), LinkError> {
    let mut all = load::<T>(session, key).await.unwrap_or_default();
    all.retain(|p| !p.link.times().is_expired(now) && p.state.is_some());
    all.push(new);
    let excess = all.len().saturating_sub(MAX_PENDING);
    all.drain(..excess);
    session.insert(key, &all).await?;
    Ok(())
}

/// What the flow reads of either kind of link session: one code path for both flows.
pub(crate) trait Link: Serialize + DeserializeOwned {
    fn user_id(&self) -> &str;
    fn link_url(&self) -> &str;
    /// The `redirect_url` NOX echoed (the one sent, with the nonce).
    fn redirect_url(&self) -> &str;
    fn times(&self) -> &SessionTimes;
}

macro_rules! link_fields {
    ($($t:ty),*) => {$(
        impl Link for $t {
            fn user_id(&self) -> &str {
                &self.user_id
            }
            fn link_url(&self) -> &str {
                &self.link_url
            }
            fn redirect_url(&self) -> &str {
                &self.redirect_url
            }
            fn times(&self) -> &SessionTimes {
                &self.times
            }
        }
    )*};
}
link_fields!(SupplierLinkSession, ManufacturerLinkSession);

/// A fresh nonce: 32 bytes from the OS, as hex.
pub(crate) fn new_state() -> Result<String, LinkError> {
    Ok(random_hex("the state nonce")?)
}

/// 32 random bytes from the OS, as hex: the state nonce, and the NOX login's CSRF token
/// (`nox_login`). No random source is reported as a store failure naming `what`.
pub(crate) fn random_hex(what: &str) -> Result<String, tower_sessions::session::Error> {
    let mut buf = [0u8; 32];
    getrandom::fill(&mut buf).map_err(|e| {
        tower_sessions::session::Error::Store(tower_sessions::session_store::Error::Backend(
            format!("no random source for {what}: {e}"),
        ))
    })?;
    Ok(buf.iter().map(|b| format!("{b:02x}")).collect())
}

/// `redirect_url` with `nox_state=<state>` in its query (replacing one already there),
/// everything else exactly as written: NOX may compare it with the URL you registered.
/// A URL that does not parse, or has a fragment, is returned as is: the facade's
/// validation refuses it with a message naming the field.
pub(crate) fn with_state(redirect_url: &str, state: &str) -> String {
    let text = redirect_url.trim();
    if url::Url::parse(text).is_err() || text.contains('#') {
        return redirect_url.to_owned();
    }
    let (base, query) = text.split_once('?').unwrap_or((text, ""));
    let is_state = |pair: &str| {
        url::form_urlencoded::parse(pair.as_bytes())
            .next()
            .is_some_and(|(k, _)| k == STATE_PARAM)
    };
    let mut pairs: Vec<&str> = query
        .split('&')
        .filter(|pair| !pair.is_empty() && !is_state(pair))
        .collect();
    // The nonce is hex: nothing to encode.
    let param = format!("{STATE_PARAM}={state}");
    pairs.push(&param);
    format!("{base}?{}", pairs.join("&"))
}

/// The state nonce of a callback: a full URL, a path with a query, or the query string
/// alone (the forms `callback::decode` reads; the first `nox_state` counts).
fn state_of(callback_url: &str) -> Option<String> {
    let input = callback_url.trim();
    let query = input.split_once('?').map_or(input, |(_, q)| q);
    let query = query.split('#').next().unwrap_or(query);
    url::form_urlencoded::parse(query.as_bytes())
        .find(|(k, _)| k == STATE_PARAM)
        .map(|(_, v)| v.into_owned())
}

/// Which pending link a callback with state `given` finishes: a callback with a nonce
/// only the link with that nonce (each compared in constant time, all of them compared);
/// a callback without one only a link without one (nonce turned off, or stored by 0.1).
fn matching<T>(all: &[Pending<T>], given: Option<&str>) -> Option<usize> {
    let Some(given) = given else {
        return all.iter().position(|p| p.state.is_none());
    };
    let mut found = None;
    for (i, p) in all.iter().enumerate() {
        let same = p
            .state
            .as_deref()
            .is_some_and(|s| constant_time_eq(s.as_bytes(), given.as_bytes()));
        if same {
            found = Some(i);
        }
    }
    found
}

/// Checks a callback against the pending links under `key` and consumes its own:
///
/// 1. `payload_user` (the decoded callback's user) must be `logged_in_user`: another
///    user's payload is refused and leaves the pending links in place;
/// 2. a pending link must exist ([`LinkError::NoSession`] without a known session);
/// 3. the callback's state nonce must be one of theirs, or one of them must have none
///    ([`LinkError::StateMismatch`], the pending links left in place for the real callback);
/// 4. then that pending link is removed and the removal saved (single use: whatever
///    verification says next, this callback URL cannot be used again), and it must be
///    `logged_in_user`'s.
pub(crate) async fn consume<T: Link>(
    session: &Session,
    key: &str,
    logged_in_user: &str,
    payload_user: &str,
    callback_url: &str,
) -> Result<T, LinkError> {
    if payload_user != logged_in_user {
        return Err(LinkError::WrongUser);
    }
    let mut all = load::<T>(session, key).await?;
    if all.is_empty() {
        // Loading the record leaves no id when there was no cookie, or an unknown one.
        return Err(if session.id().is_none() {
            LinkError::NoSession
        } else {
            LinkError::NoPendingLink
        });
    }
    let Some(i) = matching(&all, state_of(callback_url).as_deref()) else {
        return Err(LinkError::StateMismatch);
    };
    let pending = all.remove(i);
    if all.is_empty() {
        session.remove_value(key).await?;
    } else {
        session.insert(key, &all).await?;
    }
    session.save().await?;
    if pending.link.user_id() != logged_in_user {
        return Err(LinkError::WrongUser);
    }
    Ok(pending.link)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_state_goes_into_the_query_and_comes_back_out() {
        let url = with_state("https://shop.example/cb?tab=2&nox_state=old", "abc");
        assert_eq!(url, "https://shop.example/cb?tab=2&nox_state=abc");
        // The rest of the query as written (`%20` stays `%20`, `nox%5Fstate` is the same key).
        assert_eq!(
            with_state("https://shop.example/cb?a=b%20c&nox%5Fstate=x&&d", "n"),
            "https://shop.example/cb?a=b%20c&d&nox_state=n"
        );
        assert_eq!(state_of(&format!("{url}&data=xyz")).as_deref(), Some("abc"));
        assert_eq!(
            with_state("myapp://nox/callback", "n1"),
            "myapp://nox/callback?nox_state=n1"
        );
        assert_eq!(
            state_of("/nox/callback?data=x&nox_state=s%201#f").as_deref(),
            Some("s 1")
        );
        assert_eq!(state_of("/nox/callback?data=x"), None);
        assert_eq!(
            state_of(" nox_state=q&data=x").as_deref(),
            Some("q"),
            "a bare query"
        );
        assert_eq!(
            state_of("data=x&nox_state=a&nox_state=b").as_deref(),
            Some("a")
        );
        assert_eq!(with_state("not a url", "s"), "not a url");
        // Host case, default port, a bare origin, dot segments: as written.
        assert_eq!(
            with_state("https://Shop.Example:443/a/../cb", "n"),
            "https://Shop.Example:443/a/../cb?nox_state=n"
        );
        assert_eq!(
            with_state("https://shop.example", "n"),
            "https://shop.example?nox_state=n"
        );
    }

    #[test]
    fn states_compare_whole() {
        let a = new_state().unwrap();
        assert_eq!(a.len(), 64);
        assert_ne!(a, new_state().unwrap());
    }
}
