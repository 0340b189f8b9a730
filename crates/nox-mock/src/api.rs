//! The six API operations of our specs, with NOX's documented validation.

use axum::Json;
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use nox_auth::{AssetType, Brand, Language};
use serde_json::{Map, Value, json};

use crate::App;
use crate::store::SessionKind;

/// Which error body shape to answer with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Version {
    V1,
    V2,
}

impl Version {
    /// The API version a path belongs to: `/v2/…` is v2, everything else v1's root.
    pub(crate) fn of(path: &str) -> Version {
        if path.starts_with("/v2/") {
            Version::V2
        } else {
            Version::V1
        }
    }
}

/// An error answer: v2 `{"error": …}`, v1 `{success: false, timestamp, error, error_code, message}`.
#[derive(Debug)]
pub(crate) struct ApiError {
    pub status: StatusCode,
    pub code: &'static str,
    pub message: String,
    pub version: Version,
}

impl ApiError {
    pub(crate) fn new(
        version: Version,
        status: StatusCode,
        code: &'static str,
        message: impl Into<String>,
    ) -> Self {
        Self {
            status,
            code,
            message: message.into(),
            version,
        }
    }

    fn bad_request(version: Version, message: impl Into<String>) -> Self {
        Self::new(
            version,
            StatusCode::BAD_REQUEST,
            "validation_error",
            message,
        )
    }
}

impl ApiError {
    /// The answer, in the version's error shape; v1's envelope carries `now` (the
    /// mock's clock, Unix seconds) as its `timestamp`.
    pub(crate) fn into_response_at(self, now: u64) -> Response {
        let body = match self.version {
            Version::V2 => json!({ "error": self.message }),
            Version::V1 => json!({
                "success": false,
                "timestamp": now,
                "error": self.message,
                "error_code": self.code,
                "message": self.message,
            }),
        };
        (self.status, Json(body)).into_response()
    }
}

