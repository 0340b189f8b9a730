//! How every API operation reads its request: the API key first, then an armed fault
//! (only a request whose key is accepted can use one up), then the JSON object body, then
//! the fields, in NOX's wording and within the mock's documented limits.

use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::Response;
use nox_auth::{Language, Operation};
use serde_json::{Map, Value};

use crate::api_error::{ApiError, Version, fault_answer};
use crate::app::App;
use crate::config::{
    MAX_DEVICE_ID_BYTES, MAX_DEVICE_IDS, MAX_REDIRECT_URL_BYTES, MAX_USER_ID_BYTES,
};
use crate::media_type;
use nox_auth::nox_auth_runtime::secret::constant_time_eq;

/// Checks the API key: `x-api-key`, or (the Authenticator's v1 only) `Authorization: ApiKey <key>`.
fn authorize(app: &App, headers: &HeaderMap, version: Version) -> Result<(), ApiError> {
    let given = headers
        .get("x-api-key")
        .and_then(|v| v.to_str().ok())
        .or_else(|| {
            (version == Version::V1)
                .then(|| headers.get(header::AUTHORIZATION))
                .flatten()
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.strip_prefix("ApiKey "))
        });
    match given {
        Some(key) if constant_time_eq(key.trim().as_bytes(), app.api_key.as_bytes()) => Ok(()),
        Some(_) => Err(ApiError::new(
            version,
            StatusCode::UNAUTHORIZED,
            "invalid_api_key",
            "Invalid API key",
        )),
        None => Err(ApiError::new(
            version,
            StatusCode::UNAUTHORIZED,
            "missing_api_key",
            "Missing API key",
        )),
    }
}

/// The JSON object of a request body, or a 4xx with an error body.
fn read_object(
    headers: &HeaderMap,
    body: Result<Bytes, BytesRejection>,
    version: Version,
) -> Result<Map<String, Value>, ApiError> {
    let body = body.map_err(|rejection| {
        let status = rejection.status();
        let message = if status == StatusCode::PAYLOAD_TOO_LARGE {
            format!(
                "request body is larger than {} bytes",
                crate::config::MAX_BODY_BYTES
            )
        } else {
            "could not read the request body".to_owned()
        };
        ApiError::new(version, status, "invalid_body", message)
    })?;
    if !media_type::is(headers, "application/json") {
        // 400, not 415: NOX documents 400 for a request it cannot read, and no operation
        // documents 415 (specs/README.md, decision 18).
        return Err(ApiError::bad_request(
            version,
            "Content-Type must be application/json",
        ));
    }
    match serde_json::from_slice::<Value>(&body) {
        Ok(Value::Object(map)) => Ok(map),
        Ok(_) => Err(ApiError::bad_request(
            version,
            "request body must be a JSON object",
        )),
        Err(e) => Err(ApiError::new(
            version,
            StatusCode::BAD_REQUEST,
            "invalid_json",
            format!("request body is not valid JSON: {e}"),
        )),
    }
}

/// One API operation, the way every one runs: the key, then an injected fault (if one is
/// armed for `operation`), then the JSON object body, then `op`; any error answered in
/// the version's shape with the mock clock's timestamp.
pub(crate) async fn operation(
    app: &App,
    operation: Operation,
    headers: &HeaderMap,
    body: Result<Bytes, BytesRejection>,
    op: impl FnOnce(&Fields<'_>) -> Result<Response, ApiError>,
) -> Response {
    let version = Version::of_operation(operation);
    if let Err(e) = authorize(app, headers, version) {
        return e.into_response_at(app.store.now());
    }
    if let Some(answer) = injected(app, operation, version).await {
        return answer;
    }
    let result =
        read_object(headers, body, version).and_then(|map| op(&Fields { map: &map, version }));
    result.unwrap_or_else(|e| e.into_response_at(app.store.now()))
}

/// A read without a body (the Package API's listings), the way every one runs: the key
/// (`x-api-key` only), then an injected fault, then `op`.
pub(crate) async fn read_operation(
    app: &App,
    operation: Operation,
    headers: &HeaderMap,
    op: impl FnOnce() -> Response,
) -> Response {
    let version = Version::of_operation(operation);
    if let Err(e) = authorize(app, headers, version) {
        return e.into_response_at(app.store.now());
    }
    match injected(app, operation, version).await {
        Some(answer) => answer,
        None => op(),
    }
}

/// The answer of a fault armed for `operation`, after its delay; `None` when none is
/// armed or it answers normally (late).
pub(crate) async fn injected(
    app: &App,
    operation: Operation,
    version: Version,
) -> Option<Response> {
    let fault = app.faults.take(operation)?;
    if !fault.delay.is_zero() {
        tokio::time::sleep(fault.delay).await;
    }
    fault_answer(&fault, version, app.store.now())
}

/// The checks of one request body, in NOX's wording ("user_id is required and must be a string").
pub(crate) struct Fields<'a> {
    pub(crate) map: &'a Map<String, Value>,
    pub(crate) version: Version,
}

