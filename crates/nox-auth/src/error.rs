//! Errors: one [`Error`] for every operation, [`ValidationError`] for input that is
//! refused before anything is sent, [`ConfigError`] for a client that cannot be built.
//!
//! No error ever contains the API key, and none echoes more than a short excerpt of a
//! response body.

use std::fmt;
use std::time::Duration;

use reqwest::StatusCode;

use nox_auth_runtime::Operation;

use crate::brand::{AssetType, Brand};

/// How many characters of an unexpected response body an error shows (at most this
/// many bytes are read).
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
        operation: Operation,
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
        operation: Operation,
        /// 401 or 403.
        status: StatusCode,
        /// NOX's message, or a short excerpt of the body.
        message: String,
    },
    /// The input was refused before any request was sent.
    #[error(transparent)]
    Validation(#[from] ValidationError),
    /// A listing had more items than the caller's bound
    /// ([`DeviceStream::collect_at_most`](crate::DeviceStream::collect_at_most)).
    #[error("more than {max} items were listed; stream the listing instead of collecting it")]
    TooManyItems {
        /// The bound.
        max: usize,
    },
    /// A listing named more pages than the caller's bound
    /// ([`DeviceQuery::max_pages`](crate::DeviceQuery::max_pages)).
    #[error("more than {max} pages were listed; the listing stops")]
    TooManyPages {
        /// The bound.
        max: u32,
    },
    /// The client could not be built.
    #[error(transparent)]
    Config(#[from] ConfigError),
    /// The request did not get an answer: timeout, connection refused, TLS, DNS…
    /// The message names the innermost cause (e.g. `Connection refused`).
    #[error(
        "{operation}: {kind} talking to NOX: {}",
        nox_auth_runtime::text::excerpt(&nox_auth_runtime::text::error_chain(source), 1024)
    )]
    Transport {
        /// The operation.
        operation: Operation,
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
        operation: Operation,
        /// The HTTP status.
        status: StatusCode,
        /// The `Retry-After` NOX sent, if any.
        retry_after: Option<Duration>,
        /// At most [`BODY_EXCERPT_LIMIT`] characters of the body, control characters escaped
        /// ([`nox_auth_runtime::text::excerpt`]).
        body_excerpt: String,
    },
    /// NOX answered with a redirect. Redirects are never followed: the API key goes only
    /// to the configured base URL's origin.
    #[error("{operation}: {}", redirect_message(*status, target.as_deref(), *followed))]
    Redirect {
        /// The operation.
        operation: Operation,
        /// The redirect status (301, 302, 303, 307, 308…), or, when a caller-supplied
        /// `reqwest::Client` followed it, the status the other origin answered with.
        status: StatusCode,
        /// Where it pointed: `scheme://host[:port]` only, never a path or query.
        target: Option<String>,
        /// `true` when a caller-supplied `reqwest::Client` followed the redirect (the
        /// request, key included, then reached `target`): build that client with
        /// `reqwest::redirect::Policy::none()`.
        followed: bool,
    },
    /// NOX answered with a success status but a body that does not match the API.
    #[error("{operation}: NOX's answer could not be read: {reason}")]
    InvalidResponse {
        /// The operation.
        operation: Operation,
        /// What did not match, naming the field (the parser's message, truncated; never
        /// the whole body).
        reason: String,
    },
}

fn redirect_message(status: StatusCode, target: Option<&str>, followed: bool) -> String {
    let target = target.unwrap_or("(no Location)");
    if followed {
        format!(
            "the caller-supplied reqwest::Client followed a redirect to {target}, which answered {status}; \
             the answer was discarded; build that client with reqwest::redirect::Policy::none()"
        )
    } else {
        format!(
            "NOX answered {status} redirecting to {target}; redirects are not followed, so the API key is sent to the configured base URL only"
        )
    }
}

/// What kind of transport failure an [`Error::Transport`] is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum TransportKind {
    /// No answer within the attempt's timeout or the call's deadline.
    Timeout,
    /// The connection could not be made (refused, reset, unreachable).
    Connect,
    /// The host name could not be resolved.
    Dns,
    /// The TLS handshake failed (certificate, protocol).
    Tls,
    /// The answer broke off while it was being read.
    Body,
    /// The answer's body was larger than the client reads (a listing page's bound).
    TooLarge,
    /// Anything else.
    Other,
}

