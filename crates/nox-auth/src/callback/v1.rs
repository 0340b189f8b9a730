//! The deprecated v1 redirect result, read from plain query parameters.

use std::time::SystemTime;

use serde::{Deserialize, Serialize};

use super::decode::{MAX_INPUT_LEN, check_len, query_of};
use super::error::CallbackError;
use crate::time::from_unix_secs;

/// The v1 redirect result. The v1 docs list these fields without saying how they are
/// carried; this SDK reads them as plain query parameters
/// (`?nox_user_id=…&supplier_user_id=…&manufacturer=…&connection_status=…&connected_at=…`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[non_exhaustive]
pub struct V1Callback {
    /// NOX's user id.
    pub nox_user_id: String,
    /// Your user id.
    pub supplier_user_id: String,
    /// The manufacturer brand.
    pub manufacturer: String,
    /// The connection status (`connected` in NOX's example).
    pub connection_status: String,
    /// When the connection was made.
    #[serde(with = "crate::time::unix_seconds")]
    #[cfg_attr(feature = "schemars", schemars(with = "u64"))]
    pub connected_at: SystemTime,
}

/// Decodes a v1 redirect from a URL, a path with a query, or a query string.
///
/// ```
/// use nox_auth::callback;
/// let v1 = callback::decode_v1(
///     "https://example.com/cb?nox_user_id=n1&supplier_user_id=u1&manufacturer=daikin&connection_status=connected&connected_at=1640995200",
/// )?;
/// assert_eq!(v1.connection_status, "connected");
/// # Ok::<(), callback::CallbackError>(())
/// ```
pub fn decode_v1(input: &str) -> Result<V1Callback, CallbackError> {
    check_len(input.len(), MAX_INPUT_LEN, "input")?;
    let input = input.trim();
    let query = query_of(input).unwrap_or(input);
    let query = query.split('#').next().unwrap_or("");
    let pairs: Vec<(String, String)> = url::form_urlencoded::parse(query.as_bytes())
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect();
    let get = |field: &'static str| -> Result<String, CallbackError> {
        match pairs.iter().find(|(k, _)| k == field) {
            None => Err(CallbackError::MissingField { field }),
            Some((_, v)) if v.trim().is_empty() => Err(CallbackError::EmptyField { field }),
            Some((_, v)) => Ok(v.clone()),
        }
    };
    let connected_at = get("connected_at")?;
    let connected_at = connected_at
        .trim()
        .parse::<u64>()
        .ok()
        .and_then(from_unix_secs)
        .ok_or(CallbackError::WrongType {
            field: "connected_at".into(),
            expected: "a Unix timestamp in seconds",
            found: "other text",
        })?;
    Ok(V1Callback {
        nox_user_id: get("nox_user_id")?,
        supplier_user_id: get("supplier_user_id")?,
        manufacturer: get("manufacturer")?,
        connection_status: get("connection_status")?,
        connected_at,
    })
}
