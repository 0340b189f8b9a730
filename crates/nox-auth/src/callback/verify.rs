//! Checking a callback against the link session it should belong to.

use std::time::{Duration, SystemTime};

use serde::{Deserialize, Serialize};

use super::payload::CallbackPayload;
use crate::brand::{AssetType, Brand};
use crate::open::Open;
use crate::session::{ManufacturerLinkSession, SupplierLinkSession};
use crate::time::SessionTimes;
use crate::time::to_unix_secs;

/// The clock difference allowed between NOX and you by default: 60 seconds.
pub const DEFAULT_CLOCK_SKEW: Duration = Duration::from_secs(60);

/// How strictly [`CallbackPayload::verify_supplier_with`] checks: the defaults, changed with the
/// chainable setters (`VerifyOptions::default().reject_unknown_brands(true)`).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct VerifyOptions {
    /// The clock difference allowed on each side of the session's lifetime, and into
    /// the future. Default [`DEFAULT_CLOCK_SKEW`].
    pub clock_skew: Duration,
    /// Refuse a brand this SDK does not know. Default `false`: NOX adds brands, and an
    /// unknown brand cannot be checked against the asset type, so it is accepted (and
    /// shown as `known_brand: None`).
    pub reject_unknown_brands: bool,
}

impl VerifyOptions {
    /// Sets the clock difference allowed (see [`VerifyOptions::clock_skew`](Self#structfield.clock_skew)).
    pub fn clock_skew(mut self, skew: Duration) -> Self {
        self.clock_skew = skew;
        self
    }

    /// Refuses (`true`) or accepts (`false`, the default) a brand this SDK does not know.
    pub fn reject_unknown_brands(mut self, reject: bool) -> Self {
        self.reject_unknown_brands = reject;
        self
    }
}

impl Default for VerifyOptions {
    fn default() -> Self {
        Self {
            clock_skew: DEFAULT_CLOCK_SKEW,
            reject_unknown_brands: false,
        }
    }
}

/// A callback that passed every check against its link session.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[non_exhaustive]
pub struct VerifiedConnection {
    /// NOX's subscriber id for the user.
    pub nox_user_id: String,
    /// Your user id (equal to the session's).
    pub user_id: String,
    /// The session's token, to mark it as used.
    pub link_token: String,
    /// The asset type of the session, as NOX echoed it.
    pub asset_type: Open<AssetType>,
    /// The brand as NOX sent it.
    pub brand: String,
    /// The brand, if this SDK knows it.
    pub known_brand: Option<Brand>,
    /// The connected devices: untrusted until NOX's device API shows them.
    pub device_ids: Vec<String>,
    /// When the connection was made.
    #[serde(with = "crate::time::unix_seconds")]
    #[cfg_attr(feature = "schemars", schemars(with = "u64"))]
    pub connected_at: SystemTime,
    /// Whether it was verified against a *manufacturer* link session (whose devices NOX
    /// lists on the manufacturer listing, with no user). Absent in connections stored
    /// before 0.2: `false`.
    #[serde(default)]
    pub manufacturer: bool,
}

/// The rule a callback broke.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum VerifyError {
    /// The payload is for another user than the session.
    #[error("the callback is for user `{found}`, but the link session is for `{expected}`")]
    UserMismatch {
        /// The session's user id.
        expected: String,
        /// The payload's `supplier_user_id`.
        found: String,
    },
    /// The link session expired (plus the allowed skew) before the callback arrived:
    /// an old callback URL, replayed or opened late.
    #[error(
        "the link session expired at {expires_at} s, before this callback arrived (now {now} s, ±{skew} s)"
    )]
    SessionExpired {
        /// The session's `expires_at` (Unix seconds).
        expires_at: u64,
        /// Now.
        now: u64,
        /// The allowed skew in seconds.
        skew: u64,
    },
    /// `connected_at` lies outside the session's lifetime (plus the allowed skew).
    #[error(
        "the connection time ({connected_at} s) lies outside the link session's lifetime ({created_at} s to {expires_at} s, ±{skew} s)"
    )]
    OutsideSessionLifetime {
        /// The payload's `connected_at` (Unix seconds).
        connected_at: u64,
        /// The session's `created_at`.
        created_at: u64,
        /// The session's `expires_at`.
        expires_at: u64,
        /// The allowed skew in seconds.
        skew: u64,
    },
    /// `connected_at` is later than now (plus the allowed skew).
    #[error("the connection time ({connected_at} s) lies in the future (now {now} s)")]
    InTheFuture {
        /// The payload's `connected_at`.
        connected_at: u64,
        /// Now.
        now: u64,
    },
    /// The session pre-selected a brand and the payload names another.
    #[error("the callback names brand `{found}`, but the link session pre-selected `{expected}`")]
    BrandMismatch {
        /// The pre-selected brand, as the session holds it.
        expected: String,
        /// The payload's brand.
        found: String,
    },
    /// The brand is not valid for the session's asset type.
    #[error("brand `{brand}` is not valid for the link session's asset type `{asset_type}`")]
    BrandNotForAssetType {
        /// The brand.
        brand: Brand,
        /// The session's asset type.
        asset_type: AssetType,
    },
    /// The brand is unknown and `reject_unknown_brands` is set.
    #[error("brand `{brand}` is not a brand this SDK knows")]
    UnknownBrand {
        /// The brand as sent (truncated).
        brand: String,
    },
}

