//! The redirect callback: what NOX appends to your `redirect_url` when the user has
//! linked a device, and how to check it.
//!
//! After a successful authentication NOX redirects the user to
//! `<redirect_url>?data=<base64url JSON, no padding>` with the fields of
//! [`CallbackPayload`]. [`decode`] reads it from whatever your handler has: the full
//! redirect URL (https, an app deep link such as `myapp://nox/callback?data=…`, or a
//! path such as `/callback?data=…`), a query string, or the raw `data` value.
//!
//! ```
//! use nox_auth::callback;
//!
//! let payload = callback::decode(
//!     "https://example.com/cb?data=eyJub3hfdXNlcl9pZCI6Im5veC0xIiwic3VwcGxpZXJfdXNlcl9pZCI6InVzZXItNDIiLCJicmFuZCI6ImRhaWtpbiIsImRldmljZV9pZHMiOlsiZGV2LTEiXSwiY29ubmVjdGVkX2F0IjoxNzAzMTIzNTAwfQ",
//! )?;
//! assert_eq!(payload.supplier_user_id, "user-42");
//! assert_eq!(payload.known_brand(), Some(nox_auth::Brand::Daikin));
//! # Ok::<(), nox_auth::callback::CallbackError>(())
//! ```
//!
//! # The payload is not signed: verify it
//!
//! Anyone can send a browser to your callback URL with made-up `data`. Decoding proves
//! nothing about who sent it. Before you record a device as linked, check the payload
//! against the link session **you** created for **the user who is logged in** with
//! [`CallbackPayload::verify`]: same user id, connected within the session's lifetime,
//! the pre-selected brand (if any), a brand valid for the asset type.
//!
//! What remains your job:
//! - bind the callback to the logged-in user: look up the [`SupplierLinkSession`](crate::SupplierLinkSession)
//!   you stored in *that user's* server-side session, never one named by the request;
//! - accept each link session once (remember its `link_token` as used);
//! - treat `device_ids` as untrusted until NOX's device API (Package API
//!   `GET /v1/devices`) shows those devices for that NOX user.
//!
//! # Limits
//!
//! The whole input may be at most [`MAX_INPUT_LEN`] bytes and the `data` value at most
//! [`MAX_DATA_LEN`] bytes; both are checked before anything is decoded. 32 KiB of
//! base64 holds 24 KiB of JSON: several hundred device ids.
//!
//! # v1
//!
//! The deprecated v1 docs list `nox_user_id`, `supplier_user_id`, `manufacturer`,
//! `connection_status` and `connected_at` without saying how they are carried; we
//! accept them as plain query parameters: [`decode_v1`].

mod error;
mod v1;
mod verify;

use std::time::SystemTime;

use base64::Engine as _;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

pub use error::CallbackError;
pub use v1::{V1Callback, decode_v1};
pub use verify::{DEFAULT_CLOCK_SKEW, VerifiedConnection, VerifyError, VerifyOptions};

use crate::brand::Brand;
use crate::time::from_unix_secs;

/// The longest input [`decode`] reads (URL, query string or data value), in bytes.
pub const MAX_INPUT_LEN: usize = 64 * 1024;
/// The longest `data` value [`decode`] decodes, in bytes (before base64 decoding).
pub const MAX_DATA_LEN: usize = 32 * 1024;

