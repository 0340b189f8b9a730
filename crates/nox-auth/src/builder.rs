//! [`ClientBuilder`]: the options of a [`Client`], checked once by [`ClientBuilder::build`].

use std::fmt;
use std::time::Duration;

use reqwest::header::HeaderValue;

use nox_auth_runtime::{RetryPolicy, Runtime};

use crate::base_url::{default_package_base_url, parse_base_url};
use crate::client::{
    Client, DEFAULT_BASE_URL, DEFAULT_CONNECT_TIMEOUT, DEFAULT_DEADLINE, DEFAULT_TIMEOUT,
    ENV_API_KEY, ENV_BASE_URL, ENV_PACKAGE_API_KEY, ENV_PACKAGE_BASE_URL, MAX_PAGE_BYTES,
};
use crate::error::{ConfigError, Error};
use crate::trust::UrlPolicy;

impl Client {
    /// Starts configuring a client.
    pub fn builder() -> ClientBuilder {
        ClientBuilder::default()
    }

    /// A client configured from the environment (each variable where set and not blank):
    /// `NOX_API_KEY` (required), `NOX_BASE_URL` (the Authenticator's, default production),
    /// `NOX_PACKAGE_BASE_URL` (the Package API's, default beside the Authenticator's) and
    /// `NOX_PACKAGE_API_KEY` (the Package API's key, default the same key).
    ///
    /// ```no_run
    /// let client = nox_auth::Client::from_env()?;
    /// # Ok::<(), nox_auth::Error>(())
    /// ```
    pub fn from_env() -> Result<Client, Error> {
        ClientBuilder::from_env().build()
    }
}

/// Configures a [`Client`]; [`ClientBuilder::build`] checks everything.
///
/// ```
/// use std::time::Duration;
/// use nox_auth::{Client, RetryPolicy};
///
/// let client = Client::builder()
///     .api_key("my-secret-key")
///     .base_url("http://127.0.0.1:8080")         // http is allowed for loopback only
///     .timeout(Duration::from_secs(10))
///     .connect_timeout(Duration::from_secs(2))
///     .deadline(Duration::from_secs(25))        // the whole call, retries included
///     .retry(RetryPolicy::default().max_retries(3))
///     .application("acme-backend/1.4")          // appended to the user agent
///     .build()?;
/// # Ok::<(), nox_auth::Error>(())
/// ```
#[derive(Default, Clone)]
pub struct ClientBuilder {
    api_key: Option<String>,
    base_url: Option<String>,
    package_api_key: Option<String>,
    package_base_url: Option<String>,
    connect_timeout: Option<Duration>,
    timeout: Option<Duration>,
    deadline: Option<Duration>,
    application: Option<String>,
    retry: Option<RetryPolicy>,
    http_client: Option<reqwest::Client>,
    app_schemes: Vec<String>,
    link_hosts: Vec<String>,
}

impl fmt::Debug for ClientBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientBuilder")
            .field("api_key", &self.api_key.as_ref().map(|_| "<redacted>"))
            .field("base_url", &self.base_url)
            .field(
                "package_api_key",
                &self.package_api_key.as_ref().map(|_| "<redacted>"),
            )
            .field("package_base_url", &self.package_base_url)
            .field("connect_timeout", &self.connect_timeout)
            .field("timeout", &self.timeout)
            .field("deadline", &self.deadline)
            .field("application", &self.application)
            .field("retry", &self.retry)
            .field(
                "http_client",
                &self.http_client.as_ref().map(|_| "<caller-supplied>"),
            )
            .field("app_schemes", &self.app_schemes)
            .field("link_hosts", &self.link_hosts)
            .finish()
    }
}

impl ClientBuilder {
    /// The API key NOX gave you (required). Sent as `x-api-key`, marked sensitive.
    pub fn api_key(mut self, key: impl Into<String>) -> Self {
        self.api_key = Some(key.into());
        self
    }

    /// The base URL, default [`DEFAULT_BASE_URL`]. Must be `https://`, except for a
    /// loopback host (`127.0.0.1`, `[::1]`, `localhost`), e.g. a local `nox-mock`.
    pub fn base_url(mut self, url: impl Into<String>) -> Self {
        self.base_url = Some(url.into());
        self
    }

