//! The validating proxy: forwards an integrator's traffic to a NOX (or anything) unchanged,
//! checks each request and answer against the specs, and serves what it found as JSON at
//! [`FINDINGS_PATH`].
//!
//! The client's `x-api-key` is forwarded to the upstream (that is what a proxy is for) and
//! taken out of every finding (whole, cut, split or encoded). Bounded against a hostile
//! client or upstream: [`MAX_CONCURRENT`] requests at a time (503 beyond), [`MAX_BODY`]
//! per body, [`BODY_TIMEOUT`] to send a request body, [`UPSTREAM_TIMEOUT`] per upstream
//! call; paths with dot segments (`..`, `%2e%2e`) are refused (they would leave the
//! upstream's prefix), hop-by-hop headers and those named in `Connection:` are not
//! forwarded, and the findings are served to loopback `Host`s only.

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

use nox_auth::nox_auth_runtime::text::Scrubber;

use crate::finding::Finding;
use crate::validate::Validator;

/// Where the proxy serves its findings (`GET`); every other path is forwarded.
pub const FINDINGS_PATH: &str = "/_proxy/findings";
/// The largest request or answer body the proxy forwards (bigger ones get a 502 or 413).
pub const MAX_BODY: usize = 1024 * 1024;
/// How many findings the proxy keeps (the oldest go first).
pub const KEPT_FINDINGS: usize = 1_000;
/// How many requests the proxy forwards at a time; more get 503 at once. With
/// [`MAX_BODY`] for a request and its answer, this bounds the bodies held to 32 MiB.
pub const MAX_CONCURRENT: usize = 16;
/// The time a client has to send a request body (408 after).
pub const BODY_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(30);
/// The time an upstream call may take in all, answer read included (504 after).
pub const UPSTREAM_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(30);

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
    slots: tokio::sync::Semaphore,
    validator: Validator,
    findings: Mutex<VecDeque<Seen>>,
    on_finding: Option<OnFinding>,
}

impl Shared {
    /// Keeps `findings` (and reports each), every text scrubbed of the request's key.
    fn record(&self, direction: &'static str, findings: Vec<Finding>, scrubber: &Scrubber) {
        for mut finding in findings {
            for s in [
                &mut finding.operation,
                &mut finding.path,
                &mut finding.observed,
                &mut finding.expected,
            ] {
                if let std::borrow::Cow::Owned(clean) = scrubber.scrub(s) {
                    *s = clean;
                }
            }
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
            .connect_timeout(std::time::Duration::from_secs(10))
            .timeout(UPSTREAM_TIMEOUT)
            .build()
            .map_err(std::io::Error::other)?;
        let shared = Arc::new(Shared {
            upstream: config.upstream,
            http,
            slots: tokio::sync::Semaphore::new(MAX_CONCURRENT),
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

/// The findings, to a loopback `Host` only (a page on another site that rebinds its name
/// to 127.0.0.1 gets 421).
async fn findings(State(shared): State<Arc<Shared>>, headers: HeaderMap) -> Response {
    let host = headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .unwrap_or_default();
    if !loopback_host(host) {
        return (
            StatusCode::MISDIRECTED_REQUEST,
            "nox proxy: the findings are served to 127.0.0.1, [::1] or localhost only",
        )
            .into_response();
    }
    let kept = shared.findings.lock().unwrap_or_else(|e| e.into_inner());
    axum::Json(kept.iter().cloned().collect::<Vec<_>>()).into_response()
}

/// `127.0.0.1[:port]`, `[::1][:port]` or `localhost[:port]`.
fn loopback_host(host: &str) -> bool {
    let name = match host.strip_prefix('[') {
        Some(v6) => v6.split(']').next().unwrap_or_default(),
        None => host.rsplit_once(':').map_or(host, |(name, _)| name),
    };
    matches!(
        name.to_ascii_lowercase().as_str(),
        "127.0.0.1" | "::1" | "localhost"
    )
}

/// Whether a path has a `.` or `..` segment, as written or percent-encoded.
fn has_dot_segment(path: &str) -> bool {
    path.split('/').any(|segment| {
        let decoded = percent_decode(segment);
        decoded == "." || decoded == ".."
    })
}

fn percent_decode(s: &str) -> String {
    url::form_urlencoded::parse(format!("x={}", s.replace('+', "%2B")).as_bytes())
        .next()
        .map(|(_, v)| v.into_owned())
        .unwrap_or_default()
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

/// The headers to pass on: not the hop-by-hop ones, nor those `Connection:` names.
fn copy_headers(from: &HeaderMap) -> HeaderMap {
    let named: Vec<String> = from
        .get_all(header::CONNECTION)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(|n| n.trim().to_ascii_lowercase())
        .collect();
    let mut out = HeaderMap::new();
    for (name, value) in from {
        if !hop_by_hop(name) && !named.iter().any(|n| n == name.as_str()) {
            out.append(name.clone(), value.clone());
        }
    }
    out
}

fn content_type(h: &HeaderMap) -> Option<&str> {
    h.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok())
}

async fn forward(State(shared): State<Arc<Shared>>, request: Request) -> Response {
    let Ok(_slot) = shared.slots.try_acquire() else {
        return (
            StatusCode::SERVICE_UNAVAILABLE,
            "nox proxy: too many requests at once",
        )
            .into_response();
    };
    let (parts, body) = request.into_parts();
    if has_dot_segment(parts.uri.path()) {
        return (
            StatusCode::BAD_REQUEST,
            "nox proxy: a path with `.` or `..` segments is not forwarded",
        )
            .into_response();
    }
    let body = match tokio::time::timeout(BODY_TIMEOUT, axum::body::to_bytes(body, MAX_BODY)).await
    {
        Ok(Ok(body)) => body,
        Ok(Err(_)) => {
            return (
                StatusCode::PAYLOAD_TOO_LARGE,
                "nox proxy: request body over 1 MiB",
            )
                .into_response();
        }
        Err(_) => {
            return (
                StatusCode::REQUEST_TIMEOUT,
                "nox proxy: the request body did not arrive in time",
            )
                .into_response();
        }
    };
    // The findings never show the key the client sent (it is forwarded, not reported).
    let scrubber = Scrubber::new(parts.headers.get("x-api-key").and_then(|v| v.to_str().ok()));
    let path = parts.uri.path().to_owned();
    let method = parts.method.as_str().to_owned();
    shared.record(
        "request",
        shared
            .validator
            .check_request(&method, &path, content_type(&parts.headers), &body),
        &scrubber,
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
            let status = if e.is_timeout() {
                StatusCode::GATEWAY_TIMEOUT
            } else {
                StatusCode::BAD_GATEWAY
            };
            return (
                status,
                format!(
                    "nox proxy: the upstream did not answer: {}",
                    nox_auth::nox_auth_runtime::text::excerpt(&e.without_url().to_string(), 300)
                ),
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
            &scrubber.scrub_bytes(&bytes),
        ),
        &scrubber,
    );
    let mut out = Response::new(axum::body::Body::from(bytes));
    *out.status_mut() = status;
    *out.headers_mut() = headers;
    out
}
