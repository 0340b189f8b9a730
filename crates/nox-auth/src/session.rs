//! What the create operations return: link sessions and device connections, with
//! timestamps as [`SystemTime`].
//!
//! A [`SupplierLinkSession`] serializes to JSON (timestamps as Unix seconds), so it can be stored
//! between creating it and verifying the callback that comes back.

use std::time::SystemTime;

use serde::{Deserialize, Serialize};

use crate::brand::{AssetType, Brand, Language};
use nox_auth_runtime::Operation;
use nox_auth_runtime::text::excerpt;

use crate::error::Error;
use crate::open::Open;
use crate::time::SessionTimes;

/// A v2 supplier link session: where to send the user, and until when.
///
/// ```
/// use std::time::{Duration, SystemTime};
/// # let session: nox_auth::SupplierLinkSession = serde_json::from_value(serde_json::json!({
/// #   "link_url": "https://auth.nox.energy/ui?token=abc&language=nl", "link_token": "abc",
/// #   "user_id": "u1", "asset_type": "hp", "brand": null, "language": "nl",
/// #   "redirect_url": "https://example.com/cb", "supplier": "Acme",
/// #   "created_at": 1703123456, "expires_at": 1703124056, "completed_at": null})).unwrap();
/// let created = session.times.created_at;
/// assert!(!session.times.is_expired(created));
/// assert_eq!(session.times.remaining(created + Duration::from_secs(60)), Duration::from_secs(540));
/// assert!(session.times.is_expired(created + Duration::from_secs(600)));
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[non_exhaustive]
pub struct SupplierLinkSession {
    /// Send the end-user here (NOX's Authenticator UI).
    pub link_url: String,
    /// The session's token.
    pub link_token: String,
    /// Your user id (NOX's `supplier_user_id`; checked to be the one you sent).
    pub user_id: String,
    /// The device category, as NOX echoed it.
    pub asset_type: Open<AssetType>,
    /// The pre-selected brand, if any, as NOX echoed it.
    pub brand: Option<Open<Brand>>,
    /// The UI language, as NOX echoed it.
    pub language: Open<Language>,
    /// Where NOX sends the user back to.
    pub redirect_url: String,
    /// Your supplier name, as NOX resolved it from the API key.
    pub supplier: String,
    /// When it was created, expires and was completed (`created_at`, `expires_at`,
    /// `completed_at` in its JSON).
    #[serde(flatten)]
    pub times: SessionTimes,
}

/// A v2 manufacturer link session.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[non_exhaustive]
pub struct ManufacturerLinkSession {
    /// Send the end-user here (NOX's Authenticator UI).
    pub link_url: String,
    /// The session's token.
    pub link_token: String,
    /// Your user id (NOX's `manufacturer_user_id`; checked to be the one you sent).
    pub user_id: String,
    /// The UI language, as NOX echoed it.
    pub language: Open<Language>,
    /// Where NOX sends the user back to.
    pub redirect_url: String,
    /// Your manufacturer name, as NOX resolved it from the API key.
    pub manufacturer: String,
    /// Your brand name as NOX shows it (title-cased), if given.
    pub brand: Option<String>,
    /// When it was created, expires and was completed (`created_at`, `expires_at`,
    /// `completed_at` in its JSON).
    #[serde(flatten)]
    pub times: SessionTimes,
}

/// A v2 manufacturer device connection.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[non_exhaustive]
pub struct DeviceConnection {
    /// Your user id.
    pub user_id: String,
    /// NOX's subscriber id for that user (resolved or newly created).
    pub nox_user_id: String,
}

/// Unix seconds from NOX → `SystemTime`; a negative value is an invalid answer.
fn from_unix(operation: Operation, field: &str, secs: i64) -> Result<SystemTime, Error> {
    u64::try_from(secs)
        .ok()
        .and_then(crate::time::from_unix_secs)
        .ok_or_else(|| Error::InvalidResponse {
            operation,
            reason: format!("`{field}` is not a valid Unix timestamp: {secs}"),
        })
}

