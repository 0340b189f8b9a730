//! Errors: one [`Error`] for every operation, [`ValidationError`] for input that is
//! refused before anything is sent, [`ConfigError`] for a client that cannot be built.
//!
//! No error ever contains the API key, and none echoes more than a short excerpt of a
//! response body.

use std::fmt;
use std::time::Duration;

use reqwest::StatusCode;

use crate::brand::{AssetType, Brand};

/// How many bytes of an unexpected response body an error keeps.
pub const BODY_EXCERPT_LIMIT: usize = 256;

/// Anything that can go wrong when calling NOX.
///
/// Match on the variant to decide what to do; [`Error::is_retryable`] says whether trying
/// again later may help (the client has already retried per its `RetryPolicy`).
///
/// ```
/// # async fn run(client: nox_auth::Client) {
/// use nox_auth::{AssetType, Error, SupplierLinkRequest};
///
/// let req = SupplierLinkRequest::new("user-1", AssetType::Hp, "https://example.com/cb");
/// match client.create_supplier_link_session(req).await {
///     Ok(session) => println!("send the user to {}", session.link_url),
///     Err(Error::Api { status, message, .. }) => eprintln!("NOX refused ({status}): {message}"),
///     Err(Error::Unauthorized { .. }) => eprintln!("check NOX_API_KEY"),
///     Err(e) if e.is_retryable() => eprintln!("try again later: {e}"),
///     Err(e) => eprintln!("{e}"),
/// }
/// # }
/// ```
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// NOX answered with its documented error body (typically 400: validation).
    #[error("NOX rejected {operation} ({status}): {message}{}", code.as_ref().map(|c| format!(" [{c}]")).unwrap_or_default())]
    Api {
        /// The operation, e.g. `create_supplier_link_session`.
        operation: &'static str,
        /// The HTTP status.
        status: StatusCode,
        /// NOX's message (`error`, or v1's `message`).
        message: String,
        /// NOX's machine-readable code (v1's `error_code`), when given.
        code: Option<String>,
    },
    /// The API key is missing, wrong, or not enabled for this operation (401 or 403).
    #[error("NOX refused the API key for {operation} ({status}): {message}")]
    Unauthorized {
        /// The operation.
        operation: &'static str,
        /// 401 or 403.
        status: StatusCode,
        /// NOX's message, or a short excerpt of the body.
        message: String,
    },
    /// The input was refused before any request was sent.
    #[error(transparent)]
    Validation(#[from] ValidationError),
    /// The client could not be built.
    #[error(transparent)]
    Config(#[from] ConfigError),
    /// The request did not get an answer: timeout, connection refused, TLS, DNS…
    #[error("{operation}: {kind} talking to NOX: {source}")]
    Transport {
        /// The operation.
        operation: &'static str,
        /// What kind of failure.
        kind: TransportKind,
        /// The underlying reqwest error (its text names the URL, never headers).
        #[source]
        source: reqwest::Error,
    },
    /// NOX answered with a status the API does not document (404, 429, 500, 503…).
    #[error("{operation}: unexpected answer {status} from NOX{}{}",
        retry_after.map(|d| format!(" (retry after {} s)", d.as_secs())).unwrap_or_default(),
        if body_excerpt.is_empty() { String::new() } else { format!(": {body_excerpt}") })]
    UnexpectedStatus {
        /// The operation.
        operation: &'static str,
        /// The HTTP status.
        status: StatusCode,
        /// The `Retry-After` NOX sent, if any.
        retry_after: Option<Duration>,
        /// At most [`BODY_EXCERPT_LIMIT`] bytes of the body, control characters removed.
        body_excerpt: String,
    },
    /// NOX answered with a success status but a body that does not match the API.
    #[error("{operation}: NOX's answer could not be read: {reason}")]
    InvalidResponse {
        /// The operation.
        operation: &'static str,
        /// What did not match (the parser's message, truncated; never the whole body).
        reason: String,
    },
}

/// What kind of transport failure an [`Error::Transport`] is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum TransportKind {
    /// No answer within the configured timeout.
    Timeout,
    /// The connection could not be made (refused, DNS, TLS handshake).
    Connect,
    /// The answer broke off while it was being read.
    Body,
    /// Anything else.
    Other,
}

