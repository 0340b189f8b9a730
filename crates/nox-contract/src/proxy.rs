//! The validating proxy: forwards an integrator's traffic to a NOX (or anything) unchanged,
//! checks each request and answer against the specs, and serves what it found as JSON at
//! [`FINDINGS_PATH`].
//!
//! The client's `x-api-key` is forwarded to the upstream (that is what a proxy is for) and
//! taken out of every finding (whole, cut, split or encoded). Paths with dot segments
//! (`..`, `%2e%2e`), a backslash or an encoded slash or backslash (`\`, `%5c`, `%2f`) are
//! refused (they would leave the upstream's prefix), and the URL built for the upstream is
//! checked to be under the prefix all the same; hop-by-hop
//! headers and those named in `Connection:` are not forwarded, nor `Accept-Encoding` (the
//! answer comes unencoded, so that it can be checked; one encoded all the same is forwarded
//! and reported "not checked", informational), and the findings are served to loopback
//! `Host`s only.
//!
//! Bounded against a hostile client or upstream, on the mock's accept loop
//! ([`nox_mock::serve`]). In time: [`HEADER_TIMEOUT`](crate::HEADER_TIMEOUT) to send a request head, to sit idle
//! between keep-alive requests or to leave an answer unread (then closed);
//! [`BODY_TIMEOUT`] for a request body, and [`MIN_BODY_RATE`](crate::MIN_BODY_RATE) after
//! [`BODY_GRACE`](crate::BODY_GRACE) (408, closed); [`UPSTREAM_TIMEOUT`](crate::UPSTREAM_TIMEOUT) per upstream call
//! (504). In bytes: [`MAX_CONNECTIONS`] at once (more wait to be accepted; while all are
//! taken, each answer closes its connection, so that those waiting get their turn), heads of
//! [`MAX_HEAD_BYTES`] (431), upstream answer heads of
//! [`MAX_ANSWER_HEAD_BYTES`](crate::MAX_ANSWER_HEAD_BYTES) (502), [`MAX_BODY_READS`]
//! request bodies read at a time (503 beyond), then [`MAX_CONCURRENT`] requests forwarded
//! at a time (503 beyond; a slot is taken once the body is in, and held until the answer
//! is sent), [`MAX_BODY`] a body, bodies over
//! [`LARGE_BODY`](crate::LARGE_BODY) [`MAX_LARGE_BODIES`](crate::MAX_LARGE_BODIES) at a time,
//! bodies over one block validated one at a time on a blocking thread (walked as text,
//! not parsed into a tree),
//! [`MAX_FINDINGS`](crate::MAX_FINDINGS) findings a body, and the findings kept in a ring
//! ([`KEPT_FINDINGS`](crate::KEPT_FINDINGS), [`KEPT_FINDINGS_BYTES`](crate::KEPT_FINDINGS_BYTES)).

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use tokio::sync::{Semaphore, oneshot};

use nox_auth::nox_auth_runtime::text::Scrubber;

use crate::proxy_body::{Blocks, LARGE_BODY, MAX_LARGE_BODIES, Read, read};
use crate::proxy_config::ProxyConfig;
use crate::proxy_findings::{Findings, Seen};
use crate::proxy_http::{
    MAX_ANSWER_HEAD_BYTES, content_type, copy_headers, encoding, has_dot_segment, head_bytes,
    not_checked,
};
use crate::proxy_http::{no_turn, refuse, refused};
use crate::validate::Validator;

