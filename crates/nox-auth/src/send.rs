//! The one send path of the facade: every operation awaits its generated call through
//! [`send`], which turns the generated clients' errors into [`Error`], with the client's
//! keys taken out of whatever NOX's answer put in it.

use std::future::Future;

use nox_auth_runtime::CrossOriginResponse;
use progenitor_client::ResponseValue;
use serde::de::DeserializeOwned;

use nox_auth_runtime::Operation;
use nox_auth_runtime::text::{Scrubber, excerpt};

use crate::error::{BODY_EXCERPT_LIMIT, Error, TransportKind};

/// Awaits a generated call and returns its body, or the one [`Error`] for what failed,
/// every text taken from the answer scrubbed of the client's keys (a server that echoes
/// the key, whole, cut, split or encoded).
pub(crate) async fn send<T: DeserializeOwned, E: ErrorBody>(
    scrubber: &Scrubber,
    operation: Operation,
    call: impl Future<Output = Result<ResponseValue<T>, progenitor_client::Error<E>>>,
) -> Result<T, Error> {
    answer(operation, call)
        .await
        .map_err(|e| scrubbed(e, scrubber))
}

/// A generated client's error as [`Error`], its texts scrubbed: for an operation that reads
/// some answers itself before the rest go the usual way (`post_login_redirect`).
pub(crate) async fn refused<E: ErrorBody>(
    scrubber: &Scrubber,
    operation: Operation,
    err: progenitor_client::Error<E>,
) -> Error {
    scrubbed(from_progenitor(operation, err).await, scrubber)
}

/// [`Error`]'s texts that come from an answer, scrubbed.
fn scrubbed(e: Error, scrubber: &Scrubber) -> Error {
    let clean = |s: String| match scrubber.scrub(&s) {
        std::borrow::Cow::Borrowed(_) => s,
        std::borrow::Cow::Owned(clean) => clean,
    };
    match e {
        Error::Api {
            operation,
            status,
            message,
            code,
        } => Error::Api {
            operation,
            status,
            message: clean(message),
            code: code.map(clean),
        },
        Error::Unauthorized {
            operation,
            status,
            message,
        } => Error::Unauthorized {
            operation,
            status,
            message: clean(message),
        },
        Error::UnexpectedStatus {
            operation,
            status,
            retry_after,
            body_excerpt,
        } => Error::UnexpectedStatus {
            operation,
            status,
            retry_after,
            body_excerpt: clean(body_excerpt),
        },
        Error::InvalidResponse { operation, reason } => Error::InvalidResponse {
            operation,
            reason: clean(reason),
        },
        other => other,
    }
}

async fn answer<T: DeserializeOwned, E: ErrorBody>(
    operation: Operation,
    call: impl Future<Output = Result<ResponseValue<T>, progenitor_client::Error<E>>>,
) -> Result<T, Error> {
    match call.await {
        Ok(resp) => Ok(resp.into_inner()),
        Err(progenitor_client::Error::InvalidResponsePayload(bytes, e)) => {
            Err(Error::InvalidResponse {
                operation,
                reason: excerpt(&unreadable::<T>(&bytes, e), 200),
            })
        }
        Err(e) => Err(from_progenitor(operation, e).await),
    }
}

/// Why a success body could not be read as `T`, naming the field (`link_url: invalid
/// type…`). Runs only on this error path: the body is decoded once more, with the path
/// tracked.
fn unreadable<T: DeserializeOwned>(body: &[u8], first: serde_json::Error) -> String {
    let mut de = serde_json::Deserializer::from_slice(body);
    match serde_path_to_error::deserialize::<_, T>(&mut de) {
        Err(e) if e.path().iter().next().is_some() => format!("`{}`: {}", e.path(), e.inner()),
        _ => first.to_string(),
    }
}

/// A generated error body: the fields an [`Error::Api`] is built from.
pub(crate) trait ErrorBody {
    /// The message and the code.
    fn message_and_code(&self) -> (Option<String>, Option<String>);
}

impl ErrorBody for nox_auth_v2::supplier::types::ErrorResponse {
    fn message_and_code(&self) -> (Option<String>, Option<String>) {
        (self.error.clone(), None)
    }
}

impl ErrorBody for nox_auth_v2::manufacturer::types::ErrorResponse {
    fn message_and_code(&self) -> (Option<String>, Option<String>) {
        (self.error.clone(), None)
    }
}

/// An operation whose error answers are documented without a body (their shape is not
/// known): progenitor never builds an `ErrorResponse` for it, the answer arrives as an
/// unexpected one and is read by [`unexpected`].
impl ErrorBody for () {
    fn message_and_code(&self) -> (Option<String>, Option<String>) {
        (None, None)
    }
}

/// The Package API's FastAPI-style 422: each refused value's location and message.
impl ErrorBody for nox_package_v1::devices::types::HttpValidationError {
    fn message_and_code(&self) -> (Option<String>, Option<String>) {
        let message = self
            .detail
            .iter()
            .take(8)
            .map(|d| {
                let loc: Vec<String> = d.loc.iter().map(ToString::to_string).collect();
                format!("{}: {}", loc.join("."), d.msg)
            })
            .collect::<Vec<_>>()
            .join("; ");
        let code = self.detail.first().map(|d| d.type_.clone());
        ((!message.is_empty()).then_some(message), code)
    }
}

#[cfg(feature = "v1")]
macro_rules! v1_error_body {
    ($($t:path),*) => {$(
        impl ErrorBody for $t {
            fn message_and_code(&self) -> (Option<String>, Option<String>) {
                (self.message.clone().or_else(|| self.error.clone()), self.error_code.clone())
            }
        }
    )*};
}
#[cfg(feature = "v1")]
v1_error_body!(
    nox_auth_v1::supplier::types::ErrorResponse,
    nox_auth_v1::manufacturer::types::ErrorResponse
);