impl Fields<'_> {
    /// Present and a string. An empty string passes, as the spec allows it (no
    /// `minLength`; NOX's message names only presence and type: decision 19).
    pub(crate) fn required_string(&self, field: &str) -> Result<String, ApiError> {
        match self.map.get(field) {
            Some(Value::String(s)) => Ok(s.clone()),
            _ => Err(ApiError::bad_request(
                self.version,
                format!("{field} is required and must be a string"),
            )),
        }
    }

    /// A user id: a string of at most [`MAX_USER_ID_BYTES`].
    pub(crate) fn required_id(&self, field: &str) -> Result<String, ApiError> {
        let value = self.required_string(field)?;
        self.at_most(field, &value, MAX_USER_ID_BYTES)?;
        Ok(value)
    }

    /// 400 when `value` is longer than `max` bytes.
    pub(crate) fn at_most(&self, field: &str, value: &str, max: usize) -> Result<(), ApiError> {
        if value.len() > max {
            return Err(ApiError::bad_request(
                self.version,
                format!("{field} must be at most {max} bytes"),
            ));
        }
        Ok(())
    }

    /// A redirect URL by the SDK's one rule: absolute, and never a scheme a browser
    /// would run (`javascript:`, `data:`, `file:`…) or an http(s) URL without a host;
    /// at most [`MAX_REDIRECT_URL_BYTES`].
    pub(crate) fn required_url(&self, field: &str) -> Result<String, ApiError> {
        let value = self.required_string(field)?;
        self.at_most(field, &value, MAX_REDIRECT_URL_BYTES)?;
        match nox_auth::validate_redirect_url(&value) {
            Ok(()) => Ok(value),
            Err(_) => Err(ApiError::bad_request(
                self.version,
                format!("{field} must be a valid URL"),
            )),
        }
    }

    /// Absent, or a string. `null` is refused: the spec says which fields are nullable
    /// (see [`Fields::nullable_string`]).
    pub(crate) fn optional_string(&self, field: &str) -> Result<Option<String>, ApiError> {
        match self.map.get(field) {
            None => Ok(None),
            Some(Value::String(s)) => Ok(Some(s.clone())),
            Some(_) => Err(ApiError::bad_request(
                self.version,
                format!("{field} must be a string"),
            )),
        }
    }

    /// Absent, `null` or a string: a field the spec marks nullable (v2 `brand`).
    pub(crate) fn nullable_string(&self, field: &str) -> Result<Option<String>, ApiError> {
        match self.map.get(field) {
            Some(Value::Null) => Ok(None),
            _ => self.optional_string(field),
        }
    }

    /// Device ids: absent, or an array of at most [`MAX_DEVICE_IDS`] strings of at most
    /// [`MAX_DEVICE_ID_BYTES`] each.
    pub(crate) fn optional_device_ids(&self, field: &str) -> Result<Vec<String>, ApiError> {
        let invalid =
            || ApiError::bad_request(self.version, format!("{field} must be an array of strings"));
        let items = match self.map.get(field) {
            None => return Ok(Vec::new()),
            Some(Value::Array(items)) => items,
            Some(_) => return Err(invalid()),
        };
        if items.len() > MAX_DEVICE_IDS {
            return Err(ApiError::bad_request(
                self.version,
                format!("{field} must have at most {MAX_DEVICE_IDS} items"),
            ));
        }
        items
            .iter()
            .map(|v| {
                let id = v.as_str().ok_or_else(invalid)?;
                self.at_most(&format!("each of {field}"), id, MAX_DEVICE_ID_BYTES)?;
                Ok(id.to_owned())
            })
            .collect()
    }

    /// A v2 enum field: `nl|en|fr|es` with default `nl`.
    pub(crate) fn language(&self) -> Result<Language, ApiError> {
        match self.optional_string("language")? {
            None => Ok(Language::Nl),
            Some(s) => Language::ALL
                .into_iter()
                .find(|l| l.as_str() == s)
                .ok_or_else(|| {
                    ApiError::bad_request(self.version, "language must be one of nl, en, fr, es")
                }),
        }
    }
}