/// Where the proxy serves its findings (`GET`); every other path is forwarded.
pub const FINDINGS_PATH: &str = "/_proxy/findings";
/// The largest request or answer body the proxy forwards (bigger ones get a 502 or 413).
pub const MAX_BODY: usize = 1024 * 1024;
/// How many requests the proxy forwards at a time; more get 503 at once. A request holds
/// its slot until its answer is sent. Of their bodies, only
/// [`MAX_LARGE_BODIES`](crate::MAX_LARGE_BODIES) may be large at once.
pub const MAX_CONCURRENT: usize = 16;
/// How many request bodies the proxy reads at once, before their requests take a slot of
/// [`MAX_CONCURRENT`]: 64 (503 beyond), each at most [`LARGE_BODY`](crate::LARGE_BODY)
/// unless it has one of the large bodies' turns. Sixteen clients trickling their bodies
/// no longer take every slot.
pub const MAX_BODY_READS: usize = 64;
/// The time a client has to send a request body (408 after).
pub const BODY_TIMEOUT: Duration = Duration::from_secs(30);
/// How many connections the proxy holds at once; further ones wait to be accepted until
/// one closes. Each costs up to [`MAX_HEAD_BYTES`] while its head arrives.
pub const MAX_CONNECTIONS: usize = 256;
/// The largest request head the proxy reads (request line and headers): 16 KiB (431 past
/// it).
pub const MAX_HEAD_BYTES: usize = 16 * 1024;

struct Shared {
    upstream: url::Url,
    upstream_timeout: Duration,
    http: reqwest::Client,
    slots: Arc<Semaphore>,
    /// The turns to read a request body ([`MAX_BODY_READS`]).
    reading: Arc<Semaphore>,
    /// The turns of large bodies ([`MAX_LARGE_BODIES`](crate::MAX_LARGE_BODIES)).
    turns: Arc<Semaphore>,

    /// One body validated at a time, in this buffer when it came in several blocks.
    validating: Arc<tokio::sync::Mutex<Vec<u8>>>,
    validator: Validator,
    findings: Findings,
}

impl Shared {
    /// Waits for a turn for the large answer `body` (up to the upstream timeout). Waiting
    /// holds no turn: no two large bodies wait for each other.
    async fn wait_turn(&self, body: &mut Blocks) -> bool {
        let turn = self.turns.clone().acquire_owned();
        match tokio::time::timeout(self.upstream_timeout, turn).await {
            Ok(Ok(turn)) => {
                body.take_turn(turn);
                true
            }
            _ => false,
        }
    }