/// The one conversion from the generated clients' error into [`Error`].
async fn from_progenitor<E: ErrorBody>(
    operation: Operation,
    err: progenitor_client::Error<E>,
) -> Error {
    use progenitor_client::Error as P;
    match err {
        P::ErrorResponse(resp) => {
            let status = resp.status();
            let (message, code) = resp.into_inner().message_and_code();
            let message = message
                .map(|m| excerpt(&m, 1024))
                .unwrap_or_else(|| NO_MESSAGE.to_owned());
            // NOX's code is its text too: shown the same safe way.
            let code = code.map(|c| excerpt(&c, 128));
            if is_unauthorized(status) {
                Error::Unauthorized {
                    operation,
                    status,
                    message,
                }
            } else {
                Error::Api {
                    operation,
                    status,
                    message,
                    code,
                }
            }
        }
        P::UnexpectedResponse(resp) => unexpected(operation, resp).await,
        P::CommunicationError(source) | P::ResponseBodyError(source) => {
            transport(operation, source)
        }
        // `send` reads success bodies with the field path; this is an error body.
        P::InvalidResponsePayload(_bytes, e) => Error::InvalidResponse {
            operation,
            reason: excerpt(&e.to_string(), 200),
        },
        P::InvalidRequest(reason) | P::Custom(reason) => Error::InvalidResponse {
            operation,
            reason: format!("the request could not be built: {}", excerpt(&reason, 200)),
        },
        P::InvalidUpgrade(source) => transport(operation, source),
    }
}

/// 401 and 403 are [`Error::Unauthorized`], whether the operation documents them or not.
fn is_unauthorized(status: reqwest::StatusCode) -> bool {
    matches!(status.as_u16(), 401 | 403)
}

/// The message of an error answer that carried none.
const NO_MESSAGE: &str = "(no message)";

fn transport(operation: Operation, source: reqwest::Error) -> Error {
    let too_large =
        std::iter::successors(Some(&source as &(dyn std::error::Error + 'static)), |e| {
            e.source()
        })
        .any(|e| e.is::<nox_auth_runtime::BodyTooLarge>());
    let kind = if too_large {
        TransportKind::TooLarge
    } else if source.is_timeout() {
        TransportKind::Timeout
    } else if source.is_connect() {
        // reqwest says "connect" for DNS, TCP and TLS alike; its sources say which.
        let chain = nox_auth_runtime::text::error_chain(&source).to_ascii_lowercase();
        if chain.contains("dns error") || chain.contains("failed to lookup address") {
            TransportKind::Dns
        } else if chain.contains("certificate")
            || chain.contains("tls")
            || chain.contains("handshake")
        {
            TransportKind::Tls
        } else {
            TransportKind::Connect
        }
    } else if source.is_body() || source.is_decode() {
        TransportKind::Body
    } else {
        TransportKind::Other
    };
    Error::Transport {
        operation,
        kind,
        source: source.without_url_query(),
    }
}

trait WithoutUrlQuery {
    fn without_url_query(self) -> Self;
}

impl WithoutUrlQuery for reqwest::Error {
    /// NOX's operations carry nothing secret in the URL, but a query never belongs in an error.
    fn without_url_query(mut self) -> Self {
        if let Some(url) = self.url_mut() {
            url.set_query(None);
        }
        self
    }
}

/// Reads at most [`BODY_EXCERPT_LIMIT`] bytes of an undocumented answer. A redirect is
/// an error of its own: it is never followed, so the key stays with the configured origin.
async fn unexpected(operation: Operation, mut resp: reqwest::Response) -> Error {
    if let Some(hop) = resp.extensions().get::<CrossOriginResponse>() {
        return Error::Redirect {
            operation,
            status: hop.status,
            target: Some(hop.origin.clone()),
            followed: true,
        };
    }
    let status = resp.status();
    if status.is_redirection() {
        let target = resp
            .headers()
            .get(reqwest::header::LOCATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|loc| resp.url().join(loc.trim()).ok())
            .map(|url| nox_auth_runtime::origin_of(&url));
        return Error::Redirect {
            operation,
            status,
            target,
            followed: false,
        };
    }
    // The same reading of the header as the retry policy's (seconds or an HTTP date).
    let retry_after = nox_auth_runtime::retry_after(resp.headers(), std::time::SystemTime::now());
    let mut body = Vec::new();
    while body.len() <= BODY_EXCERPT_LIMIT {
        match resp.chunk().await {
            Ok(Some(chunk)) => body.extend_from_slice(&chunk),
            _ => break,
        }
    }
    let text = String::from_utf8_lossy(&body);
    // A JSON error body with `error`/`message` (the Authenticator) or a string `detail`
    // (the Package API's FastAPI) gives a better message than raw text.
    let message = serde_json::from_slice::<serde_json::Value>(&body)
        .ok()
        .and_then(|v| {
            v.get("error")
                .or_else(|| v.get("message"))
                .or_else(|| v.get("detail").filter(|d| d.is_string()))
                .and_then(|m| m.as_str())
                .map(str::to_owned)
        });
    let body_excerpt = excerpt(message.as_deref().unwrap_or(&text), BODY_EXCERPT_LIMIT);
    if is_unauthorized(status) {
        return Error::Unauthorized {
            operation,
            status,
            message: if body_excerpt.is_empty() {
                NO_MESSAGE.into()
            } else {
                body_excerpt
            },
        };
    }
    Error::UnexpectedStatus {
        operation,
        status,
        retry_after,
        body_excerpt,
    }
}
