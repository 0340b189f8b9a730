//! Reading a callback: from a URL, a query string or the raw `data` value, bounded in
//! bytes before anything is decoded.

use base64::Engine as _;
use serde::Deserialize;
use serde_json::{Map, Value};

use super::error::{CallbackError, json_message};
use super::payload::{CallbackPayload, ENGINE};
use crate::time::from_unix_secs;

/// The longest input [`decode`] reads (URL, query string or data value), in bytes.
pub const MAX_INPUT_LEN: usize = 64 * 1024;
/// The longest `data` value [`decode`] decodes, in bytes (before base64 decoding).
pub const MAX_DATA_LEN: usize = 32 * 1024;

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
pub(super) fn query_of(input: &str) -> Option<&str> {
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
        message: json_message(&e),
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

pub(super) fn check_len(len: usize, limit: usize, what: &'static str) -> Result<(), CallbackError> {
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
