//! The routes: every API operation at the path of its [`Operation`] (the Authenticator's
//! and the Package API's, on one origin: their paths do not collide), the UI, the control
//! API, the fallbacks, and the layers that bound each request.

use axum::Router;
use axum::body::HttpBody as _;
use axum::extract::{DefaultBodyLimit, Request, State};
use axum::middleware::Next;
use axum::response::Response;
use axum::routing::{get, post};
use nox_auth::Operation;
use nox_auth::nox_auth_runtime::text::excerpt;

use crate::api;
use crate::api_error::{ApiError, Version};
use crate::app::App;
use crate::config::{MAX_BODY_BYTES, MAX_URI_BYTES};
use crate::control_guard::is_control;
use crate::request_log::MAX_LOGGED_PATH;
use crate::{body_read, control, control_guard, media_type, nox_app_routes, package_api, ui};

/// The whole mock: each operation at its [`Operation::path`], the UI, the control API,
/// and the bounds every request goes through, outermost first: the request target's
/// length, the control API's guard (`control_guard.rs`), the body's time and size
/// (`body_read.rs`), the request log.
pub(crate) fn router(app: App) -> Router {
    Router::new()
        .route(
            Operation::CreateLinkSession.path(),
            post(api::v1_supplier_link_session),
        )
        .route(
            Operation::ConnectNoxManufacturer.path(),
            post(api::v1_connect_nox_manufacturer),
        )
        .route(
            Operation::ConnectSupplierManufacturer.path(),
            post(api::v1_connect_supplier_manufacturer),
        )
        .route(
            Operation::CreateSupplierLinkSession.path(),
            post(api::v2_supplier_link_session),
        )
        .route(
            Operation::CreateManufacturerLinkSession.path(),
            post(api::v2_manufacturer_link_session),
        )
        .route(
            Operation::CreateManufacturerDeviceConnection.path(),
            post(api::v2_manufacturer_device_connection),
        )
        .route(Operation::GetDevices.path(), get(package_api::get_devices))
        .route(
            Operation::GetPvDevices.path(),
            get(package_api::get_pv_devices),
        )
        .route(
            Operation::GetManufacturerDevices.path(),
            get(package_api::get_manufacturer_devices),
        )
        .route(
            Operation::PostLoginRedirect.path(),
            post(api::post_login_redirect),
        )
        .route("/app", get(nox_app_routes::show))
        .route("/app/select", post(nox_app_routes::select))
        .route("/app/return", get(nox_app_routes::returned))
        .route("/ui", get(ui::show))
        .route("/ui/connect", post(ui::connect))
        .merge(control::routes())
        .fallback(api::not_found)
        .method_not_allowed_fallback(api::method_not_allowed)
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
        .layer(axum::middleware::from_fn_with_state(app.clone(), record))
        .layer(axum::middleware::from_fn_with_state(
            app.clone(),
            body_read::read_body,
        ))
        .layer(axum::middleware::from_fn_with_state(
            app.clone(),
            control_guard::guard,
        ))
        .layer(axum::middleware::from_fn_with_state(app.clone(), limit_uri))
        .with_state(app)
}

/// A request target longer than [`MAX_URI_BYTES`]: 400 with the version's error
/// body, before routing (a documented status of every operation).
pub(crate) async fn limit_uri(
    State(app): State<App>,
    request: axum::extract::Request,
    next: axum::middleware::Next,
) -> Response {
    let uri = request.uri();
    let len = uri.path().len() + uri.query().map_or(0, |q| q.len() + 1);
    if len > MAX_URI_BYTES {
        return ApiError::bad_request(
            Version::of(uri.path()),
            format!("the request target is longer than {} bytes", MAX_URI_BYTES),
        )
        .into_response_at(app.store.now());
    }
    next.run(request).await
}

/// Logs every answer (and its JSON body, up to [`MAX_BODY_BYTES`]) into the store, except
/// the control API's. A larger body (a page of thousands of devices) passes through
/// untouched and is logged without it, so that the log stays small.
async fn record(State(app): State<App>, request: Request, next: Next) -> Response {
    if is_control(request.uri().path()) {
        return next.run(request).await;
    }
    let method = request.method().to_string();
    let path = excerpt(request.uri().path(), MAX_LOGGED_PATH);
    let response = next.run(request).await;
    let status = response.status().as_u16();
    let is_json = media_type::is(response.headers(), "application/json");
    let small = response
        .body()
        .size_hint()
        .upper()
        .is_some_and(|n| n <= MAX_BODY_BYTES as u64);
    if !is_json || !small {
        app.store.log.record(method, path, status, None);
        return response;
    }
    let (parts, body) = response.into_parts();
    let bytes = axum::body::to_bytes(body, MAX_BODY_BYTES)
        .await
        .unwrap_or_default();
    let json = serde_json::from_slice::<serde::de::IgnoredAny>(&bytes).is_ok();
    app.store
        .log
        .record(method, path, status, json.then_some(&bytes[..]));
    Response::from_parts(parts, axum::body::Body::from(bytes))
}