/// Checks the API key: `x-api-key`, or (v1 only) `Authorization: ApiKey <key>`.
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

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
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
                crate::MAX_BODY_BYTES
            )
        } else {
            "could not read the request body".to_owned()
        };
        ApiError::new(version, status, "invalid_body", message)
    })?;
    let is_json = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .is_some_and(|v| v.trim().eq_ignore_ascii_case("application/json"));
    if !is_json {
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

/// One API operation, the way every one runs: an injected fault first (if one is armed
/// for `operation_id`), then the key, then the JSON object body, then `op`; any error
/// answered in the version's shape with the mock clock's timestamp.
async fn operation(
    app: &App,
    operation_id: &'static str,
    version: Version,
    headers: &HeaderMap,
    body: Result<Bytes, BytesRejection>,
    op: impl FnOnce(&Fields<'_>) -> Result<Response, ApiError>,
) -> Response {
    let now = || app.store.now();
    if let Some(fault) = app.faults.take(operation_id) {
        if !fault.delay.is_zero() {
            tokio::time::sleep(fault.delay).await;
        }
        if let Some(answer) = fault.answer(version, now()) {
            return answer;
        }
    }
    let result = authorize(app, headers, version)
        .and_then(|()| read_object(headers, body, version))
        .and_then(|map| op(&Fields { map: &map, version }));
    result.unwrap_or_else(|e| e.into_response_at(now()))
}

/// A request target longer than [`crate::MAX_URI_BYTES`]: 400 with the version's error
/// body, before routing (a documented status of every operation).
pub(crate) async fn limit_uri(
    State(app): State<App>,
    request: axum::extract::Request,
    next: axum::middleware::Next,
) -> Response {
    let uri = request.uri();
    let len = uri.path().len() + uri.query().map_or(0, |q| q.len() + 1);
    if len > crate::MAX_URI_BYTES {
        return ApiError::bad_request(
            Version::of(uri.path()),
            format!(
                "the request target is longer than {} bytes",
                crate::MAX_URI_BYTES
            ),
        )
        .into_response_at(app.store.now());
    }
    next.run(request).await
}

/// The checks of one request body, in NOX's wording ("user_id is required and must be a string").
struct Fields<'a> {
    map: &'a Map<String, Value>,
    version: Version,
}

impl Fields<'_> {
    /// Present and a string. An empty string passes, as the spec allows it (no
    /// `minLength`; NOX's message names only presence and type: decision 19).
    fn required_string(&self, field: &str) -> Result<String, ApiError> {
        match self.map.get(field) {
            Some(Value::String(s)) => Ok(s.clone()),
            _ => Err(ApiError::bad_request(
                self.version,
                format!("{field} is required and must be a string"),
            )),
        }
    }

    /// A redirect URL by the SDK's one rule: absolute, and never a scheme a browser
    /// would run (`javascript:`, `data:`, `file:`…) or an http(s) URL without a host.
    fn required_url(&self, field: &str) -> Result<String, ApiError> {
        let value = self.required_string(field)?;
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
    fn optional_string(&self, field: &str) -> Result<Option<String>, ApiError> {
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
    fn nullable_string(&self, field: &str) -> Result<Option<String>, ApiError> {
        match self.map.get(field) {
            Some(Value::Null) => Ok(None),
            _ => self.optional_string(field),
        }
    }

    fn optional_string_array(&self, field: &str) -> Result<Vec<String>, ApiError> {
        let invalid =
            || ApiError::bad_request(self.version, format!("{field} must be an array of strings"));
        match self.map.get(field) {
            None => Ok(Vec::new()),
            Some(Value::Array(items)) => items
                .iter()
                .map(|v| v.as_str().map(str::to_owned).ok_or_else(invalid))
                .collect(),
            Some(_) => Err(invalid()),
        }
    }

    /// A v2 enum field: `nl|en|fr|es` with default `nl`.
    fn language(&self) -> Result<Language, ApiError> {
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

fn created(body: Value) -> Response {
    (StatusCode::CREATED, Json(body)).into_response()
}

fn link_url(app: &App, token: &str, language: Language) -> String {
    format!("{}/ui?token={token}&language={language}", app.base_url)
}

/// `POST /v2/supplier/link-sessions`
pub(crate) async fn v2_supplier_link_session(
    State(app): State<App>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Response {
    operation(
        &app,
        "createSupplierLinkSession",
        Version::V2,
        &headers,
        body,
        |f| {
            let v = f.version;
            let user_id = f.required_string("user_id")?;
            let asset_type = match f.map.get("asset_type").and_then(Value::as_str) {
                Some("hp") => AssetType::Hp,
                Some("pv") => AssetType::Pv,
                _ => {
                    return Err(ApiError::bad_request(
                        v,
                        "asset_type is required and must be one of hp, pv",
                    ));
                }
            };
            let redirect_url = f.required_url("redirect_url")?;
            let brand = match f.nullable_string("brand")? {
                None => None,
                Some(s) => {
                    // NOX accepts exact slugs only (the facade is the lenient one).
                    let brand = Brand::ALL
                        .iter()
                        .copied()
                        .find(|b| b.slug() == s)
                        .ok_or_else(|| {
                            ApiError::bad_request(
                                v,
                                format!("brand `{s}` is not a supported brand"),
                            )
                        })?;
                    if !brand.supports(asset_type) {
                        return Err(ApiError::bad_request(
                            v,
                            format!("brand `{brand}` is not valid for asset_type `{asset_type}`"),
                        ));
                    }
                    Some(brand)
                }
            };
            let language = f.language()?;
            let s = app.store.create_session(
                SessionKind::Supplier { asset_type, brand },
                user_id,
                language,
                redirect_url,
            );
            let mut body = v2_session_body(&app, &s);
            body["asset_type"] = json!(asset_type);
            body["supplier"] = json!(app.supplier_name);
            body["supplier_user_id"] = json!(s.user_id);
            body["brand"] = json!(brand.map(|b| b.slug()));
            Ok(created(body))
        },
    )
    .await
}

/// `POST /v2/manufacturer/link-sessions`
pub(crate) async fn v2_manufacturer_link_session(
    State(app): State<App>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Response {
    operation(
        &app,
        "createManufacturerLinkSession",
        Version::V2,
        &headers,
        body,
        |f| {
            let user_id = f.required_string("user_id")?;
            let redirect_url = f.required_url("redirect_url")?;
            let language = f.language()?;
            let s = app.store.create_session(
                SessionKind::Manufacturer,
                user_id,
                language,
                redirect_url,
            );
            let mut body = v2_session_body(&app, &s);
            body["manufacturer"] = json!(app.manufacturer_name);
            body["manufacturer_user_id"] = json!(s.user_id);
            body["brand"] = json!(app.manufacturer_name);
            Ok(created(body))
        },
    )
    .await
}

/// The fields both v2 link-session answers share.
fn v2_session_body(app: &App, s: &crate::store::Session) -> Value {
    json!({
        "link_url": link_url(app, &s.token, s.language),
        "link_token": s.token,
        "language": s.language,
        "redirect_url": s.redirect_url,
        "created_at": s.created_at,
        "expires_at": s.expires_at,
        "completed_at": Value::Null,
    })
}

/// `POST /v2/manufacturer/device-connections`
pub(crate) async fn v2_manufacturer_device_connection(
    State(app): State<App>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Response {
    operation(
        &app,
        "createManufacturerDeviceConnection",
        Version::V2,
        &headers,
        body,
        |f| {
            let user_id = f.required_string("user_id")?;
            let user = app.store.upsert_user(&user_id, &[]);
            Ok(created(json!({
                "manufacturer_user_id": user_id,
                "nox_user_id": user.nox_user_id,
            })))
        },
    )
    .await
}

/// A v1 success answer; its `timestamp` comes from the mock's (injectable) clock.
fn v1_envelope(app: &App, data: Value) -> Response {
    created(json!({ "success": true, "timestamp": app.store.now(), "data": data }))
}

/// `POST /users/{userId}/link` (v1)
pub(crate) async fn v1_supplier_link_session(
    State(app): State<App>,
    Path(user_id): Path<String>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Response {
    operation(
        &app,
        "createLinkSession",
        Version::V1,
        &headers,
        body,
        |f| {
            let v = f.version;
            let redirect_uri = f.required_url("redirect_uri")?;
            let language = f.optional_string("language")?;
            let brand = match f.optional_string("brand")? {
                None => None,
                Some(s) => {
                    let v1: nox_auth::v1::supplier::types::LinkSessionRequestBrand =
                        s.parse().map_err(|_| {
                            ApiError::bad_request(
                                v,
                                format!("brand `{s}` is not a supported brand"),
                            )
                        })?;
                    Some(
                        v1.to_string()
                            .parse::<Brand>()
                            .expect("every v1 brand is a v2 brand"),
                    )
                }
            };
            let ui_language = language
                .as_deref()
                .and_then(|l| l.parse().ok())
                .unwrap_or(Language::En);
            let s = app.store.create_session(
                SessionKind::V1Supplier { brand },
                user_id,
                ui_language,
                redirect_uri,
            );
            let mut data = json!({
                "link_token": s.token,
                "link_url": link_url(&app, &s.token, ui_language),
                "expires_at": s.expires_at,
                "supplier_id": app.supplier_id,
                "supplier_user_id": s.user_id,
            });
            if let Some(b) = brand {
                data["brand"] = json!(b.slug());
            }
            Ok(v1_envelope(&app, data))
        },
    )
    .await
}

/// `POST /manufacturers/nox` (v1)
pub(crate) async fn v1_connect_nox_manufacturer(
    State(app): State<App>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Response {
    operation(
        &app,
        "connectNoxManufacturer",
        Version::V1,
        &headers,
        body,
        |f| {
            let user_id = f.required_string("manufacturer_user_id")?;
            let device_ids = f.optional_string_array("device_ids")?;
            let user = app.store.upsert_user(&user_id, &device_ids);
            Ok(v1_envelope(
                &app,
                json!({
                    "manufacturer_user_id": user_id,
                    "nox_user_id": user.nox_user_id,
                    "device_ids": user.device_ids,
                }),
            ))
        },
    )
    .await
}

/// `POST /manufacturers/suppliers` (v1)
pub(crate) async fn v1_connect_supplier_manufacturer(
    State(app): State<App>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Response {
    operation(
        &app,
        "connectSupplierManufacturer",
        Version::V1,
        &headers,
        body,
        |f| {
            let user_id = f.required_string("manufacturer_user_id")?;
            let redirect_url = f.required_url("redirect_url")?;
            let device_ids = f.optional_string_array("device_ids")?;
            let language = f
                .optional_string("language")?
                .and_then(|l| l.parse().ok())
                .unwrap_or(Language::En);
            let user = app.store.upsert_user(&user_id, &device_ids);
            let s = app.store.create_session(
                SessionKind::V1Manufacturer,
                user_id,
                language,
                redirect_url,
            );
            Ok(v1_envelope(
                &app,
                json!({
                    "link_token": s.token,
                    "link_url": link_url(&app, &s.token, language),
                    "expires_at": s.expires_at,
                    "manufacturer": app.manufacturer_name,
                    "manufacturer_user_id": s.user_id,
                    "nox_user_id": user.nox_user_id,
                    "device_ids": user.device_ids,
                }),
            ))
        },
    )
    .await
}

/// Anything else: 404 with the version's error body.
pub(crate) async fn not_found(
    State(app): State<App>,
    method: axum::http::Method,
    uri: axum::http::Uri,
) -> Response {
    ApiError::new(
        Version::of(uri.path()),
        StatusCode::NOT_FOUND,
        "not_found",
        format!("no such endpoint: {method} {}", uri.path()),
    )
    .into_response_at(app.store.now())
}

/// A known path with the wrong method: 405 with the version's error body.
pub(crate) async fn method_not_allowed(
    State(app): State<App>,
    method: axum::http::Method,
    uri: axum::http::Uri,
) -> Response {
    ApiError::new(
        Version::of(uri.path()),
        StatusCode::METHOD_NOT_ALLOWED,
        "method_not_allowed",
        format!("{method} is not allowed on {}", uri.path()),
    )
    .into_response_at(app.store.now())
}
