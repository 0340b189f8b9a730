//! The validating proxy: forwards an integrator's traffic to a NOX (or anything) unchanged,
//! checks each request and answer against the specs, and serves what it found as JSON at
//! [`FINDINGS_PATH`].

use std::collections::VecDeque;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderName, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use tokio::sync::oneshot;

use crate::finding::Finding;
use crate::validate::Validator;

/// Where the proxy serves its findings (`GET`); every other path is forwarded.
pub const FINDINGS_PATH: &str = "/_proxy/findings";
/// The largest request or answer body the proxy forwards (bigger ones get a 502 or 413).
pub const MAX_BODY: usize = 1024 * 1024;
/// How many findings the proxy keeps (the oldest go first).
pub const KEPT_FINDINGS: usize = 1_000;

/// A finding, and whether it is about the request or the answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct Seen {
    /// `request` or `response`.
    pub direction: &'static str,
    /// The finding.
    #[serde(flatten)]
    pub finding: Finding,
}

/// Called with each finding as it is made (e.g. to log one line).
pub type OnFinding = Arc<dyn Fn(&Seen) + Send + Sync>;

/// How to start a [`Proxy`].
#[derive(Clone)]
#[non_exhaustive]
pub struct ProxyConfig {
    /// Where traffic goes (`https://auth.nox.energy`); its path, if any, is a prefix.
    pub upstream: url::Url,
    /// Where the proxy listens; default `127.0.0.1:0`.
    pub addr: SocketAddr,
    /// Called with each finding.
    pub on_finding: Option<OnFinding>,
}

impl ProxyConfig {
    /// A proxy to `upstream` on an ephemeral port of 127.0.0.1.
    pub fn new(upstream: url::Url) -> Self {
        ProxyConfig {
            upstream,
            addr: SocketAddr::from(([127, 0, 0, 1], 0)),
            on_finding: None,
        }
    }
}

struct Shared {
    upstream: url::Url,
    http: reqwest::Client,
    validator: Validator,
    findings: Mutex<VecDeque<Seen>>,
    on_finding: Option<OnFinding>,
}

impl Shared {
    fn record(&self, direction: &'static str, findings: Vec<Finding>) {
        for finding in findings {
            let seen = Seen { direction, finding };
            if let Some(f) = &self.on_finding {
                f(&seen);
            }
            let mut kept = self.findings.lock().unwrap_or_else(|e| e.into_inner());
            if kept.len() >= KEPT_FINDINGS {
                kept.pop_front();
            }
            kept.push_back(seen);
        }
    }
}

/// A running proxy; stops when dropped.
pub struct Proxy {
    shared: Arc<Shared>,
    addr: SocketAddr,
    stop: Option<oneshot::Sender<()>>,
}

impl std::fmt::Debug for Proxy {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Proxy")
            .field("addr", &self.addr)
            .field("upstream", &self.shared.upstream.as_str())
            .finish_non_exhaustive()
    }
}

impl Proxy {
    /// Starts the proxy.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")] async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let mock = nox_mock::MockServer::start().await?;
    /// let proxy = nox_contract::Proxy::start(nox_contract::ProxyConfig::new(mock.base_url().parse()?)).await?;
    /// // Point the app (or the SDK) at the proxy instead of NOX:
    /// let client = nox_auth::Client::builder().api_key(mock.api_key()).base_url(proxy.base_url()).build()?;
    /// # let _ = client;
    /// assert!(proxy.findings().is_empty());
    /// # Ok(()) }
    /// ```
    pub async fn start(config: ProxyConfig) -> std::io::Result<Proxy> {
        let listener = tokio::net::TcpListener::bind(config.addr).await?;
        let addr = listener.local_addr()?;
        let http = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .map_err(std::io::Error::other)?;
        let shared = Arc::new(Shared {
            upstream: config.upstream,
            http,
            validator: Validator::embedded(),
            findings: Mutex::new(VecDeque::new()),
            on_finding: config.on_finding,
        });
        let router = Router::new()
            .route(FINDINGS_PATH, axum::routing::get(findings))
            .fallback(forward)
            .with_state(shared.clone());
        let (tx, rx) = oneshot::channel::<()>();
        tokio::spawn(async move {
            let _ = axum::serve(listener, router)
                .with_graceful_shutdown(async {
                    let _ = rx.await;
                })
                .await;
        });
        Ok(Proxy {
            shared,
            addr,
            stop: Some(tx),
        })
    }

