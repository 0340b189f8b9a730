//! # nox-mock
//!
//! A local NOX Authenticator for tests and demos: the six operations of the v1 and v2
//! specs with NOX's documented validation, link sessions in memory, and the
//! Authenticator UI that redirects to your callback with `?data=`.
//!
//! Start it inside a test (an ephemeral port on 127.0.0.1, a random API key):
//!
//! ```
//! # #[tokio::main(flavor = "current_thread")] async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! use nox_auth::{AssetType, Brand, Client, SupplierLinkRequest};
//!
//! let mock = nox_mock::MockServer::start().await?;
//! let client = Client::builder().api_key(mock.api_key()).base_url(mock.base_url()).build()?;
//! let session = client
//!     .create_supplier_link_session(SupplierLinkRequest::new("user-1", AssetType::Hp, "https://example.com/cb"))
//!     .await?;
//!
//! // Complete it as the user would in the UI, without HTML:
//! let redirect = mock.complete(&session.link_token, "daikin", vec!["dev-1".into()])?;
//! let payload = nox_auth::callback::decode(&redirect)?;
//! assert_eq!(payload.known_brand(), Some(Brand::Daikin));
//! payload.verify(&session)?;
//! # Ok(()) }
//! ```
//!
//! Or run the binary: `cargo run -p nox-mock -- --port 8080 --api-key test-key`.
//!
//! | module | what |
//! |---|---|
//! | `api` | `POST /users/{userId}/link`, `/manufacturers/nox`, `/manufacturers/suppliers`, `/v2/supplier/link-sessions`, `/v2/manufacturer/link-sessions`, `/v2/manufacturer/device-connections` |
//! | `ui` | `GET /ui?token=…&language=…`, `POST /ui/connect` |
//! | `control` | `/_mock`: the inspector page, and a JSON control API (sessions, requests, complete, expire, reset, faults) |
//! | `faults` | [`Fault`]: the next N calls of an operation answer a status, late, or malformed |
//! | `serve` | the accept loop: header and idle timeouts, graceful stop |
//! | [`store`] | sessions, users, the request log, the injectable [`Clock`] |
//!
//! ## Bounded under abuse
//!
//! | what | bound (default) | setting |
//! |---|---|---|
//! | sessions | evicted [`DEFAULT_SESSION_RETENTION`] after they expire; at most [`DEFAULT_MAX_SESSIONS`] (oldest first) | [`MockConfig::session_retention`], [`MockConfig::max_sessions`] |
//! | NOX users | at most `max_sessions` (oldest first) | [`MockConfig::max_sessions`] |
//! | request log | a ring of [`DEFAULT_REQUEST_LOG_CAPACITY`]; paths cut at 256 bytes | [`MockConfig::request_log_capacity`] |
//! | request body | [`MAX_BODY_BYTES`] (413) | |
//! | request target | [`MAX_URI_BYTES`] (400) | |
//! | headers, idle keep-alive | closed after [`DEFAULT_HEADER_TIMEOUT`] | [`MockConfig::header_timeout`] |
//!
//! Memory, measured on the `nox-mock` program by `tests/abuse.rs` (which asserts it): 100k
//! unauthenticated requests add nothing measurable (≤ 16 MiB asserted); 100k session
//! creations, all still live, add about 50 MiB (≤ 128 MiB asserted). With the default cap
//! of 100k sessions that is the most the sessions can take.

#![warn(missing_docs)]

mod api;
#[cfg(feature = "cli")]
pub mod cli;
mod control;
mod faults;
mod serve;
pub mod store;
mod ui;

use std::net::SocketAddr;
use std::ops::Deref;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::extract::{DefaultBodyLimit, Request, State};
use axum::http::header;
use axum::middleware::Next;
use axum::response::Response;
use axum::routing::{get, post};
use tokio::sync::oneshot;

pub use faults::{Fault, FaultAnswer, MAX_FAULT_DELAY};
pub use store::{
    Clock, CompleteError, ManualClock, NoxUser, RecordedRequest, Session, SessionKind, SystemClock,
};

/// The link token in a `link_url` the mock gave (its `token` query parameter): what
/// [`MockServer::complete`] and [`MockServer::session`] take, for a test that only sees
/// the redirect a backend answered with. `None` when the URL has no token.
///
/// ```
/// let url = "http://127.0.0.1:8080/ui?token=abc123&language=en";
/// assert_eq!(nox_mock::link_token(url).as_deref(), Some("abc123"));
/// assert_eq!(nox_mock::link_token("http://127.0.0.1:8080/ui"), None);
/// ```
pub fn link_token(link_url: &str) -> Option<String> {
    url::Url::parse(link_url)
        .ok()?
        .query_pairs()
        .find(|(k, _)| k == "token")
        .map(|(_, v)| v.into_owned())
}