    /// The Package API's base URL (the device endpoints). Default: the one beside the
    /// Authenticator configured ([`DEFAULT_PACKAGE_BASE_URL`](crate::DEFAULT_PACKAGE_BASE_URL) for production,
    /// [`SANDBOX_PACKAGE_BASE_URL`](crate::SANDBOX_PACKAGE_BASE_URL) for `auth.sandbox.nox.energy`), and for any other base
    /// URL (a local mock, a proxy) the base URL itself. `https` only, except loopback.
    pub fn package_base_url(mut self, url: impl Into<String>) -> Self {
        self.package_base_url = Some(url.into());
        self
    }

    /// The key for the Package API, if NOX gave you another one than the Authenticator's
    /// (default: the same key). Each key is sent only to its own base URL.
    pub fn package_api_key(mut self, key: impl Into<String>) -> Self {
        self.package_api_key = Some(key.into());
        self
    }

    /// Time to establish a connection, default [`DEFAULT_CONNECT_TIMEOUT`]. Cannot be
    /// combined with [`ClientBuilder::http_client`] (set it on that client).
    pub fn connect_timeout(mut self, d: Duration) -> Self {
        self.connect_timeout = Some(d);
        self
    }

    /// Time one attempt may take in all, default [`DEFAULT_TIMEOUT`]. Retries each get
    /// this much again, within the [`deadline`](ClientBuilder::deadline). With
    /// [`ClientBuilder::http_client`], it replaces that client's own timeout for NOX's
    /// calls (unset, that client's timeout applies).
    pub fn timeout(mut self, d: Duration) -> Self {
        self.timeout = Some(d);
        self
    }

    /// Time a whole call may take, default [`DEFAULT_DEADLINE`]: every attempt and every
    /// wait between attempts (backoff, `Retry-After`). Each attempt gets the smaller of
    /// [`timeout`](ClientBuilder::timeout) and the time left; a retry that would start
    /// less than [`MIN_ATTEMPT`](crate::MIN_ATTEMPT) before the deadline is not
    /// made, and the answer in hand is returned. A call cut short fails with
    /// [`Error::Transport`] of kind [`TransportKind::Timeout`](crate::TransportKind::Timeout).
    ///
    /// With [`ClientBuilder::http_client`] there is no deadline unless you set one (it
    /// would replace that client's own timeout with the time left); set
    /// [`timeout`](ClientBuilder::timeout) too to keep each attempt shorter.
    ///
    /// ```
    /// use std::time::Duration;
    /// // A web handler that must answer within 10 s: at most 4 s per attempt, 8 s in all.
    /// let client = nox_auth::Client::builder()
    ///     .api_key("k")
    ///     .timeout(Duration::from_secs(4))
    ///     .deadline(Duration::from_secs(8))
    ///     .build()?;
    /// # Ok::<(), nox_auth::Error>(())
    /// ```
    pub fn deadline(mut self, d: Duration) -> Self {
        self.deadline = Some(d);
        self
    }

    /// Your application's name and version, appended to the user agent
    /// (`nox-auth/<version> <application>`).
    pub fn application(mut self, name: impl Into<String>) -> Self {
        self.application = Some(name.into());
        self
    }

    /// The retry policy (default: 2 retries of connection failures and 429/502/503/504).
    pub fn retry(mut self, policy: RetryPolicy) -> Self {
        self.retry = Some(policy);
        self
    }

    /// Allows `redirect_url`s with this app scheme (`myapp` for `myapp://nox/callback`),
    /// for a mobile app that receives the callback as a deep link. Without it, only
    /// `https` (and `http` to a loopback host) is sent: an OS handler scheme
    /// (`ms-msdt:`…) in a redirect URL is refused before anything is sent.
    pub fn allow_app_scheme(mut self, scheme: impl Into<String>) -> Self {
        self.app_schemes.push(scheme.into());
        self
    }

    /// Trusts `link_url`s on this host too, beside NOX's own
    /// ([`NOX_LINK_HOSTS`](crate::NOX_LINK_HOSTS) and the base URL's host). A `link_url`
    /// elsewhere is refused ([`Error::InvalidResponse`]), never passed to the browser.
    pub fn allow_link_host(mut self, host: impl Into<String>) -> Self {
        self.link_hosts.push(host.into());
        self
    }

    /// Switches retries off.
    pub fn no_retries(self) -> Self {
        self.retry(RetryPolicy::none())
    }

