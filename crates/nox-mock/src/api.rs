//! The API operations of our specs, one handler each, with NOX's documented validation.
//! Each is routed at its [`Operation::path`] (see `router.rs`).

use axum::Json;
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use nox_auth::{AssetType, Brand, Language, Operation};
use serde_json::{Value, json};

use crate::api_error::{ApiError, Version};
use crate::api_request::operation;
use crate::app::App;
use crate::config::MAX_USER_ID_BYTES;
use crate::media_type;
use crate::session::{Session, SessionKind};

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
        Operation::CreateSupplierLinkSession,
        &headers,
        body,
        |f| {
            let v = f.version;
            let user_id = f.required_id("user_id")?;
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
        Operation::CreateManufacturerLinkSession,
        &headers,
        body,
        |f| {
            let user_id = f.required_id("user_id")?;
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
fn v2_session_body(app: &App, s: &Session) -> Value {
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
        Operation::CreateManufacturerDeviceConnection,
        &headers,
        body,
        |f| {
            let user_id = f.required_id("user_id")?;
            let user = app.store.upsert_user(&user_id, &[]);
            Ok(created(json!({
                "manufacturer_user_id": user_id,
                "nox_user_id": user.nox_user_id,
            })))
        },
    )
    .await
}

/// `POST /post-login-redirect`: the supplier shares its user id for the authentication
/// NOX started (the NOX-initiated link, `nox_app.rs`): called by the supplier's server with
/// the key and JSON, or posted by the browser as a form (`nox_app_routes.rs`).
pub(crate) async fn post_login_redirect(
    State(app): State<App>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Response {
    if media_type::is(&headers, "application/x-www-form-urlencoded") {
        // No key (a browser holds none), but a fault armed for the operation answers.
        let version = Version::of_operation(Operation::PostLoginRedirect);
        if let Some(answer) =
            crate::api_request::injected(&app, Operation::PostLoginRedirect, version).await
        {
            return answer;
        }
        return match body {
            Ok(body) => crate::nox_app_routes::form_post_login_redirect(&app, &body),
            Err(rejection) => rejection.into_response(),
        };
    }
    operation(&app, Operation::PostLoginRedirect, &headers, body, |f| {
        let state = f.required_string("state")?;
        f.at_most("state", &state, nox_auth::MAX_STATE_LEN)?;
        let supplier_user_id = f.required_id("supplier_user_id")?;
        for (field, value) in [("state", &state), ("supplier_user_id", &supplier_user_id)] {
            if value.is_empty() {
                return Err(ApiError::bad_request(
                    f.version,
                    format!("{field} must not be empty"),
                ));
            }
        }
        match app.nox_app.share(&app.store, &state, &supplier_user_id) {
            Ok(auth) => Ok(Json(json!({
                "supplier_user_id": supplier_user_id,
                "nox_user_id": auth.nox_user_id,
            }))
            .into_response()),
            Err(e) => Err(ApiError::bad_request(f.version, e.message())),
        }
    })
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
    operation(&app, Operation::CreateLinkSession, &headers, body, |f| {
        let v = f.version;
        f.at_most("userId", &user_id, MAX_USER_ID_BYTES)?;
        let redirect_uri = f.required_url("redirect_uri")?;
        let language = f.optional_string("language")?;
        let brand = match f.optional_string("brand")? {
            None => None,
            Some(s) => {
                let v1: nox_auth::v1::supplier::types::LinkSessionRequestBrand =
                    s.parse().map_err(|_| {
                        ApiError::bad_request(v, format!("brand `{s}` is not a supported brand"))
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
    })
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
        Operation::ConnectNoxManufacturer,
        &headers,
        body,
        |f| {
            let user_id = f.required_id("manufacturer_user_id")?;
            let device_ids = f.optional_device_ids("device_ids")?;
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
        Operation::ConnectSupplierManufacturer,
        &headers,
        body,
        |f| {
            let user_id = f.required_id("manufacturer_user_id")?;
            let redirect_url = f.required_url("redirect_url")?;
            let device_ids = f.optional_device_ids("device_ids")?;
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
