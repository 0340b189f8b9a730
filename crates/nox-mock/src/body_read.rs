//! Every request's body is read here, before any handler, bounded in time and size: it
//! must arrive in full within the body timeout
//! ([`MockConfig::body_timeout`](crate::MockConfig::body_timeout)), and, once
//! [`BODY_GRACE`] has passed, at [`MIN_BODY_RATE`] or faster on average. A client that
//! trickles its body, or sends headers promising one and then nothing, is answered
//! **408** and its connection closed, instead of holding it (and a task) open.
//!
//! A body over [`MAX_BODY_BYTES`] is read no further: the handler gets its first bytes
//! (and answers its 413 as before), and the connection is closed.

use std::pin::Pin;
use std::time::Duration;

use axum::body::{Body, HttpBody};
use axum::extract::{Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::Response;
use tokio::time::Instant;

use crate::api_error::{ApiError, Version};
use crate::app::App;
use crate::config::{BODY_GRACE, MAX_BODY_BYTES, MIN_BODY_RATE};
use crate::control_error::error;
use crate::control_guard::is_control;

/// How the body of one request ended.
enum Read {
    /// In full (or past the size bound: the handler refuses it).
    Done { bytes: Vec<u8>, over: bool },
    /// Too slow: the deadline passed.
    TooSlow,
    /// The connection failed while the body was read.
    Broken,
}

/// The latest moment the next byte may arrive, having received `received` bytes since
/// `start`: the grace period plus one second per [`MIN_BODY_RATE`] bytes received, never
/// past the body timeout.
fn deadline(start: Instant, received: usize, timeout: Duration) -> Instant {
    let earned = Duration::from_secs_f64(received as f64 / MIN_BODY_RATE as f64);
    start + (BODY_GRACE + earned).min(timeout)
}

async fn read(mut body: Body, timeout: Duration) -> Read {
    let start = Instant::now();
    let mut bytes = Vec::new();
    loop {
        let next = std::future::poll_fn(|cx| Pin::new(&mut body).poll_frame(cx));
        let frame = match tokio::time::timeout_at(deadline(start, bytes.len(), timeout), next).await
        {
            Err(_) => return Read::TooSlow,
            Ok(None) => return Read::Done { bytes, over: false },
            Ok(Some(Err(_))) => return Read::Broken,
            Ok(Some(Ok(frame))) => frame,
        };
        if let Ok(data) = frame.into_data() {
            bytes.extend_from_slice(&data);
            if bytes.len() > MAX_BODY_BYTES {
                return Read::Done { bytes, over: true };
            }
        }
    }
}

/// Reads the body (see the module), then hands the request on with it.
pub(crate) async fn read_body(State(app): State<App>, request: Request, next: Next) -> Response {
    let (parts, body) = request.into_parts();
    if body.is_end_stream() {
        return next.run(Request::from_parts(parts, body)).await;
    }
    let path = parts.uri.path().to_owned();
    let (bytes, over) = match read(body, app.body_timeout).await {
        Read::Done { bytes, over } => (bytes, over),
        Read::TooSlow => {
            let message = format!(
                "the request body did not arrive in time (at least {MIN_BODY_RATE} bytes a second after {} s, all of it within {} s)",
                BODY_GRACE.as_secs(),
                app.body_timeout.as_secs_f32()
            );
            return closing(answer(&app, &path, StatusCode::REQUEST_TIMEOUT, message));
        }
        Read::Broken => {
            let message = "the request body could not be read";
            return closing(answer(&app, &path, StatusCode::BAD_REQUEST, message.into()));
        }
    };
    let response = next
        .run(Request::from_parts(parts, Body::from(bytes)))
        .await;
    if over { closing(response) } else { response }
}

/// An error in the shape of the path's API (the control API's own for `/_mock`).
fn answer(app: &App, path: &str, status: StatusCode, message: String) -> Response {
    if is_control(path) {
        error(status, message)
    } else {
        ApiError::new(Version::of(path), status, "invalid_body", message)
            .into_response_at(app.store.now())
    }
}

/// The answer with `Connection: close`: the rest of the body is never read.
fn closing(mut response: Response) -> Response {
    response
        .headers_mut()
        .insert(header::CONNECTION, HeaderValue::from_static("close"));
    response
}