impl fmt::Display for TransportKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            TransportKind::Timeout => "timeout",
            TransportKind::Connect => "connection failure",
            TransportKind::Body => "broken response body",
            TransportKind::Other => "transport error",
        })
    }
}

impl Error {
    /// Whether trying again later may succeed: timeouts, connection failures, and
    /// 408/429/502/503/504 answers.
    pub fn is_retryable(&self) -> bool {
        match self {
            Error::Transport { kind, .. } => {
                matches!(kind, TransportKind::Timeout | TransportKind::Connect)
            }
            Error::UnexpectedStatus { status, .. } => {
                matches!(status.as_u16(), 408 | 429 | 502 | 503 | 504)
            }
            _ => false,
        }
    }

    /// The HTTP status NOX answered with, if there was an answer.
    pub fn status(&self) -> Option<StatusCode> {
        match self {
            Error::Api { status, .. }
            | Error::Unauthorized { status, .. }
            | Error::UnexpectedStatus { status, .. } => Some(*status),
            _ => None,
        }
    }
}

/// Input refused before any request was sent.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ValidationError {
    /// The pre-selected brand is not valid for the session's asset type.
    #[error(
        "brand `{brand}` is not available for asset type `{asset_type}`; valid {asset_type} brands: {}",
        join(valid)
    )]
    BrandNotForAssetType {
        /// The brand asked for.
        brand: Brand,
        /// The session's asset type.
        asset_type: AssetType,
        /// The brands valid for that asset type.
        valid: Vec<Brand>,
    },
    /// Not one of NOX's brand slugs.
    #[error("unknown brand `{input}`{}", suggestion.map(|s| format!("; did you mean `{s}`?")).unwrap_or_else(|| "; see `Brand::ALL` for the list".into()))]
    UnknownBrand {
        /// What was given (truncated to 64 characters).
        input: String,
        /// The closest slug, if one is close.
        suggestion: Option<Brand>,
    },
    /// The brand exists in v2 only; the deprecated v1 API knows 13 heat-pump brands.
    #[error("brand `{brand}` is not accepted by the deprecated v1 API; use the v2 operation")]
    BrandNotInV1 {
        /// The brand.
        brand: Brand,
    },
    /// Not `hp` or `pv`.
    #[error("unknown asset type `{input}`; expected `hp` (heat pump) or `pv` (PV inverter)")]
    UnknownAssetType {
        /// What was given.
        input: String,
    },
    /// Not `nl`, `en`, `fr` or `es`.
    #[error("unknown language `{input}`; NOX's UI offers nl, en, fr and es")]
    UnknownLanguage {
        /// What was given.
        input: String,
    },
    /// A required text field is empty.
    #[error("`{field}` must not be empty")]
    Empty {
        /// The field.
        field: &'static str,
    },
    /// The redirect URL is not an absolute URL.
    #[error("`{field}` is not an absolute URL ({reason}): `{input}`")]
    InvalidUrl {
        /// The field (`redirect_url`).
        field: &'static str,
        /// What was given (truncated).
        input: String,
        /// Why it is refused.
        reason: String,
    },
}

/// A client that cannot be built. Never contains the API key.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ConfigError {
    /// No API key was given (and `NOX_API_KEY` is not set, for `from_env`).
    #[error("no API key: call `.api_key(…)` or set NOX_API_KEY")]
    MissingApiKey,
    /// The API key cannot be sent as a header value.
    #[error("the API key is empty or contains characters that cannot be sent in an HTTP header")]
    InvalidApiKey,
    /// The base URL is not usable.
    #[error("invalid base URL `{url}`: {reason}")]
    InvalidBaseUrl {
        /// The URL given.
        url: String,
        /// Why it is refused.
        reason: String,
    },
    /// A timeout of zero.
    #[error("`{field}` must be greater than zero")]
    ZeroTimeout {
        /// `timeout` or `connect_timeout`.
        field: &'static str,
    },
    /// The user agent cannot be sent as a header value.
    #[error("the user agent contains characters that cannot be sent in an HTTP header")]
    InvalidUserAgent,
    /// An option that cannot be applied to a caller-supplied `reqwest::Client`.
    #[error(
        "`{option}` cannot be applied to a caller-supplied reqwest::Client; set it on that client instead"
    )]
    ConflictsWithHttpClient {
        /// The option.
        option: &'static str,
    },
    /// reqwest could not build its client (e.g. no TLS backend).
    #[error("could not build the HTTP client: {0}")]
    HttpClient(String),
}