    /// `http://127.0.0.1:<port>`: the base URL to point a client at.
    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// What it found so far, oldest first.
    pub fn findings(&self) -> Vec<Seen> {
        self.shared
            .findings
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .iter()
            .cloned()
            .collect()
    }
}

impl Drop for Proxy {
    fn drop(&mut self) {
        if let Some(tx) = self.stop.take() {
            let _ = tx.send(());
        }
    }
}

async fn findings(State(shared): State<Arc<Shared>>) -> axum::Json<Vec<Seen>> {
    let kept = shared.findings.lock().unwrap_or_else(|e| e.into_inner());
    axum::Json(kept.iter().cloned().collect())
}

/// Headers that belong to one hop, not to the message (RFC 9110 §7.6.1).
fn hop_by_hop(name: &HeaderName) -> bool {
    matches!(
        name.as_str(),
        "connection"
            | "keep-alive"
            | "proxy-connection"
            | "transfer-encoding"
            | "te"
            | "trailer"
            | "upgrade"
            | "host"
            | "content-length"
    )
}

fn copy_headers(from: &HeaderMap) -> HeaderMap {
    let mut out = HeaderMap::new();
    for (name, value) in from {
        if !hop_by_hop(name) {
            out.append(name.clone(), value.clone());
        }
    }
    out
}

fn content_type(h: &HeaderMap) -> Option<&str> {
    h.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok())
}

async fn forward(State(shared): State<Arc<Shared>>, request: Request) -> Response {
    let (parts, body) = request.into_parts();
    let Ok(body) = axum::body::to_bytes(body, MAX_BODY).await else {
        return (
            StatusCode::PAYLOAD_TOO_LARGE,
            "nox proxy: request body over 1 MiB",
        )
            .into_response();
    };
    let path = parts.uri.path().to_owned();
    let method = parts.method.as_str().to_owned();
    shared.record(
        "request",
        shared
            .validator
            .check_request(&method, &path, content_type(&parts.headers), &body),
    );
    let mut target = shared.upstream.clone();
    let prefix = target.path().trim_end_matches('/').to_owned();
    target.set_path(&format!("{prefix}{path}"));
    target.set_query(parts.uri.query());
    let upstream = shared
        .http
        .request(parts.method.clone(), target)
        .headers(copy_headers(&parts.headers))
        .body(Bytes::clone(&body))
        .send()
        .await;
    let resp = match upstream {
        Ok(r) => r,
        Err(e) => {
            return (
                StatusCode::BAD_GATEWAY,
                format!("nox proxy: the upstream did not answer: {e}"),
            )
                .into_response();
        }
    };
    let status = resp.status();
    let headers = copy_headers(resp.headers());
    let mut bytes = Vec::new();
    let mut resp = resp;
    loop {
        match resp.chunk().await {
            Ok(Some(chunk)) => {
                bytes.extend_from_slice(&chunk);
                if bytes.len() > MAX_BODY {
                    return (StatusCode::BAD_GATEWAY, "nox proxy: answer over 1 MiB")
                        .into_response();
                }
            }
            Ok(None) => break,
            Err(e) => {
                return (
                    StatusCode::BAD_GATEWAY,
                    format!("nox proxy: the answer broke off: {e}"),
                )
                    .into_response();
            }
        }
    }
    shared.record(
        "response",
        shared.validator.check_response(
            &method,
            &path,
            status.as_u16(),
            content_type(&headers),
            &bytes,
        ),
    );
    let mut out = Response::new(axum::body::Body::from(bytes));
    *out.status_mut() = status;
    *out.headers_mut() = headers;
    out
}