impl fmt::Display for TransportKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            TransportKind::Timeout => "timeout",
            TransportKind::Connect => "connection failure",
            TransportKind::Dns => "DNS failure",
            TransportKind::Tls => "TLS failure",
            TransportKind::Body => "broken response body",
            TransportKind::TooLarge => "response body too large",
            TransportKind::Other => "transport error",
        })
    }
}

impl Error {
    /// Whether trying again is safe and may succeed, by the retry policy's rule: connection
    /// and DNS failures; for an operation safe to repeat (a link session), also timeouts and
    /// the statuses in
    /// [`RetryPolicy::RETRYABLE_STATUSES`](nox_auth_runtime::RetryPolicy::RETRYABLE_STATUSES);
    /// for one that creates a record (a device connection), only 429 and 503 with
    /// `Retry-After` ([`Operation::is_repeat_safe`](nox_auth_runtime::Operation::is_repeat_safe)).
    pub fn is_retryable(&self) -> bool {
        match self {
            // A timeout may come after NOX acted: only an operation safe to repeat.
            Error::Transport {
                kind: TransportKind::Timeout,
                operation,
                ..
            } => operation.is_repeat_safe(),
            Error::Transport { kind, .. } => {
                matches!(kind, TransportKind::Connect | TransportKind::Dns)
            }
            Error::UnexpectedStatus {
                status,
                retry_after,
                operation,
                ..
            } => nox_auth_runtime::RetryPolicy::is_retryable_for(
                *status,
                retry_after.is_some(),
                operation.is_repeat_safe(),
            ),
            _ => false,
        }
    }

    /// The HTTP status NOX answered with, if there was an answer.
    pub fn status(&self) -> Option<StatusCode> {
        match self {
            Error::Api { status, .. }
            | Error::Unauthorized { status, .. }
            | Error::Redirect { status, .. }
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
    /// The redirect URL uses an app scheme (`myapp://…`) the client was not told to allow.
    #[error(
        "`{field}` uses the app scheme `{scheme}`, which this client does not allow; if your app receives the callback as a deep link, name it with ClientBuilder::allow_app_scheme(\"{scheme}\")"
    )]
    AppSchemeNotAllowed {
        /// The field (`redirect_url`).
        field: &'static str,
        /// The scheme (lowercase, cut to 32 characters).
        scheme: String,
    },
    /// A number outside the range the API accepts.
    #[error("`{field}` is {value}; it must be {range}")]
    OutOfRange {
        /// The field (`page_size`).
        field: &'static str,
        /// What was given.
        value: String,
        /// The accepted range, in words.
        range: &'static str,
    },
    /// A text longer than the operation accepts (NOX's `state` is refused beyond
    /// [`MAX_STATE_LEN`](crate::MAX_STATE_LEN) before anything is sent).
    #[error("`{field}` is {len} bytes long; at most {max} are accepted")]
    TooLong {
        /// The field (`state`).
        field: &'static str,
        /// Its length in bytes.
        len: usize,
        /// The most accepted.
        max: usize,
    },
    /// A filter the operation does not offer.
    #[error("{operation} has no `{filter}` filter")]
    UnsupportedFilter {
        /// The operation.
        operation: Operation,
        /// The filter (`user_id`, `device_id`).
        filter: &'static str,
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
        /// `timeout`, `connect_timeout` or `deadline`.
        field: &'static str,
    },
    /// The user agent cannot be sent as a header value.
    #[error("the user agent contains characters that cannot be sent in an HTTP header")]
    InvalidUserAgent,
    /// An option that cannot be applied to a caller-supplied `reqwest::Client`
    /// (`connect_timeout`, a setting of that client's connector).
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retryable() {
        let e = Error::UnexpectedStatus {
            operation: Operation::CreateSupplierLinkSession,
            status: StatusCode::SERVICE_UNAVAILABLE,
            retry_after: None,
            body_excerpt: String::new(),
        };
        assert!(e.is_retryable());
        assert_eq!(e.status(), Some(StatusCode::SERVICE_UNAVAILABLE));
        let e = Error::UnexpectedStatus {
            operation: Operation::CreateSupplierLinkSession,
            status: StatusCode::INTERNAL_SERVER_ERROR,
            retry_after: None,
            body_excerpt: String::new(),
        };
        assert!(!e.is_retryable());
        assert!(!Error::Validation(ValidationError::Empty { field: "user_id" }).is_retryable());
    }
}
