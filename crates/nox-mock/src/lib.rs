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
//! | [`store`] | sessions, users, the request log, the injectable [`Clock`] |

#![warn(missing_docs)]

mod api;
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

pub use store::{
    Clock, CompleteError, ManualClock, NoxUser, RecordedRequest, Session, SessionKind, SystemClock,
};

/// The largest request body the API accepts (413 above it).
pub const MAX_BODY_BYTES: usize = 64 * 1024;

/// How long a link session lives by default: 10 minutes, as NOX documents.
pub const DEFAULT_SESSION_TTL: Duration = Duration::from_secs(600);

/// How to start a [`MockServer`].
#[derive(Debug, Clone)]
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
        }
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
        let app = App(Arc::new(AppInner {
            store: store::Store::new(config.clock, config.session_ttl),
            api_key: config
                .api_key
                .unwrap_or_else(|| format!("mock_{}", store::random_token(16))),
            base_url: format!("http://{addr}"),
            supplier_name: config.supplier_name,
            supplier_id: "supplier_mock".into(),
            manufacturer_name: config.manufacturer_name,
        }));
        let (tx, rx) = oneshot::channel::<()>();
        let router = router(app.clone());
        let task = tokio::spawn(async move {
            let _ = axum::serve(listener, router)
                .with_graceful_shutdown(async {
                    let _ = rx.await;
                })
                .await;
        });
        Ok(MockServer {
            app,
            addr,
            shutdown: Some(tx),
            task: Some(task),
        })
    }

    /// `http://127.0.0.1:<port>`: the base URL for `nox_auth::Client::builder().base_url(…)`.
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

    /// Every request answered so far (method, path, status, JSON body answered).
    pub fn requests(&self) -> Vec<RecordedRequest> {
        self.app.store.requests()
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
        .fallback(api::not_found)
        .method_not_allowed_fallback(api::method_not_allowed)
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
        .layer(axum::middleware::from_fn_with_state(app.clone(), record))
        .with_state(app)
}

/// Logs every answer (and its JSON body) into the store.
async fn record(State(app): State<App>, request: Request, next: Next) -> Response {
    let method = request.method().to_string();
    let path = request.uri().path().to_owned();
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
    let bytes = axum::body::to_bytes(body, usize::MAX)
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