/// The largest request body the API accepts (413 above it).
pub const MAX_BODY_BYTES: usize = 64 * 1024;

/// How long a link session lives by default: 10 minutes, as NOX documents.
pub const DEFAULT_SESSION_TTL: Duration = Duration::from_secs(600);

/// How long a session is kept after it expires (completed sessions expire too), by
/// default: 10 minutes. Then it is evicted and its token is unknown.
pub const DEFAULT_SESSION_RETENTION: Duration = Duration::from_secs(600);

/// The most sessions kept at once by default; past it the oldest is evicted first.
pub const DEFAULT_MAX_SESSIONS: usize = 100_000;

/// How many answered requests the log keeps by default (a ring: the oldest goes first).
pub const DEFAULT_REQUEST_LOG_CAPACITY: usize = 1_000;

/// How long a connection may take to send a request's headers, and how long a
/// keep-alive connection may sit idle before its next request, by default: 5 seconds.
pub const DEFAULT_HEADER_TIMEOUT: Duration = Duration::from_secs(5);

/// The longest request target (path and query) accepted, in bytes; longer ones get
/// a 400 with the version's error body.
pub const MAX_URI_BYTES: usize = 2048;

/// How to start a [`MockServer`]: the defaults, changed with the chainable setters.
///
/// ```
/// use std::time::Duration;
/// let config = nox_mock::MockConfig::default()
///     .api_key("test-key")
///     .session_ttl(Duration::from_secs(120))
///     .request_log_capacity(100);
/// assert_eq!(config.session_ttl, Duration::from_secs(120));
/// ```
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct MockConfig {
    /// Address to listen on; default `127.0.0.1:0` (an ephemeral port).
    pub addr: SocketAddr,
    /// The API key to accept; default a random one.
    pub api_key: Option<String>,
    /// Link session lifetime; default [`DEFAULT_SESSION_TTL`].
    pub session_ttl: Duration,
    /// The clock; default the system clock.
    pub clock: Arc<dyn Clock>,
    /// The supplier name answered for any supplier key.
    pub supplier_name: String,
    /// The manufacturer name answered for any manufacturer key.
    pub manufacturer_name: String,
    /// How long a session is kept after it expires; default [`DEFAULT_SESSION_RETENTION`].
    pub session_retention: Duration,
    /// The most sessions kept at once; default [`DEFAULT_MAX_SESSIONS`].
    pub max_sessions: usize,
    /// How many answered requests [`MockServer::requests`] keeps; default
    /// [`DEFAULT_REQUEST_LOG_CAPACITY`].
    pub request_log_capacity: usize,
    /// Time to send a request's headers, and the longest idle time of a keep-alive
    /// connection; default [`DEFAULT_HEADER_TIMEOUT`].
    pub header_timeout: Duration,
    /// The base URL put into `link_url`s, when it is not the address listened on (a
    /// mock behind a proxy, or listening on `0.0.0.0`); default `http://<addr>`, with a
    /// wildcard address replaced by `127.0.0.1`.
    pub public_url: Option<String>,
}

impl Default for MockConfig {
    fn default() -> Self {
        Self {
            addr: SocketAddr::from(([127, 0, 0, 1], 0)),
            api_key: None,
            session_ttl: DEFAULT_SESSION_TTL,
            clock: Arc::new(SystemClock),
            supplier_name: "Mock Energy".into(),
            manufacturer_name: "Mock Manufacturing".into(),
            session_retention: DEFAULT_SESSION_RETENTION,
            max_sessions: DEFAULT_MAX_SESSIONS,
            request_log_capacity: DEFAULT_REQUEST_LOG_CAPACITY,
            header_timeout: DEFAULT_HEADER_TIMEOUT,
            public_url: None,
        }
    }
}

impl MockConfig {
    /// Listen on `addr` (`127.0.0.1:0` by default).
    pub fn addr(mut self, addr: SocketAddr) -> Self {
        self.addr = addr;
        self
    }

    /// Accept this API key (a random one by default).
    pub fn api_key(mut self, key: impl Into<String>) -> Self {
        self.api_key = Some(key.into());
        self
    }

    /// The link session lifetime.
    pub fn session_ttl(mut self, ttl: Duration) -> Self {
        self.session_ttl = ttl;
        self
    }