/// Reads a session's timestamps and refuses an expiry before the creation.
fn session_times(
    operation: Operation,
    created_at: i64,
    expires_at: i64,
    completed_at: Option<i64>,
) -> Result<SessionTimes, Error> {
    let created = from_unix(operation, "created_at", created_at)?;
    let expires = from_unix(operation, "expires_at", expires_at)?;
    if expires < created {
        return Err(Error::InvalidResponse {
            operation,
            reason: format!("`expires_at` ({expires_at}) is before `created_at` ({created_at})"),
        });
    }
    let completed = completed_at
        .map(|t| from_unix(operation, "completed_at", t))
        .transpose()?;
    Ok(SessionTimes {
        completed_at: completed,
        ..SessionTimes::new(created, expires)
    })
}

/// Refuses an answer for another user than the one the request named: verifying its
/// callback later would fail, or worse, succeed for the wrong user.
pub(crate) fn same_user(
    operation: Operation,
    field: &str,
    sent: &str,
    answered: String,
) -> Result<String, Error> {
    if answered == sent {
        Ok(answered)
    } else {
        Err(Error::InvalidResponse {
            operation,
            reason: format!(
                "`{field}` is `{}`, not the user id that was sent",
                excerpt(&answered, 64)
            ),
        })
    }
}

/// The old name of [`SupplierLinkSession`], kept until 0.3 (it pairs with
/// [`crate::SupplierLinkRequest`] and [`ManufacturerLinkSession`] now).
#[deprecated(since = "0.2.0", note = "renamed to `SupplierLinkSession`")]
pub type LinkSession = SupplierLinkSession;

impl SupplierLinkSession {
    /// Builds the session from NOX's answer to a request for `user_id` and
    /// `asset_type`, refusing an answer that contradicts it (another user, a known asset
    /// type other than the one sent) or itself (expiry before creation).
    pub(crate) fn from_generated(
        operation: Operation,
        user_id: &str,
        asset_type: AssetType,
        r: nox_auth_v2::supplier::types::CreateSupplierLinkSessionResponse,
    ) -> Result<Self, Error> {
        let times = session_times(operation, r.created_at, r.expires_at, r.completed_at)?;
        let user_id = same_user(operation, "supplier_user_id", user_id, r.supplier_user_id)?;
        let sent = asset_type;
        let asset_type = Open::parse(&r.asset_type);
        if let Open::Known(answered) = asset_type
            && answered != sent
        {
            return Err(Error::InvalidResponse {
                operation,
                reason: format!("`asset_type` is `{answered}`, not the `{sent}` that was sent"),
            });
        }
        Ok(SupplierLinkSession {
            times,
            link_url: r.link_url,
            link_token: r.link_token,
            user_id,
            asset_type,
            brand: r.brand.as_deref().map(Open::parse),
            language: Open::parse(&r.language),
            redirect_url: r.redirect_url,
            supplier: r.supplier,
        })
    }
}

impl ManufacturerLinkSession {
    /// Builds the session from NOX's answer to a request for `user_id` (see
    /// [`SupplierLinkSession`]'s checks).
    pub(crate) fn from_generated(
        operation: Operation,
        user_id: &str,
        r: nox_auth_v2::manufacturer::types::CreateManufacturerLinkSessionResponse,
    ) -> Result<Self, Error> {
        let times = session_times(operation, r.created_at, r.expires_at, r.completed_at)?;
        let user_id = same_user(
            operation,
            "manufacturer_user_id",
            user_id,
            r.manufacturer_user_id,
        )?;
        Ok(ManufacturerLinkSession {
            times,
            link_url: r.link_url,
            link_token: r.link_token,
            user_id,
            language: Open::parse(&r.language),
            redirect_url: r.redirect_url,
            manufacturer: r.manufacturer,
            brand: r.brand,
        })
    }
}