fn join(brands: &[Brand]) -> String {
    brands
        .iter()
        .map(|b| b.slug())
        .collect::<Vec<_>>()
        .join(", ")
}

/// At most `limit` bytes of `s` (cut at a character boundary), control characters
/// replaced by spaces, `…` appended when cut.
pub(crate) fn excerpt(s: &str, limit: usize) -> String {
    let mut end = s.len().min(limit);
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    let mut out: String = s[..end]
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    let trimmed = out.trim_end().len();
    out.truncate(trimmed);
    if end < s.len() {
        out.push('…');
    }
    out
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

macro_rules! v1_error_body {
    ($($t:path),*) => {$(
        impl ErrorBody for $t {
            fn message_and_code(&self) -> (Option<String>, Option<String>) {
                (self.message.clone().or_else(|| self.error.clone()), self.error_code.clone())
            }
        }
    )*};
}
v1_error_body!(
    nox_auth_v1::supplier::types::ErrorResponse,
    nox_auth_v1::manufacturer::types::ErrorResponse
);

/// The one conversion from the generated clients' error into [`Error`].
pub(crate) async fn from_progenitor<E: ErrorBody>(
    operation: &'static str,
    err: progenitor_client::Error<E>,
) -> Error {
    use progenitor_client::Error as P;
    match err {
        P::ErrorResponse(resp) => {
            let status = resp.status();
            let (message, code) = resp.into_inner().message_and_code();
            let message = message
                .map(|m| excerpt(&m, 1024))
                .unwrap_or_else(|| "(no message)".to_owned());
            if matches!(status.as_u16(), 401 | 403) {
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

fn transport(operation: &'static str, source: reqwest::Error) -> Error {
    let kind = if source.is_timeout() {
        TransportKind::Timeout
    } else if source.is_connect() {
        TransportKind::Connect
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

/// Reads at most [`BODY_EXCERPT_LIMIT`] bytes of an undocumented answer.
async fn unexpected(operation: &'static str, mut resp: reqwest::Response) -> Error {
    let status = resp.status();
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
    // A JSON error body with `error`/`message` gives a better message than raw text.
    let message = serde_json::from_slice::<serde_json::Value>(&body)
        .ok()
        .and_then(|v| {
            v.get("error")
                .or_else(|| v.get("message"))
                .and_then(|m| m.as_str())
                .map(str::to_owned)
        });
    let body_excerpt = excerpt(message.as_deref().unwrap_or(&text), BODY_EXCERPT_LIMIT);
    if matches!(status.as_u16(), 401 | 403) {
        return Error::Unauthorized {
            operation,
            status,
            message: if body_excerpt.is_empty() {
                "(no message)".into()
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn excerpt_cuts_at_char_boundaries_and_strips_controls() {
        assert_eq!(excerpt("hello", 10), "hello");
        assert_eq!(excerpt("hello world", 5), "hello…");
        assert_eq!(excerpt("héllo", 2), "h…");
        assert_eq!(excerpt("a\nb\tc", 10), "a b c");
        assert_eq!(excerpt("", 10), "");
    }

    #[test]
    fn retryable() {
        let e = Error::UnexpectedStatus {
            operation: "x",
            status: StatusCode::SERVICE_UNAVAILABLE,
            retry_after: None,
            body_excerpt: String::new(),
        };
        assert!(e.is_retryable());
        assert_eq!(e.status(), Some(StatusCode::SERVICE_UNAVAILABLE));
        let e = Error::UnexpectedStatus {
            operation: "x",
            status: StatusCode::INTERNAL_SERVER_ERROR,
            retry_after: None,
            body_excerpt: String::new(),
        };
        assert!(!e.is_retryable());
        assert!(!Error::Validation(ValidationError::Empty { field: "user_id" }).is_retryable());
    }
}