    /// Uses your own `reqwest::Client` (proxy, TLS roots, shared pool…). The API key,
    /// user agent and retries still apply; timeouts are that client's own unless
    /// [`timeout`](ClientBuilder::timeout) or [`deadline`](ClientBuilder::deadline) is set
    /// here (a client without any waits forever on a server that never answers).
    /// [`connect_timeout`](ClientBuilder::connect_timeout) cannot be set here: set it on
    /// that client.
    ///
    /// **That client must not follow redirects.** reqwest's default policy follows up to
    /// 10 and strips only `Authorization` and `Cookie` on a hop to another host, so the
    /// `x-api-key` header would go to wherever a redirect points. Build it with
    /// `.redirect(reqwest::redirect::Policy::none())`, as the builder's own client is.
    /// Where that is not done, an answer that came from another origin than the request
    /// was sent to is detected and refused with [`Error::Redirect`] (`followed: true`),
    /// but by then the request has reached that origin.
    ///
    /// ```
    /// let http = reqwest::Client::builder()
    ///     .redirect(reqwest::redirect::Policy::none())
    ///     .timeout(std::time::Duration::from_secs(20))
    ///     .build()?;
    /// let client = nox_auth::Client::builder().api_key("k").http_client(http).build()?;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn http_client(mut self, client: reqwest::Client) -> Self {
        self.http_client = Some(client);
        self
    }

    /// A builder preset from the environment (each variable where set and not blank):
    /// `NOX_API_KEY` (the key), `NOX_BASE_URL` (the Authenticator's base URL),
    /// `NOX_PACKAGE_BASE_URL` (the Package API's) and `NOX_PACKAGE_API_KEY` (the Package
    /// API's key, when it is not the same). Other options, or overrides,
    /// can be chained before `build()`.
    ///
    /// ```no_run
    /// use std::time::Duration;
    /// let client = nox_auth::ClientBuilder::from_env()
    ///     .timeout(Duration::from_secs(5))
    ///     .build()?;
    /// # Ok::<(), nox_auth::Error>(())
    /// ```
    pub fn from_env() -> Self {
        Self::from_lookup(|k| std::env::var(k).ok())
    }

    pub(crate) fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Self {
        let get = |k: &str| lookup(k).filter(|v| !v.trim().is_empty());
        ClientBuilder {
            api_key: get(ENV_API_KEY),
            base_url: get(ENV_BASE_URL),
            package_api_key: get(ENV_PACKAGE_API_KEY),
            package_base_url: get(ENV_PACKAGE_BASE_URL),
            ..ClientBuilder::default()
        }
    }

    /// Checks the configuration and builds the client.
    pub fn build(self) -> Result<Client, Error> {
        let key = self.api_key.as_deref().ok_or(ConfigError::MissingApiKey)?;
        let base_url = parse_base_url(self.base_url.as_deref().unwrap_or(DEFAULT_BASE_URL))?;
        let timeout = positive("timeout", self.timeout.unwrap_or(DEFAULT_TIMEOUT))?;
        let connect_timeout = positive(
            "connect_timeout",
            self.connect_timeout.unwrap_or(DEFAULT_CONNECT_TIMEOUT),
        )?;
        let deadline = positive("deadline", self.deadline.unwrap_or(DEFAULT_DEADLINE))?;
        let user_agent = match &self.application {
            None => HeaderValue::from_static(nox_auth_runtime::DEFAULT_USER_AGENT),
            Some(app) => HeaderValue::from_str(&format!(
                "{} {}",
                nox_auth_runtime::DEFAULT_USER_AGENT,
                app.trim()
            ))
            .map_err(|_| ConfigError::InvalidUserAgent)?,
        };
        let mut runtime = Runtime::new()
            .with_api_key(key)
            .map_err(|_| ConfigError::InvalidApiKey)?
            .with_user_agent(user_agent)
            .with_retry(self.retry.unwrap_or_default());

        let http = match self.http_client {
            Some(client) => {
                // The connection timeout is the client's connector's: it cannot be set
                // per request.
                if self.connect_timeout.is_some() {
                    return Err(ConfigError::ConflictsWithHttpClient {
                        option: "connect_timeout",
                    }
                    .into());
                }
                // The attempt timeout and deadline are per-request timeouts, which
                // replace the client's own: only what the caller set here.
                if self.timeout.is_some() {
                    runtime = runtime.with_attempt_timeout(timeout);
                }
                if self.deadline.is_some() {
                    runtime = runtime.with_deadline(deadline);
                }
                client
            }
            None => {
                runtime = runtime
                    .with_attempt_timeout(timeout)
                    .with_deadline(deadline);
                builder_client(connect_timeout, timeout)?
            }
        };

        // The Package API: its own origin and key (the Authenticator's unless another is
        // given), each sent only there; a listing page is read up to MAX_PAGE_BYTES.
        let package_base_url = match self.package_base_url.as_deref() {
            Some(url) => parse_base_url(url)?,
            None => default_package_base_url(&base_url),
        };
        let package_runtime = match self.package_api_key.as_deref() {
            Some(key) => runtime
                .clone()
                .with_api_key(key)
                .map_err(|_| ConfigError::InvalidApiKey)?,
            None => runtime.clone(),
        }
        .with_max_body(MAX_PAGE_BYTES);
        let package = nox_package_v1::devices::Client::new_with_client(
            package_base_url.as_str().trim_end_matches('/'),
            http.clone(),
            package_runtime,
        );

        let scrubber = std::sync::Arc::new(nox_auth_runtime::text::Scrubber::new(
            [Some(key), self.package_api_key.as_deref()]
                .into_iter()
                .flatten(),
        ));
        let urls = std::sync::Arc::new(UrlPolicy::new(
            &base_url,
            &self.app_schemes,
            &self.link_hosts,
        ));
        let v1 = base_url.as_str().trim_end_matches('/').to_owned();
        let v2 = format!("{v1}/v2");
        Ok(Client {
            #[cfg(feature = "v1")]
            v1_supplier: nox_auth_v1::supplier::Client::new_with_client(
                &v1,
                http.clone(),
                runtime.clone(),
            ),
            #[cfg(feature = "v1")]
            v1_manufacturer: nox_auth_v1::manufacturer::Client::new_with_client(
                &v1,
                http.clone(),
                runtime.clone(),
            ),
            v2_supplier: nox_auth_v2::supplier::Client::new_with_client(
                &v2,
                http.clone(),
                runtime.clone(),
            ),
            v2_manufacturer: nox_auth_v2::manufacturer::Client::new_with_client(
                &v2,
                http.clone(),
                runtime.clone(),
            ),
            // `/post-login-redirect` is at the root, as NOX's guide writes it (decision 33);
            // its answer, whose shape nobody knows, is read up to MAX_SHARE_ANSWER_BYTES.
            v2_supplier_oauth: nox_auth_v2::supplier_oauth::Client::new_with_client(
                &v1,
                http,
                runtime.with_max_body(crate::supplier_oauth::MAX_SHARE_ANSWER_BYTES),
            ),
            package,
            base_url,
            package_base_url,
            urls,
            scrubber,
        })
    }
}

