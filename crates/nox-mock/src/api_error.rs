//! The API's error shape: v2 `{"error": …}`, v1's envelope, the Package API's FastAPI
//! `{"detail": …}`, and what an armed fault answers in their place.

use axum::Json;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use nox_auth::Operation;
use nox_auth::nox_auth_runtime::text::excerpt;
use serde_json::json;

use crate::faults::{Fault, FaultAnswer};

/// The longest message an API error answers, in characters (before escaping).
pub(crate) const MAX_MESSAGE_CHARS: usize = 300;

/// Which error body shape to answer with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Version {
    V1,
    V2,
    /// The Package API (`/v1/…` on `api.nox.energy`): FastAPI's `{"detail": …}`.
    Package,
}

impl Version {
    /// The error shape of an operation's API version.
    pub(crate) fn of_operation(op: Operation) -> Version {
        if op.api() == "package" {
            Version::Package
        } else if op.version() == "v2" {
            Version::V2
        } else {
            Version::V1
        }
    }

    /// The API version a path belongs to: `/v2/…` is v2, `/v1/…` the Package API (the
    /// Authenticator's v1 paths have no version segment), everything else v1's root.
    pub(crate) fn of(path: &str) -> Version {
        if path.starts_with("/v2/") || path == Operation::PostLoginRedirect.path() {
            Version::V2
        } else if path.starts_with("/v1/") {
            Version::Package
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
    /// An error; its message (which can quote what the caller sent, a brand or a serde
    /// error) escaped and cut to [`MAX_MESSAGE_CHARS`], as all outside text is.
    pub(crate) fn new(
        version: Version,
        status: StatusCode,
        code: &'static str,
        message: impl Into<String>,
    ) -> Self {
        Self {
            status,
            code,
            message: excerpt(&message.into(), MAX_MESSAGE_CHARS),
            version,
        }
    }

    /// A request refused: 400, or 422 for the Package API (FastAPI's status for a
    /// request it cannot validate, the one its operations document).
    pub(crate) fn bad_request(version: Version, message: impl Into<String>) -> Self {
        let status = match version {
            Version::Package => StatusCode::UNPROCESSABLE_ENTITY,
            _ => StatusCode::BAD_REQUEST,
        };
        Self::new(version, status, "validation_error", message)
    }
}

impl ApiError {
    /// The answer, in the version's error shape; v1's envelope carries `now` (the
    /// mock's clock, Unix seconds) as its `timestamp`.
    pub(crate) fn into_response_at(self, now: u64) -> Response {
        let body = match self.version {
            Version::V2 => json!({ "error": self.message }),
            // FastAPI: a validation error lists what was refused; other errors are a sentence.
            Version::Package if self.status == StatusCode::UNPROCESSABLE_ENTITY => json!({
                "detail": [{ "loc": ["query"], "msg": self.message, "type": "value_error" }]
            }),
            Version::Package => json!({ "detail": self.message }),
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

/// The answer an armed fault gives in place of the normal one, if any: a status fault in
/// the version's error shape (with `Retry-After` when asked), or a malformed body.
pub(crate) fn fault_answer(fault: &Fault, version: Version, now: u64) -> Option<Response> {
    match fault.answer {
        FaultAnswer::Normal => None,
        FaultAnswer::Status {
            status,
            retry_after,
        } => {
            let status = StatusCode::from_u16(status).ok()?;
            let mut resp = ApiError::new(
                version,
                status,
                "injected_fault",
                format!("injected fault: {}", status.as_u16()),
            )
            .into_response_at(now);
            if let Some(secs) = retry_after {
                resp.headers_mut()
                    .insert(header::RETRY_AFTER, HeaderValue::from(secs));
            }
            Some(resp)
        }
        FaultAnswer::Malformed if version == Version::Package => Some(
            (
                StatusCode::OK,
                [(header::CONTENT_TYPE, "application/json")],
                "{\"data\": [{\"device_id\": \"mock-",
            )
                .into_response(),
        ),
        FaultAnswer::Malformed => Some(
            (
                StatusCode::CREATED,
                [(header::CONTENT_TYPE, "application/json")],
                "{\"link_url\": \"http://127.0.0.1/ui?tok",
            )
                .into_response(),
        ),
    }
}
