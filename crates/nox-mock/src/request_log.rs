//! The log of answered requests: what a test reads back with [`crate::MockServer::requests`].

use axum::extract::{Request, State};
use axum::http::header;
use axum::middleware::Next;
use axum::response::Response;
use nox_auth::nox_auth_runtime::text::excerpt;
use serde::Serialize;

use crate::app::App;
use crate::config::MAX_BODY_BYTES;

/// The longest path the request log keeps, in characters (longer ones are cut, and
/// control characters escaped).
pub(crate) const MAX_LOGGED_PATH: usize = 256;

/// One request the mock answered. Never holds the API key.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[non_exhaustive]
pub struct RecordedRequest {
    /// HTTP method.
    pub method: String,
    /// Path without the query.
    pub path: String,
    /// The status answered.
    pub status: u16,
    /// The JSON body answered, if any (kept for conformance checks).
    pub response: Option<serde_json::Value>,
}

/// Logs every answer (and its JSON body) into the store, except the control API's.
pub(crate) async fn record(State(app): State<App>, request: Request, next: Next) -> Response {
    if request.uri().path().starts_with("/_mock") {
        return next.run(request).await;
    }
    let method = request.method().to_string();
    let path = excerpt(request.uri().path(), MAX_LOGGED_PATH);
    let response = next.run(request).await;
    let status = response.status().as_u16();
    let is_json = response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/json"));
    if !is_json {
        app.store.record(RecordedRequest {
            method,
            path,
            status,
            response: None,
        });
        return response;
    }
    let (parts, body) = response.into_parts();
    // The mock's own JSON answers are small; the limit only bounds a mistake.
    let bytes = axum::body::to_bytes(body, MAX_BODY_BYTES)
        .await
        .unwrap_or_default();
    app.store.record(RecordedRequest {
        method,
        path,
        status,
        response: serde_json::from_slice(&bytes).ok(),
    });
    Response::from_parts(parts, axum::body::Body::from(bytes))
}