    /// Validates `body` with `check` and keeps what it finds; gives the body back. A body
    /// in one block (at most [`LARGE_BODY`]) is validated at once, here (milliseconds);
    /// a larger one waits for the shared buffer (one at a time), then is validated on a
    /// blocking thread (a megabyte takes tens of milliseconds: not on the runtime's
    /// workers). One blocking thread at a time: each thread allocates from an arena of its
    /// own; a thread per body waiting took the 1 MiB requests' abuse from +9 to +24 MiB,
    /// one at a time to +12–14 MiB (`block_in_place` measured the same).
    async fn validate(
        self: &Arc<Self>,
        direction: &'static str,
        scrubber: &Arc<Scrubber>,
        body: Blocks,
        check: impl FnOnce(&Validator, &Scrubber, &[u8]) -> Vec<crate::finding::Finding>
        + Send
        + 'static,
    ) -> Blocks {
        // An operation whose spec is our guess has questions, never breakage.
        let check = move |v: &Validator, s: &Scrubber, b: &[u8]| {
            crate::reconstructed::guesses_as_questions(check(v, s, b))
        };
        if body.len() <= LARGE_BODY {
            let found = check(&self.validator, scrubber, body.contiguous(&mut Vec::new()));
            self.findings.record(direction, found, scrubber);
            return body;
        }
        let mut scratch = self.validating.clone().lock_owned().await;
        let (shared, scrubber) = (self.clone(), scrubber.clone());
        let task = tokio::task::spawn_blocking(move || {
            let found = check(&shared.validator, &scrubber, body.contiguous(&mut scratch));
            shared.findings.record(direction, found, &scrubber);
            body
        });
        match task.await {
            Ok(body) => body,
            Err(e) => std::panic::resume_unwind(e.into_panic()),
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
        // A backlog of 1,024: connections past [`MAX_CONNECTIONS`] wait there to be
        // accepted (with the usual 128, a flood overflows it and the kernel drops them).
        let socket = match config.addr {
            SocketAddr::V4(_) => tokio::net::TcpSocket::new_v4()?,
            SocketAddr::V6(_) => tokio::net::TcpSocket::new_v6()?,
        };
        socket.set_reuseaddr(true)?;
        socket.bind(config.addr)?;
        let listener = socket.listen(1024)?;
        let addr = listener.local_addr()?;
        let http = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .connect_timeout(Duration::from_secs(10))
            .timeout(config.upstream_timeout)
            // hyper's count (reqwest has no limit in bytes: the head's sum is checked here).
            .http1_max_headers(100)
            .build()
            .map_err(std::io::Error::other)?;
        let shared = Arc::new(Shared {
            upstream: config.upstream,
            upstream_timeout: config.upstream_timeout,
            http,
            slots: Arc::new(Semaphore::new(MAX_CONCURRENT)),
            reading: Arc::new(Semaphore::new(MAX_BODY_READS)),
            turns: Arc::new(Semaphore::new(MAX_LARGE_BODIES)),

            validating: Arc::new(tokio::sync::Mutex::new(Vec::new())),
            validator: Validator::embedded(),
            findings: Findings::new(config.on_finding),
        });
        let router = Router::new()
            .route(
                FINDINGS_PATH,
                axum::routing::get(
                    |State(shared): State<Arc<Shared>>,
                     uri: axum::http::Uri,
                     headers: HeaderMap| async move {
                        shared.findings.serve(&uri, &headers)
                    },
                ),
            )
            .fallback(forward)
            .with_state(shared.clone());
        let (tx, rx) = oneshot::channel::<()>();
        let mut bounds = nox_mock::serve::Bounds::new(config.header_timeout);
        bounds.max_connections = Some(MAX_CONNECTIONS);
        bounds.max_head_bytes = Some(MAX_HEAD_BYTES);
        bounds.close_when_full = true;
        tokio::spawn(nox_mock::serve::run(listener, router, bounds, rx));
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

    /// What it found so far, oldest first: at most [`KEPT_FINDINGS`](crate::KEPT_FINDINGS)
    /// and [`KEPT_FINDINGS_BYTES`](crate::KEPT_FINDINGS_BYTES) of text.
    pub fn findings(&self) -> Vec<Seen> {
        self.shared.findings.all()
    }
}

impl Drop for Proxy {
    fn drop(&mut self) {
        if let Some(tx) = self.stop.take() {
            let _ = tx.send(());
        }
    }
}

async fn forward(State(shared): State<Arc<Shared>>, request: Request) -> Response {
    let (parts, body) = request.into_parts();
    if has_dot_segment(parts.uri.path()) {
        return refuse(
            StatusCode::BAD_REQUEST,
            "nox proxy: a path with `.` or `..` segments, `\\` or an encoded `/` or `\\` is not forwarded",
            true,
        );
    }
    // The body is read before a forwarding slot is taken: clients trickling their bodies
    // hold reading turns (MAX_BODY_READS), not the slots of those whose bodies arrived.
    let Ok(reading) = shared.reading.clone().try_acquire_owned() else {
        return refuse(
            StatusCode::SERVICE_UNAVAILABLE,
            "nox proxy: too many request bodies arriving at once",
            true,
        );
    };
    let expected = parts
        .headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok()?.parse().ok());
    let body = match read(body, expected, MAX_BODY, BODY_TIMEOUT, &shared.turns).await {
        Read::Done(body) => body,
        other => return refused(other),
    };
    drop(reading);
    let Ok(slot) = shared.slots.clone().try_acquire_owned() else {
        return refuse(
            StatusCode::SERVICE_UNAVAILABLE,
            "nox proxy: too many requests at once",
            true,
        );
    };
    // The findings never show the key the client sent (it is forwarded, not reported).
    let key = parts.headers.get("x-api-key").and_then(|v| v.to_str().ok());
    let scrubber = Arc::new(Scrubber::new(key));
    let path = parts.uri.path().to_owned();
    let method = parts.method.as_str().to_owned();
    let request_type = content_type(&parts.headers).map(str::to_owned);
    let (m, p) = (method.clone(), path.clone());
    let body = shared
        .validate("request", &scrubber, body, move |v, _, body| {
            v.check_request(&m, &p, request_type.as_deref(), body)
        })
        .await;
    let mut target = shared.upstream.clone();
    let prefix = target.path().trim_end_matches('/').to_owned();
    target.set_path(&format!("{prefix}{path}"));
    target.set_query(parts.uri.query());
    // However the URL parser read the path, it stays under the prefix (defence in depth).
    if !target.path().starts_with(&format!("{prefix}/")) {
        return refuse(
            StatusCode::BAD_REQUEST,
            "nox proxy: the path would leave the upstream's prefix",
            true,
        );
    }
    // No `Accept-Encoding`: the answer comes as is, so that it can be checked (identity
    // is acceptable to every client); one encoded all the same is forwarded, not checked.
    let mut forwarded = copy_headers(&parts.headers);
    forwarded.remove(header::ACCEPT_ENCODING);
    // The body goes with the request: not held here while the answer is awaited.
    let upstream = shared
        .http
        .request(parts.method.clone(), target)
        .headers(forwarded)
        .body(reqwest::Body::wrap(body.into_held(None)))
        .send()
        .await;
    let mut resp = match upstream {
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
    let head = head_bytes(resp.headers());
    if head > MAX_ANSWER_HEAD_BYTES {
        return refuse(
            StatusCode::BAD_GATEWAY,
            "nox proxy: the upstream's answer head is over 16 KiB",
            false,
        );
    }
    let mut headers = copy_headers(resp.headers());
    // A HEAD or 304 answer has no body: its Content-Length is the resource's, kept.
    if (parts.method == axum::http::Method::HEAD || status == StatusCode::NOT_MODIFIED)
        && let Some(length) = resp.headers().get(header::CONTENT_LENGTH)
    {
        headers.insert(header::CONTENT_LENGTH, length.clone());
    }
    let announced = resp.content_length().map(|n| n as usize);
    let mut bytes = Blocks::default();
    // An answer announced large (its head counted) waits for its turn before any of it is
    // read (what is not read stays with the upstream, not here).
    if bytes.needs_turn((head + announced.unwrap_or(0)).min(MAX_BODY + 1))
        && !shared.wait_turn(&mut bytes).await
    {
        return no_turn();
    }
    loop {
        match resp.chunk().await {
            Ok(Some(chunk)) => {
                if bytes.len() + chunk.len() > MAX_BODY {
                    return refuse(
                        StatusCode::BAD_GATEWAY,
                        "nox proxy: answer over 1 MiB",
                        false,
                    );
                }
                if bytes.needs_turn(chunk.len()) && !shared.wait_turn(&mut bytes).await {
                    return no_turn();
                }
                let rest = announced.map(|n| n.saturating_sub(bytes.len()).min(MAX_BODY));
                bytes.push(&chunk, rest);
            }
            Ok(None) => break,
            Err(e) => {
                let status = if e.is_timeout() {
                    StatusCode::GATEWAY_TIMEOUT
                } else {
                    StatusCode::BAD_GATEWAY
                };
                let error = e.without_url().to_string();
                return (
                    status,
                    format!(
                        "nox proxy: the answer broke off: {}",
                        nox_auth::nox_auth_runtime::text::excerpt(&error, 300)
                    ),
                )
                    .into_response();
            }
        }
    }
    drop(resp);
    let answer_type = content_type(&headers).map(str::to_owned);
    if let Some(encoding) = encoding(&headers) {
        let found = not_checked(&shared.validator, &method, &path, encoding);
        shared.findings.record("response", vec![found], &scrubber);
    } else {
        bytes = shared
            .validate("response", &scrubber, bytes, move |v, scrubber, body| {
                let (status, kind) = (status.as_u16(), answer_type.as_deref());
                v.check_response(&method, &path, status, kind, &scrubber.scrub_bytes(body))
            })
            .await;
    }
    let mut out = Response::new(axum::body::Body::new(bytes.into_held(Some(slot))));
    *out.status_mut() = status;
    *out.headers_mut() = headers;
    out
}
