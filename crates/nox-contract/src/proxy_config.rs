//! [`ProxyConfig`]: how a [`Proxy`](crate::Proxy) starts, and its default timeouts.

use std::net::SocketAddr;
use std::time::Duration;

use crate::proxy_findings::OnFinding;

/// The default [`ProxyConfig::upstream_timeout`]: the time an upstream call may take in
/// all, answer read included (504 after).
pub const UPSTREAM_TIMEOUT: Duration = Duration::from_secs(30);
/// The default [`ProxyConfig::header_timeout`]: 5 seconds (as the mock's).
pub const HEADER_TIMEOUT: Duration = Duration::from_secs(5);

/// How to start a [`Proxy`](crate::Proxy).
#[derive(Clone)]
#[non_exhaustive]
pub struct ProxyConfig {
    /// Where traffic goes (`https://auth.nox.energy`); its path, if any, is a prefix.
    pub upstream: url::Url,
    /// Where the proxy listens; default `127.0.0.1:0`.
    pub addr: SocketAddr,
    /// Called with each finding.
    pub on_finding: Option<OnFinding>,
    /// How long a connection may take to send a request head, sit idle between
    /// keep-alive requests, or leave its answer unread, before it is closed; default
    /// [`HEADER_TIMEOUT`].
    pub header_timeout: Duration,
    /// How long an upstream call may take in all, its answer read included (and an answer
    /// may wait for its turn to be checked), before the client gets 504; default
    /// [`UPSTREAM_TIMEOUT`].
    pub upstream_timeout: Duration,
}

impl ProxyConfig {
    /// A proxy to `upstream` on an ephemeral port of 127.0.0.1.
    pub fn new(upstream: url::Url) -> Self {
        ProxyConfig {
            upstream,
            addr: SocketAddr::from(([127, 0, 0, 1], 0)),
            on_finding: None,
            header_timeout: HEADER_TIMEOUT,
            upstream_timeout: UPSTREAM_TIMEOUT,
        }
    }
}