/// The builder's own `reqwest::Client`: its TLS, the timeouts, and no redirects.
fn builder_client(
    connect_timeout: Duration,
    timeout: Duration,
) -> Result<reqwest::Client, ConfigError> {
    tls(reqwest::Client::builder())?
        .connect_timeout(connect_timeout)
        .timeout(timeout)
        // The API key goes to the configured origin only: a 3xx is returned as
        // `Error::Redirect`, never followed.
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .map_err(|e| ConfigError::HttpClient(e.to_string()))
}

/// The TLS of the builder's client, by the crate's features: with `rustls-ring` alone,
/// rustls with the *ring* provider and the platform's certificate verifier, given to this
/// client only (no process-wide default is installed); otherwise reqwest's own choice
/// (`rustls-aws-lc`: rustls with aws-lc-rs; `native-tls`: the platform's TLS).
fn tls(builder: reqwest::ClientBuilder) -> Result<reqwest::ClientBuilder, ConfigError> {
    #[cfg(all(
        feature = "rustls-ring",
        not(any(feature = "rustls-aws-lc", feature = "native-tls"))
    ))]
    {
        use rustls_platform_verifier::BuilderVerifierExt as _;
        let tls_error = |e: rustls::Error| ConfigError::HttpClient(format!("TLS setup: {e}"));
        let provider = std::sync::Arc::new(rustls::crypto::ring::default_provider());
        let mut config = rustls::ClientConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .map_err(tls_error)?
            .with_platform_verifier()
            .map_err(tls_error)?
            .with_no_client_auth();
        // HTTP/1.1 only: the workspace builds reqwest without `http2` (a few API calls
        // gain nothing from it, and it costs five crates).
        config.alpn_protocols = vec![b"http/1.1".to_vec()];
        Ok(builder.tls_backend_preconfigured(config))
    }
    #[cfg(not(all(
        feature = "rustls-ring",
        not(any(feature = "rustls-aws-lc", feature = "native-tls"))
    )))]
    {
        Ok(builder)
    }
}

fn positive(field: &'static str, d: Duration) -> Result<Duration, ConfigError> {
    if d.is_zero() {
        Err(ConfigError::ZeroTimeout { field })
    } else {
        Ok(d)
    }
}

#[cfg(test)]
mod tests;
