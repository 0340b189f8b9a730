//! What the proxy found: each finding scrubbed of the client's key and cut, kept in a ring
//! bounded in count ([`KEPT_FINDINGS`]) and bytes ([`KEPT_FINDINGS_BYTES`]), and served as
//! JSON at `/_proxy/findings` to a loopback `Host`, [`FINDINGS_READERS`] answers at a time.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};

use axum::body::Body;
use axum::http::{HeaderMap, HeaderValue, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use tokio::sync::Semaphore;

use nox_auth::nox_auth_runtime::text::{Scrubber, excerpt, needs_escape};

use crate::finding::Finding;
use crate::proxy_body::Blocks;

/// How many findings the proxy keeps (the oldest go first).
pub const KEPT_FINDINGS: usize = 1_000;
/// How many bytes of text the kept findings may hold together (the oldest go first):
/// 512 KiB, so that their JSON stays around a megabyte at most.
pub const KEPT_FINDINGS_BYTES: usize = 512 * 1024;
/// How many characters of each text of a finding (operation, path, observed, expected)
/// the proxy keeps: a JSON field name of a megabyte is a path of 256 characters and `…`.
/// Cut after the client's key is taken out, so that no piece of it survives the cut.
pub const FINDING_TEXT_LIMIT: usize = 256;
/// How many answers of `/_proxy/findings` may be in flight at once (503 beyond): each
/// holds a copy of the findings' JSON until the client has read it.
pub const FINDINGS_READERS: usize = 4;

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

impl Seen {
    /// The bytes of text it holds.
    fn text_bytes(&self) -> usize {
        let f = &self.finding;
        f.operation.len() + f.path.len() + f.observed.len() + f.expected.len()
    }
}

/// Called with each finding as it is made (e.g. to log one line).
pub type OnFinding = Arc<dyn Fn(&Seen) + Send + Sync>;

/// The kept findings, and the text bytes they hold.
#[derive(Default)]
struct Ring {
    kept: VecDeque<Seen>,
    bytes: usize,
}

/// The proxy's findings: recorded by the forwarding, read by the findings page.
pub(crate) struct Findings {
    ring: Mutex<Ring>,
    on_finding: Option<OnFinding>,
    readers: Arc<Semaphore>,
}

impl Findings {
    pub(crate) fn new(on_finding: Option<OnFinding>) -> Self {
        Findings {
            ring: Mutex::new(Ring::default()),
            on_finding,
            readers: Arc::new(Semaphore::new(FINDINGS_READERS)),
        }
    }

    /// Keeps `findings` (and reports each), every text scrubbed of the request's key, then
    /// cut at [`FINDING_TEXT_LIMIT`] and escaped (control and bidirectional characters in a
    /// field name, say).
    pub(crate) fn record(
        &self,
        direction: &'static str,
        findings: Vec<Finding>,
        scrubber: &Scrubber,
    ) {
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
                if s.chars().count() > FINDING_TEXT_LIMIT || needs_escape(s) {
                    *s = excerpt(s, FINDING_TEXT_LIMIT);
                }
            }
            let seen = Seen { direction, finding };
            if let Some(f) = &self.on_finding {
                f(&seen);
            }
            let mut ring = self.ring.lock().unwrap_or_else(|e| e.into_inner());
            ring.bytes += seen.text_bytes();
            ring.kept.push_back(seen);
            while ring.kept.len() > KEPT_FINDINGS || ring.bytes > KEPT_FINDINGS_BYTES {
                let Some(old) = ring.kept.pop_front() else {
                    break;
                };
                ring.bytes -= old.text_bytes();
            }
        }
    }

    /// Every kept finding, oldest first.
    pub(crate) fn all(&self) -> Vec<Seen> {
        let ring = self.ring.lock().unwrap_or_else(|e| e.into_inner());
        ring.kept.iter().cloned().collect()
    }

    /// The findings as JSON, to a loopback `Host` only (a page on another site that
    /// rebinds its name to 127.0.0.1 gets 421), and a loopback authority in the request
    /// target when it has one (`GET http://evil.example/_proxy/findings`, which a server
    /// reads in place of `Host`), [`FINDINGS_READERS`] at a time (503).
    pub(crate) fn serve(&self, uri: &Uri, headers: &HeaderMap) -> Response {
        let host = headers
            .get(header::HOST)
            .and_then(|h| h.to_str().ok())
            .unwrap_or_default();
        let target = uri.authority().is_none_or(|a| loopback_host(a.as_str()));
        if !loopback_host(host) || !target {
            return (
                StatusCode::MISDIRECTED_REQUEST,
                "nox proxy: the findings are served to 127.0.0.1, [::1] or localhost only",
            )
                .into_response();
        }
        let Ok(reader) = self.readers.clone().try_acquire_owned() else {
            return (
                StatusCode::SERVICE_UNAVAILABLE,
                "nox proxy: too many reads of the findings at once",
            )
                .into_response();
        };
        let mut json = Blocks::default();
        {
            let ring = self.ring.lock().unwrap_or_else(|e| e.into_inner());
            let _ = serde_json::to_writer(&mut json, &ring.kept);
        }
        let mut out = Response::new(Body::new(json.into_held(Some(reader))));
        out.headers_mut().insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        );
        out
    }
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