fn secs(t: SystemTime) -> u64 {
    to_unix_secs(t).unwrap_or(0)
}

impl CallbackPayload {
    /// Rules 1–4 of [`CallbackPayload::verify_supplier_with`], shared by both kinds of session.
    fn check_user_and_times(
        &self,
        user_id: &str,
        times: &SessionTimes,
        now: SystemTime,
        options: &VerifyOptions,
    ) -> Result<(), VerifyError> {
        if self.supplier_user_id != user_id {
            return Err(VerifyError::UserMismatch {
                expected: user_id.to_owned(),
                found: nox_auth_runtime::text::excerpt(&self.supplier_user_id, 128),
            });
        }
        let skew = options.clock_skew;
        // `None`: past what `SystemTime` can hold, i.e. no upper bound.
        let latest = times.expires_at.checked_add(skew);
        if latest.is_some_and(|latest| now > latest) {
            return Err(VerifyError::SessionExpired {
                expires_at: secs(times.expires_at),
                now: secs(now),
                skew: skew.as_secs(),
            });
        }
        let earliest = times
            .created_at
            .checked_sub(skew)
            .unwrap_or(SystemTime::UNIX_EPOCH);
        if self.connected_at < earliest || latest.is_some_and(|l| self.connected_at > l) {
            return Err(VerifyError::OutsideSessionLifetime {
                connected_at: secs(self.connected_at),
                created_at: secs(times.created_at),
                expires_at: secs(times.expires_at),
                skew: skew.as_secs(),
            });
        }
        if now
            .checked_add(skew)
            .is_some_and(|limit| self.connected_at > limit)
        {
            return Err(VerifyError::InTheFuture {
                connected_at: secs(self.connected_at),
                now: secs(now),
            });
        }
        Ok(())
    }

    /// Checks this callback against a *manufacturer* link session, at `now`: the user
    /// (NOX carries your user id in `supplier_user_id` in both flows), the session not
    /// expired, `connected_at` within its lifetime and not in the future. The brand is
    /// the manufacturer's own and is not checked; `asset_type` in the result is unknown
    /// (`Open::Unknown("")`), as a manufacturer session has none.
    pub fn verify_manufacturer_with(
        &self,
        session: &ManufacturerLinkSession,
        now: SystemTime,
        options: &VerifyOptions,
    ) -> Result<VerifiedConnection, VerifyError> {
        self.check_user_and_times(&session.user_id, &session.times, now, options)?;
        let known = self.known_brand();
        let mut connection =
            self.connection(&session.link_token, Open::Unknown(String::new()), known);
        connection.manufacturer = true;
        Ok(connection)
    }

    /// The verified connection this payload makes for the session `link_token` (both
    /// kinds of session); `known_brand` is the payload's brand as the caller parsed it.
    fn connection(
        &self,
        link_token: &str,
        asset_type: Open<AssetType>,
        known_brand: Option<Brand>,
    ) -> VerifiedConnection {
        VerifiedConnection {
            nox_user_id: self.nox_user_id.clone(),
            user_id: self.supplier_user_id.clone(),
            link_token: link_token.to_owned(),
            asset_type,
            brand: self.brand.clone(),
            known_brand,
            device_ids: self.device_ids.clone(),
            connected_at: self.connected_at,
            manufacturer: false,
        }
    }

    /// Checks this callback against the link session you created for the logged-in
    /// user, with [`VerifyOptions::default`] and the current time.
    ///
    /// ```
    /// # use std::time::{Duration, UNIX_EPOCH};
    /// # use nox_auth::callback::{CallbackPayload, VerifyError};
    /// # let session: nox_auth::SupplierLinkSession = serde_json::from_value(serde_json::json!({
    /// #   "link_url": "https://auth.nox.energy/ui?token=t", "link_token": "t", "user_id": "user-42",
    /// #   "asset_type": "hp", "brand": "daikin", "language": "nl", "redirect_url": "https://example.com/cb",
    /// #   "supplier": "Acme", "created_at": 1703123456, "expires_at": 1703124056, "completed_at": null})).unwrap();
    /// let payload = CallbackPayload::new(
    ///     "nox-1",
    ///     "someone-else",
    ///     "daikin",
    ///     vec!["dev-1".into()],
    ///     UNIX_EPOCH + Duration::from_secs(1703123500),
    /// );
    /// let err = payload.verify_supplier(&session).unwrap_err();
    /// assert!(matches!(err, VerifyError::UserMismatch { .. }));
    /// ```
    pub fn verify_supplier(
        &self,
        session: &SupplierLinkSession,
    ) -> Result<VerifiedConnection, VerifyError> {
        self.verify_supplier_with(session, SystemTime::now(), &VerifyOptions::default())
    }

