//! The request runtime every generated NOX client runs its requests through.
//!
//! The generated crates (`nox-auth-v1`, `nox-auth-v2`) are produced by
//! `cargo xtask codegen` with progenitor's `ClientHooks`; their hooks call
//! [`Runtime::exec`], which adds the API key. Users normally get a `Runtime`
//! from the `nox-auth` facade rather than building one by hand.

use std::fmt;

use progenitor_client::OperationInfo;
use reqwest::header::{HeaderName, HeaderValue};

/// The header NOX reads the API key from.
pub const API_KEY_HEADER: HeaderName = HeaderName::from_static("x-api-key");

/// Per-client request state: the API key and how requests are executed.
///
/// `Debug` never shows the key.
#[derive(Clone, Default)]
pub struct Runtime {
    api_key: Option<HeaderValue>,
}

impl fmt::Debug for Runtime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Runtime")
            .field("api_key", &self.api_key.as_ref().map(|_| "<redacted>"))
            .finish()
    }
}

/// The API key could not be used as an HTTP header value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InvalidApiKey;

impl fmt::Display for InvalidApiKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("the API key contains characters that cannot be sent in an HTTP header")
    }
}

impl std::error::Error for InvalidApiKey {}

impl Runtime {
    /// A runtime that sends no API key.
    pub fn new() -> Self {
        Self::default()
    }

    /// Sends `key` as `x-api-key` on every request, marked sensitive so that
    /// reqwest and `Debug` never print it.
    pub fn with_api_key(mut self, key: &str) -> Result<Self, InvalidApiKey> {
        let mut value = HeaderValue::from_str(key).map_err(|_| InvalidApiKey)?;
        value.set_sensitive(true);
        self.api_key = Some(value);
        Ok(self)
    }

    /// Executes one request of the operation `info` on `client`.
    pub async fn exec(
        &self,
        client: &reqwest::Client,
        mut request: reqwest::Request,
        info: &OperationInfo,
    ) -> reqwest::Result<reqwest::Response> {
        let _ = info;
        if let Some(key) = &self.api_key {
            request.headers_mut().insert(API_KEY_HEADER, key.clone());
        }
        client.execute(request).await
    }
}
