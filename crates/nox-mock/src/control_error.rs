//! The control API's error answer, shared by its session and device routes.

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use nox_auth::nox_auth_runtime::text::excerpt;
use serde_json::json;

/// The longest error message the control API answers, in characters (before escaping):
/// room for the list of every operation a mistyped fault is answered with.
const MAX_ERROR_CHARS: usize = 600;

/// An error answer of the control API: `{"error": …}`. Its message can carry what the
/// caller sent (a serde error quotes the input): escaped and cut, as all outside text is.
pub(crate) fn error(status: StatusCode, message: impl std::fmt::Display) -> Response {
    let message = excerpt(&message.to_string(), MAX_ERROR_CHARS);
    (status, Json(json!({"error": message}))).into_response()
}