    /// Read the time from `clock` (a [`ManualClock`] to test expiry).
    pub fn clock(mut self, clock: Arc<dyn Clock>) -> Self {
        self.clock = clock;
        self
    }

    /// Keep a session this long after it expires.
    pub fn session_retention(mut self, retention: Duration) -> Self {
        self.session_retention = retention;
        self
    }

    /// Keep at most this many sessions (and NOX users).
    pub fn max_sessions(mut self, n: usize) -> Self {
        self.max_sessions = n;
        self
    }

    /// Keep this many answered requests.
    pub fn request_log_capacity(mut self, n: usize) -> Self {
        self.request_log_capacity = n;
        self
    }

    /// The header and idle timeout of connections.
    pub fn header_timeout(mut self, timeout: Duration) -> Self {
        self.header_timeout = timeout;
        self
    }

    /// The base URL put into `link_url`s.
    pub fn public_url(mut self, url: impl Into<String>) -> Self {
        self.public_url = Some(url.into());
        self
    }

    /// The supplier name answered for supplier keys.
    pub fn supplier_name(mut self, name: impl Into<String>) -> Self {
        self.supplier_name = name.into();
        self
    }

    /// The manufacturer name answered for manufacturer keys.
    pub fn manufacturer_name(mut self, name: impl Into<String>) -> Self {
        self.manufacturer_name = name.into();
        self
    }
}

/// State shared by every handler.
#[derive(Clone)]
pub(crate) struct App(Arc<AppInner>);

pub(crate) struct AppInner {
    pub(crate) store: store::Store,
    pub(crate) api_key: String,
    pub(crate) base_url: String,
    pub(crate) supplier_name: String,
    pub(crate) supplier_id: String,
    pub(crate) manufacturer_name: String,
    pub(crate) faults: faults::Faults,
}

impl Deref for App {
    type Target = AppInner;
    fn deref(&self) -> &AppInner {
        &self.0
    }
}

/// A running mock. Stops when dropped.
pub struct MockServer {
    app: App,
    addr: SocketAddr,
    shutdown: Option<oneshot::Sender<()>>,
    task: Option<tokio::task::JoinHandle<()>>,
}

impl std::fmt::Debug for MockServer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MockServer")
            .field("base_url", &self.app.base_url)
            .finish_non_exhaustive()
    }
}

impl MockServer {
    /// Starts a mock on an ephemeral port of 127.0.0.1 with a random API key.
    pub async fn start() -> std::io::Result<MockServer> {
        Self::start_with(MockConfig::default()).await
    }

    /// Starts a mock with `config`.
    pub async fn start_with(config: MockConfig) -> std::io::Result<MockServer> {
        let listener = tokio::net::TcpListener::bind(config.addr).await?;
        let addr = listener.local_addr()?;
        let base_url = match &config.public_url {
            Some(url) => url.trim_end_matches('/').to_owned(),
            None if addr.ip().is_unspecified() => format!("http://127.0.0.1:{}", addr.port()),
            None => format!("http://{addr}"),
        };
        let limits = store::Limits {
            session_ttl: config.session_ttl,
            retention: config.session_retention,
            max_sessions: config.max_sessions.max(1),
            request_log_capacity: config.request_log_capacity,
        };
        let app = App(Arc::new(AppInner {
            store: store::Store::new(config.clock, limits),
            api_key: config
                .api_key
                .unwrap_or_else(|| format!("mock_{}", store::random_token(16))),
            base_url,
            supplier_name: config.supplier_name,
            supplier_id: "supplier_mock".into(),
            manufacturer_name: config.manufacturer_name,
            faults: faults::Faults::default(),
        }));
        let (tx, rx) = oneshot::channel::<()>();
        let router = router(app.clone());
        let task = tokio::spawn(serve::run(listener, router, config.header_timeout, rx));
        Ok(MockServer {
            app,
            addr,
            shutdown: Some(tx),
            task: Some(task),
        })
    }

    /// `http://127.0.0.1:<port>` (or the configured public URL): the base URL for
    /// `nox_auth::Client::builder().base_url(…)`, and the base of every `link_url`.
    pub fn base_url(&self) -> &str {
        &self.app.base_url
    }

    /// The socket address it listens on.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The API key it accepts.
    pub fn api_key(&self) -> &str {
        &self.app.api_key
    }

    /// Completes a link session as the user would in the UI, and returns the URL NOX
    /// redirects to (the session's `redirect_url` with `?data=…`; v1 sessions get plain
    /// query parameters). `brand` is a slug (checked against the session for supplier
    /// sessions).
    pub fn complete(
        &self,
        link_token: &str,
        brand: &str,
        device_ids: Vec<String>,
    ) -> Result<String, CompleteError> {
        self.app.store.complete(link_token, brand, device_ids)
    }

