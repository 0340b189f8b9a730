//! The request runtime every generated NOX client runs its requests through.
//!
//! `cargo xtask codegen` generates the clients of `nox-auth-v1` and `nox-auth-v2` with
//! progenitor's `ClientHooks` and an inner value of type [`Runtime`]; each request
//! goes through [`Runtime::exec`], which
//!
//! - adds the API key as a *sensitive* `x-api-key` header (never printed by `Debug`),
//! - sets the user agent (so it applies to a caller-supplied `reqwest::Client` too);
//!   timeouts are the `reqwest::Client`'s (a per-request timer would cost ~6 µs per
//!   call, see BENCHMARKS.md),
//! - retries connection failures and 408/429/502/503/504 answers per the [`RetryPolicy`],
//! - refuses an answer from another origin than the request's (a caller-supplied
//!   `reqwest::Client` that follows redirects): it is replaced by a `421 Misdirected
//!   Request` carrying a [`CrossOriginResponse`], never decoded as NOX's answer,
//! - records a `tracing` span `nox.request` per request with the operation id,
//!   attempt, status and duration (never headers or bodies).
//!
//! Users normally get a `Runtime` from the `nox-auth` facade's `Client::builder()`.
//!
//! ```
//! use nox_auth_runtime::{RetryPolicy, Runtime};
//!
//! let runtime = Runtime::new()
//!     .with_api_key("my-key")?
//!     .with_retry(RetryPolicy::default().max_retries(3));
//! assert!(!format!("{runtime:?}").contains("my-key"));
//! # Ok::<(), nox_auth_runtime::InvalidApiKey>(())
//! ```

#![warn(missing_docs)]

mod retry;

use std::fmt;
use std::time::Instant;

use progenitor_client::OperationInfo;
use reqwest::header::{HeaderName, HeaderValue, USER_AGENT};
use tracing::Instrument as _;

pub use retry::{RetryPolicy, retry_after};

/// The header NOX reads the API key from.
pub const API_KEY_HEADER: HeaderName = HeaderName::from_static("x-api-key");

/// The user agent sent unless another is configured: `nox-auth/<version>`.
pub const DEFAULT_USER_AGENT: &str = concat!("nox-auth/", env!("CARGO_PKG_VERSION"));

/// Marks the `421` answer [`Runtime::exec`] returns in place of one that came from
/// another origin than the request went to (a redirect that a caller-supplied
/// `reqwest::Client` followed). Read it with `response.extensions().get::<CrossOriginResponse>()`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CrossOriginResponse {
    /// The status the other origin answered with.
    pub status: reqwest::StatusCode,
    /// The other origin, `scheme://host[:port]` (never a path or query).
    pub origin: String,
}

impl CrossOriginResponse {
    /// The synthetic answer that replaces a response from another origin.
    fn into_response(self) -> reqwest::Response {
        let body = format!(
            "nox-auth-runtime: the answer came from {} ({}), not from the origin the request was sent to; \
             a redirect was followed. Build the reqwest::Client with redirect::Policy::none().",
            self.origin, self.status
        );
        let mut resp = http::Response::new(body);
        *resp.status_mut() = reqwest::StatusCode::MISDIRECTED_REQUEST;
        resp.headers_mut().insert(
            reqwest::header::CONTENT_TYPE,
            HeaderValue::from_static("text/plain; charset=utf-8"),
        );
        resp.extensions_mut().insert(self);
        reqwest::Response::from(resp)
    }
}

/// Whether two URLs share scheme, host and port (without the allocations of
/// `Url::origin`: this runs on every request).
fn same_origin(a: &reqwest::Url, b: &reqwest::Url) -> bool {
    a.scheme() == b.scheme()
        && a.host_str() == b.host_str()
        && a.port_or_known_default() == b.port_or_known_default()
}

/// `scheme://host[:port]` of a URL, without path, query or credentials (`scheme:` for
/// a URL without a host): what errors may say about where a request or redirect went.
///
/// ```
/// let url = reqwest::Url::parse("https://user:pw@evil.example:8443/steal?key=1").unwrap();
/// assert_eq!(nox_auth_runtime::origin_of(&url), "https://evil.example:8443");
/// ```
pub fn origin_of(url: &reqwest::Url) -> String {
    match (url.host_str(), url.port()) {
        (Some(host), Some(port)) => format!("{}://{host}:{port}", url.scheme()),
        (Some(host), None) => format!("{}://{host}", url.scheme()),
        (None, _) => format!("{}:", url.scheme()),
    }
}