    /// The old name of [`CallbackPayload::verify_supplier`], kept until 0.3.
    #[deprecated(since = "0.2.0", note = "renamed to `verify_supplier`")]
    pub fn verify(&self, session: &SupplierLinkSession) -> Result<VerifiedConnection, VerifyError> {
        self.verify_supplier(session)
    }

    /// The old name of [`CallbackPayload::verify_supplier_with`], kept until 0.3.
    #[deprecated(since = "0.2.0", note = "renamed to `verify_supplier_with`")]
    pub fn verify_with(
        &self,
        session: &SupplierLinkSession,
        now: SystemTime,
        options: &VerifyOptions,
    ) -> Result<VerifiedConnection, VerifyError> {
        self.verify_supplier_with(session, now, options)
    }

    /// Checks this callback against a *manufacturer* link session, with
    /// [`VerifyOptions::default`] and the current time: [`CallbackPayload::verify_manufacturer_with`].
    pub fn verify_manufacturer(
        &self,
        session: &ManufacturerLinkSession,
    ) -> Result<VerifiedConnection, VerifyError> {
        self.verify_manufacturer_with(session, SystemTime::now(), &VerifyOptions::default())
    }

    /// [`CallbackPayload::verify_supplier`] with an explicit clock and options. The rules, in order:
    ///
    /// 1. `supplier_user_id` equals the session's user id;
    /// 2. the session has not expired: `now ≤ expires_at + skew`;
    /// 3. `connected_at` lies in `[created_at − skew, expires_at + skew]`;
    /// 4. `connected_at` is not later than `now + skew`;
    /// 5. if the session pre-selected a brand, the payload's brand is that brand;
    /// 6. a known brand is valid for the session's asset type (an unknown brand, or an
    ///    asset type NOX added, passes unless `reject_unknown_brands`).
    ///
    /// All time arithmetic is checked: extreme timestamps or a `clock_skew` of
    /// `Duration::MAX` give a result or an error, never a panic (a bound past what the
    /// clock can hold counts as no bound).
    ///
    /// ```
    /// # use std::time::{Duration, UNIX_EPOCH};
    /// use nox_auth::callback::{CallbackPayload, VerifyError, VerifyOptions};
    /// # let session: nox_auth::SupplierLinkSession = serde_json::from_value(serde_json::json!({
    /// #   "link_url": "https://auth.nox.energy/ui?token=t", "link_token": "t", "user_id": "user-42",
    /// #   "asset_type": "pv", "brand": null, "language": "nl", "redirect_url": "https://example.com/cb",
    /// #   "supplier": "Acme", "created_at": 1703123456, "expires_at": 1703124056, "completed_at": null})).unwrap();
    /// let payload = CallbackPayload::new(
    ///     "nox-1",
    ///     "user-42",
    ///     "brand-nox-added-last-week",
    ///     vec!["inv-1".into()],
    ///     UNIX_EPOCH + Duration::from_secs(1703123500),
    /// );
    /// let now = UNIX_EPOCH + Duration::from_secs(1703123600);
    /// // Unknown brands pass by default…
    /// assert!(payload.verify_supplier_with(&session, now, &VerifyOptions::default()).is_ok());
    /// // …and can be refused.
    /// let strict = VerifyOptions::default().reject_unknown_brands(true);
    /// assert!(matches!(payload.verify_supplier_with(&session, now, &strict), Err(VerifyError::UnknownBrand { .. })));
    /// ```
    pub fn verify_supplier_with(
        &self,
        session: &SupplierLinkSession,
        now: SystemTime,
        options: &VerifyOptions,
    ) -> Result<VerifiedConnection, VerifyError> {
        self.check_user_and_times(&session.user_id, &session.times, now, options)?;
        let known = self.known_brand();
        let brand_matches = |expected: &Open<Brand>| match expected {
            Open::Known(b) => known == Some(*b),
            Open::Unknown(text) => self.brand.trim().eq_ignore_ascii_case(text.trim()),
        };
        if let Some(expected) = &session.brand
            && !brand_matches(expected)
        {
            return Err(VerifyError::BrandMismatch {
                expected: nox_auth_runtime::text::excerpt(expected.as_str(), 64),
                found: nox_auth_runtime::text::excerpt(&self.brand, 64),
            });
        }
        match (known, session.asset_type.known()) {
            (Some(brand), Some(asset_type)) if !brand.supports(asset_type) => {
                return Err(VerifyError::BrandNotForAssetType { brand, asset_type });
            }
            (None, _) if options.reject_unknown_brands => {
                return Err(VerifyError::UnknownBrand {
                    brand: nox_auth_runtime::text::excerpt(&self.brand, 64),
                });
            }
            _ => {}
        }
        Ok(self.connection(&session.link_token, session.asset_type.clone(), known))
    }
}