    /// Every link session created so far, oldest first.
    pub fn sessions(&self) -> Vec<Session> {
        self.app.store.sessions()
    }

    /// One session by token.
    pub fn session(&self, link_token: &str) -> Option<Session> {
        self.app.store.session(link_token)
    }

    /// The NOX user linked to a caller's user id.
    pub fn user(&self, user_id: &str) -> Option<NoxUser> {
        self.app.store.user(user_id)
    }

    /// The last requests answered (method, path, status, JSON body answered), oldest
    /// first: at most [`MockConfig::request_log_capacity`]. The control API is not logged.
    pub fn requests(&self) -> Vec<RecordedRequest> {
        self.app.store.requests()
    }

    /// Expires a session now (as `POST /_mock/sessions/{token}/expire`); `false` for an
    /// unknown token.
    pub fn expire(&self, link_token: &str) -> bool {
        self.app.store.expire(link_token)
    }

    /// Forgets every session, NOX user, logged request and armed fault (as
    /// `POST /_mock/reset`).
    pub fn reset(&self) {
        self.app.store.reset();
        self.app.faults.clear();
    }

    /// Arms a fault (as `POST /_mock/faults`): the next calls it matches answer as it
    /// says. Refused with the reason when out of range (status 400–599, delay at most
    /// [`MAX_FAULT_DELAY`], times at least 1).
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")] async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// use nox_auth::{AssetType, Client, Error, SupplierLinkRequest};
    /// use nox_mock::{Fault, MockServer};
    ///
    /// let mock = MockServer::start().await?;
    /// mock.inject(Fault::status(500).on("createSupplierLinkSession"))?;
    /// let client = Client::builder().api_key(mock.api_key()).base_url(mock.base_url()).build()?;
    /// let req = SupplierLinkRequest::new("u1", AssetType::Hp, "https://example.com/cb");
    /// let err = client.create_supplier_link_session(req.clone()).await.unwrap_err();
    /// assert_eq!(err.status().map(|s| s.as_u16()), Some(500));
    /// assert!(client.create_supplier_link_session(req).await.is_ok(), "only once");
    /// # Ok(()) }
    /// ```
    pub fn inject(&self, fault: Fault) -> Result<(), String> {
        self.app.faults.arm(fault)
    }

    /// The faults still armed, in the order they were armed.
    pub fn faults(&self) -> Vec<Fault> {
        self.app.faults.list()
    }

    /// Disarms every fault.
    pub fn clear_faults(&self) {
        self.app.faults.clear();
    }

    /// Stops the server and waits for it to finish.
    pub async fn stop(mut self) {
        self.shutdown_now();
        if let Some(task) = self.task.take() {
            let _ = task.await;
        }
    }

    fn shutdown_now(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
    }
}

impl Drop for MockServer {
    fn drop(&mut self) {
        self.shutdown_now();
    }
}

fn router(app: App) -> Router {
    Router::new()
        .route("/users/{user_id}/link", post(api::v1_supplier_link_session))
        .route("/manufacturers/nox", post(api::v1_connect_nox_manufacturer))
        .route(
            "/manufacturers/suppliers",
            post(api::v1_connect_supplier_manufacturer),
        )
        .route(
            "/v2/supplier/link-sessions",
            post(api::v2_supplier_link_session),
        )
        .route(
            "/v2/manufacturer/link-sessions",
            post(api::v2_manufacturer_link_session),
        )
        .route(
            "/v2/manufacturer/device-connections",
            post(api::v2_manufacturer_device_connection),
        )
        .route("/ui", get(ui::show))
        .route("/ui/connect", post(ui::connect))
        .merge(control::routes())
        .fallback(api::not_found)
        .method_not_allowed_fallback(api::method_not_allowed)
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
        .layer(axum::middleware::from_fn_with_state(app.clone(), record))
        .layer(axum::middleware::from_fn_with_state(
            app.clone(),
            api::limit_uri,
        ))
        .with_state(app)
}

/// Logs every answer (and its JSON body) into the store, except the control API's.
async fn record(State(app): State<App>, request: Request, next: Next) -> Response {
    if request.uri().path().starts_with("/_mock") {
        return next.run(request).await;
    }
    let method = request.method().to_string();
    let path = store::truncated(request.uri().path(), store::MAX_LOGGED_PATH);
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