/// base64url; padding optional when decoding, never written.
const ENGINE: base64::engine::GeneralPurpose = base64::engine::GeneralPurpose::new(
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

/// Decodes a callback from a full redirect URL, a path with a query (`/callback?data=…`),
/// a query string (`data=…&state=…`, with or without `?`), or the raw `data` value.
///
/// Other query parameters and any `#fragment` are ignored; padding is optional (also as
/// `%3D`); unknown JSON fields are ignored.
///
/// ```
/// use nox_auth::callback::{self, CallbackError};
///
/// let err = callback::decode("https://example.com/cb?state=1").unwrap_err();
/// assert_eq!(err, CallbackError::MissingData);
/// assert!(err.to_string().contains("no `data` parameter"));
/// ```
pub fn decode(input: &str) -> Result<CallbackPayload, CallbackError> {
    check_len(input.len(), MAX_INPUT_LEN, "input")?;
    let input = input.trim();
    if input.is_empty() {
        return Err(CallbackError::EmptyData);
    }
    if let Some(query) = query_of(input) {
        return decode_query(query);
    }
    // A raw value has `=` only as trailing padding; anything else with `=` or `&` is a
    // query string.
    let is_query = input.starts_with("data=")
        || input.contains('&')
        || input.trim_end_matches('=').contains('=');
    if is_query {
        decode_query(input)
    } else {
        decode_data(input)
    }
}

/// The query part of a URL or path (`…?query#fragment`), if `input` looks like one.
fn query_of(input: &str) -> Option<&str> {
    let looks_like_url = input.contains("://") || input.starts_with('/') || input.starts_with('?');
    if !looks_like_url {
        return None;
    }
    let without_fragment = input.split('#').next().unwrap_or("");
    Some(
        without_fragment
            .split_once('?')
            .map(|(_, q)| q)
            .unwrap_or(""),
    )
}

/// Decodes from a query string (`data=…&other=…`, a leading `?` allowed).
///
/// ```
/// # use nox_auth::callback;
/// let err = callback::decode_query("state=1&data=").unwrap_err();
/// assert_eq!(err, callback::CallbackError::EmptyData);
/// ```
pub fn decode_query(query: &str) -> Result<CallbackPayload, CallbackError> {
    check_len(query.len(), MAX_INPUT_LEN, "query string")?;
    let query = query.trim().trim_start_matches('?');
    let query = query.split('#').next().unwrap_or("");
    let mut data = None;
    for (key, value) in url::form_urlencoded::parse(query.as_bytes()) {
        if key == "data" {
            if data.is_some() {
                return Err(CallbackError::DuplicateData);
            }
            data = Some(value);
        }
    }
    let data = data.ok_or(CallbackError::MissingData)?;
    decode_data(&data)
}

/// Decodes the raw `data` value (base64url JSON; padding optional).
///
/// ```
/// # use nox_auth::callback::{self, CallbackError};
/// let err = callback::decode_data("eyJub3hfdXNlcl9pZCI6!").unwrap_err();
/// assert!(matches!(err, CallbackError::InvalidBase64 { position: 20, .. }));
/// ```
pub fn decode_data(data: &str) -> Result<CallbackPayload, CallbackError> {
    check_len(data.len(), MAX_DATA_LEN, "`data` value")?;
    let data = data.trim();
    if data.is_empty() {
        return Err(CallbackError::EmptyData);
    }
    let bytes = ENGINE
        .decode(data)
        .map_err(|e| CallbackError::from_base64(e, data))?;
    if let Some(payload) = fast_path(&bytes) {
        return Ok(payload);
    }
    // Something is off: parse step by step to say exactly what.
    let text = String::from_utf8(bytes).map_err(|e| CallbackError::NotUtf8 {
        position: e.utf8_error().valid_up_to(),
    })?;
    let value: Value = serde_json::from_str(&text).map_err(|e| CallbackError::InvalidJson {
        line: e.line(),
        column: e.column(),
        message: error::json_message(&e),
    })?;
    let Value::Object(map) = value else {
        return Err(CallbackError::NotAnObject {
            found: json_kind(&value),
        });
    };
    payload_from_map(&map)
}

/// The payload exactly as NOX sends it, for the common case: one typed pass, no
/// intermediate `Value`. Anything it does not accept goes the slow, precise way.
#[derive(Deserialize)]
struct Wire {
    nox_user_id: String,
    supplier_user_id: String,
    brand: String,
    device_ids: Vec<String>,
    connected_at: u64,
}

fn fast_path(bytes: &[u8]) -> Option<CallbackPayload> {
    let w: Wire = serde_json::from_slice(bytes).ok()?;
    let blank = |s: &str| s.trim().is_empty();
    if blank(&w.nox_user_id) || blank(&w.supplier_user_id) || blank(&w.brand) {
        return None;
    }
    Some(CallbackPayload {
        connected_at: from_unix_secs(w.connected_at)?,
        nox_user_id: w.nox_user_id,
        supplier_user_id: w.supplier_user_id,
        brand: w.brand,
        device_ids: w.device_ids,
    })
}

fn check_len(len: usize, limit: usize, what: &'static str) -> Result<(), CallbackError> {
    if len > limit {
        Err(CallbackError::TooLarge { what, len, limit })
    } else {
        Ok(())
    }
}

pub(crate) fn json_kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

fn string_field(map: &Map<String, Value>, field: &'static str) -> Result<String, CallbackError> {
    match map.get(field) {
        None => Err(CallbackError::MissingField { field }),
        Some(Value::String(s)) if s.trim().is_empty() => Err(CallbackError::EmptyField { field }),
        Some(Value::String(s)) => Ok(s.clone()),
        Some(other) => Err(CallbackError::WrongType {
            field: field.into(),
            expected: "a string",
            found: json_kind(other),
        }),
    }
}

fn payload_from_map(map: &Map<String, Value>) -> Result<CallbackPayload, CallbackError> {
    let nox_user_id = string_field(map, "nox_user_id")?;
    let supplier_user_id = string_field(map, "supplier_user_id")?;
    let brand = string_field(map, "brand")?;
    let device_ids = match map.get("device_ids") {
        None => {
            return Err(CallbackError::MissingField {
                field: "device_ids",
            });
        }
        Some(Value::Array(items)) => items
            .iter()
            .enumerate()
            .map(|(i, v)| match v {
                Value::String(s) => Ok(s.clone()),
                other => Err(CallbackError::WrongType {
                    field: format!("device_ids[{i}]"),
                    expected: "a string",
                    found: json_kind(other),
                }),
            })
            .collect::<Result<Vec<_>, _>>()?,
        Some(other) => {
            return Err(CallbackError::WrongType {
                field: "device_ids".into(),
                expected: "an array of strings",
                found: json_kind(other),
            });
        }
    };
    let connected_at = match map.get("connected_at") {
        None => {
            return Err(CallbackError::MissingField {
                field: "connected_at",
            });
        }
        Some(Value::Number(n)) => match n.as_u64() {
            Some(secs) => from_unix_secs(secs).ok_or(CallbackError::WrongType {
                field: "connected_at".into(),
                expected: "a Unix timestamp in seconds",
                found: "a number out of range",
            })?,
            None => {
                return Err(CallbackError::WrongType {
                    field: "connected_at".into(),
                    expected: "a non-negative whole number of seconds",
                    found: if n.is_f64() {
                        "a fraction"
                    } else {
                        "a negative number"
                    },
                });
            }
        },
        Some(other) => {
            return Err(CallbackError::WrongType {
                field: "connected_at".into(),
                expected: "a Unix timestamp in seconds",
                found: json_kind(other),
            });
        }
    };
    Ok(CallbackPayload {
        nox_user_id,
        supplier_user_id,
        brand,
        device_ids,
        connected_at,
    })
}
