//! [`CallbackPayload`]: the fields NOX sends in `?data=`, and how to write them.

use std::time::SystemTime;

use base64::Engine as _;
use serde::{Deserialize, Serialize};

use super::error::CallbackError;
use crate::brand::Brand;

/// base64url; padding optional when decoding, never written.
pub(super) const ENGINE: base64::engine::GeneralPurpose = base64::engine::GeneralPurpose::new(
    &base64::alphabet::URL_SAFE,
    base64::engine::GeneralPurposeConfig::new()
        .with_encode_padding(false)
        .with_decode_padding_mode(base64::engine::DecodePaddingMode::Indifferent),
);

/// What NOX sends back in `?data=` after the user linked a device.
///
/// Serializes with `connected_at` as Unix seconds, the same shape as NOX's JSON.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[non_exhaustive]
pub struct CallbackPayload {
    /// NOX's subscriber id for the user.
    pub nox_user_id: String,
    /// Your user id, from the link session.
    pub supplier_user_id: String,
    /// The manufacturer brand, lowercase, as NOX sent it. Kept as text, since NOX adds
    /// brands; see [`CallbackPayload::known_brand`].
    pub brand: String,
    /// The ids of the devices that were connected.
    pub device_ids: Vec<String>,
    /// When the connection was made.
    #[serde(with = "crate::time::unix_seconds")]
    #[cfg_attr(feature = "schemars", schemars(with = "u64"))]
    pub connected_at: SystemTime,
}

impl CallbackPayload {
    /// A payload with these fields: what a test, or a backend that stores callbacks,
    /// builds one from.
    pub fn new(
        nox_user_id: impl Into<String>,
        supplier_user_id: impl Into<String>,
        brand: impl Into<String>,
        device_ids: Vec<String>,
        connected_at: SystemTime,
    ) -> Self {
        CallbackPayload {
            nox_user_id: nox_user_id.into(),
            supplier_user_id: supplier_user_id.into(),
            brand: brand.into(),
            device_ids,
            connected_at,
        }
    }

    /// The brand, if it is one this SDK knows (slug or v1 spelling).
    pub fn known_brand(&self) -> Option<Brand> {
        self.brand.parse().ok()
    }

    /// The canonical `data` value: compact JSON in field order, base64url, no padding.
    ///
    /// A stable part of the API (not test-only): build the callback your handler will
    /// receive in your own tests, or answer as NOX does in a mock of your own.
    ///
    /// ```
    /// use std::time::{Duration, UNIX_EPOCH};
    /// use nox_auth::callback::{self, CallbackPayload};
    ///
    /// let payload = CallbackPayload::new(
    ///     "nox-1",
    ///     "user-42",
    ///     "daikin",
    ///     vec!["dev-1".into()],
    ///     UNIX_EPOCH + Duration::from_secs(1703123500),
    /// );
    /// let data = payload.encode();
    /// assert!(!data.contains('='));
    /// assert_eq!(callback::decode_data(&data)?, payload);
    /// # Ok::<(), callback::CallbackError>(())
    /// ```
    pub fn encode(&self) -> String {
        ENGINE.encode(serde_json::to_vec(self).expect("a payload always serializes"))
    }

    /// `redirect_url` with `data=<encoded payload>` appended, keeping its existing query
    /// (and replacing an existing `data` parameter). Stable, like [`CallbackPayload::encode`]:
    /// for your tests and mock servers.
    ///
    /// ```
    /// # use std::time::{Duration, UNIX_EPOCH};
    /// # use nox_auth::callback::{self, CallbackPayload};
    /// # let payload = CallbackPayload::new("n", "u", "sma", vec![], UNIX_EPOCH + Duration::from_secs(1));
    /// let url = payload.redirect_url("myapp://nox/callback?state=abc")?;
    /// assert!(url.starts_with("myapp://nox/callback?state=abc&data="));
    /// assert_eq!(callback::decode(&url)?, payload);
    /// # Ok::<(), callback::CallbackError>(())
    /// ```
    pub fn redirect_url(&self, redirect_url: &str) -> Result<String, CallbackError> {
        let mut url =
            url::Url::parse(redirect_url).map_err(|e| CallbackError::InvalidRedirectUrl {
                reason: e.to_string(),
            })?;
        if url.cannot_be_a_base() {
            return Err(CallbackError::InvalidRedirectUrl {
                reason: "not a hierarchical URL".into(),
            });
        }
        let kept: Vec<(String, String)> = url
            .query_pairs()
            .filter(|(k, _)| k != "data")
            .map(|(k, v)| (k.into_owned(), v.into_owned()))
            .collect();
        {
            let mut query = url.query_pairs_mut();
            query.clear();
            for (k, v) in &kept {
                query.append_pair(k, v);
            }
            query.append_pair("data", &self.encode());
        }
        Ok(url.into())
    }
}