/// Per-client request state: API key, user agent and retry policy.
///
/// `Debug` never shows the key.
#[derive(Clone)]
pub struct Runtime {
    api_key: Option<HeaderValue>,
    user_agent: HeaderValue,
    retry: RetryPolicy,
}

impl Default for Runtime {
    fn default() -> Self {
        Self {
            api_key: None,
            user_agent: HeaderValue::from_static(DEFAULT_USER_AGENT),
            retry: RetryPolicy::default(),
        }
    }
}

impl fmt::Debug for Runtime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Runtime")
            .field("api_key", &self.api_key.as_ref().map(|_| "<redacted>"))
            .field("user_agent", &self.user_agent)
            .field("retry", &self.retry)
            .finish()
    }
}

/// The API key cannot be sent in an HTTP header (it is empty or has control
/// characters or non-visible-ASCII bytes). The key itself is never shown.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InvalidApiKey;

impl fmt::Display for InvalidApiKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(
            "the API key is empty or contains characters that cannot be sent in an HTTP header",
        )
    }
}

impl std::error::Error for InvalidApiKey {}

impl Runtime {
    /// A runtime with no API key, the default user agent
    /// and the default [`RetryPolicy`].
    pub fn new() -> Self {
        Self::default()
    }

    /// Sends `key` as `x-api-key` on every request, marked sensitive so that
    /// reqwest and `Debug` never print it.
    pub fn with_api_key(mut self, key: &str) -> Result<Self, InvalidApiKey> {
        let key = key.trim();
        if key.is_empty() || !key.bytes().all(|b| b.is_ascii_graphic()) {
            return Err(InvalidApiKey);
        }
        let mut value = HeaderValue::from_str(key).map_err(|_| InvalidApiKey)?;
        value.set_sensitive(true);
        self.api_key = Some(value);
        Ok(self)
    }

    /// The `User-Agent` header value to send.
    pub fn with_user_agent(mut self, user_agent: HeaderValue) -> Self {
        self.user_agent = user_agent;
        self
    }

    /// The retry policy.
    pub fn with_retry(mut self, retry: RetryPolicy) -> Self {
        self.retry = retry;
        self
    }

    /// Executes one request of the operation `info` on `client`, with retries.
    ///
    /// Called by the generated clients' `ClientHooks::exec`.
    pub async fn exec(
        &self,
        client: &reqwest::Client,
        mut request: reqwest::Request,
        info: &OperationInfo,
    ) -> reqwest::Result<reqwest::Response> {
        if let Some(key) = &self.api_key {
            request.headers_mut().insert(API_KEY_HEADER, key.clone());
        }
        request
            .headers_mut()
            .entry(USER_AGENT)
            .or_insert_with(|| self.user_agent.clone());

        let sent_to = request.url().clone();
        let mut attempt: u32 = 0;
        loop {
            // A request whose body cannot be cloned (a stream) gets exactly one attempt.
            let retry_copy = if attempt < self.retry.max_retries {
                request.try_clone()
            } else {
                None
            };
            let span = tracing::debug_span!(
                "nox.request",
                operation_id = info.operation_id,
                method = %request.method(),
                path = request.url().path(),
                attempt = attempt + 1,
                status = tracing::field::Empty,
                duration_ms = tracing::field::Empty,
            );
            let started = Instant::now();
            let result = client
                .execute(request)
                .instrument(span.clone())
                .await
                .map(|resp| {
                    if same_origin(resp.url(), &sent_to) {
                        resp
                    } else {
                        CrossOriginResponse {
                            status: resp.status(),
                            origin: origin_of(resp.url()),
                        }
                        .into_response()
                    }
                });
            let elapsed = started.elapsed();
            span.record("duration_ms", elapsed.as_millis() as u64);
            match &result {
                Ok(resp) => {
                    span.record("status", resp.status().as_u16());
                    span.in_scope(|| tracing::debug!("response received"));
                }
                Err(e) => span.in_scope(|| tracing::debug!(error = %e, "request failed")),
            }
            let Some(next) = retry_copy else {
                return result;
            };
            let Some(delay) = self.retry.delay_for(&result, attempt) else {
                return result;
            };
            span.in_scope(|| {
                tracing::info!(
                    delay_ms = delay.as_millis() as u64,
                    "retrying after a retryable failure"
                )
            });
            drop(result);
            tokio::time::sleep(delay).await;
            request = next;
            attempt += 1;
        }
    }
}
