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
//! use nox_auth::{AssetType, Brand, SupplierLinkRequest};
//!
//! let mock = nox_mock::MockServer::start().await?;
//! let client = mock.client()?;
//! let session = client
//!     .create_supplier_link_session(SupplierLinkRequest::new("user-1", AssetType::Hp, "https://example.com/cb"))
//!     .await?;
//!
//! // Complete it as the user would in the UI, without HTML:
//! let redirect = mock.complete(&session.link_token, Brand::Daikin, vec!["dev-1".into()])?;
//! let payload = nox_auth::callback::decode(&redirect)?;
//! assert_eq!(payload.known_brand(), Some(Brand::Daikin));
//! payload.verify_supplier(&session)?;
//! # Ok(()) }
//! ```
//!
//! Or run the program: `cargo run -p nox-mock --features cli -- --port 8080 --api-key test-key`
//! (or `cargo run -p nox-cli -- mock serve --port 8080`).
//!
//! | module | what |
//! |---|---|
//! | `server` | [`MockServer`]: start, inspect, complete, inject faults, stop |
//! | `config` | [`MockConfig`] and the default bounds |
//! | `error` | [`Error`]: what every fallible call of this API returns |
//! | `router` | every [`Operation`] at its path, the UI, the control API, the request bounds |
//! | `api`, `api_request`, `api_error` | the operations' handlers; how each reads its request; the error bodies |
//! | `ui` | `GET /ui?token=…&language=…`, `POST /ui/connect` |
//! | `control` | `/_mock`: the inspector page, and a JSON control API (sessions, requests, complete, expire, reset, faults) |
//! | `faults` | [`Fault`]: the next N calls of an operation answer a status, late, or malformed |
//! | `store`, `session`, `callback` | sessions and NOX users in memory; the redirect with `?data=` |
//! | `clock`, `request_log` | the injectable [`Clock`]; the log of answered requests |
//! | `serve` | the accept loop: header and idle timeouts, graceful stop |
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
#![cfg_attr(docsrs, feature(doc_cfg))]

mod api;
mod api_error;
mod api_request;
mod app;
mod callback;
#[cfg(feature = "cli")]
pub mod cli;
mod clock;
mod config;
mod control;
mod error;
mod faults;
mod request_log;
mod router;
mod serve;
mod server;
mod session;
mod store;
mod ui;

pub use clock::{Clock, ManualClock, SystemClock};
pub use config::{
    DEFAULT_HEADER_TIMEOUT, DEFAULT_MAX_SESSIONS, DEFAULT_REQUEST_LOG_CAPACITY,
    DEFAULT_SESSION_RETENTION, DEFAULT_SESSION_TTL, MAX_BODY_BYTES, MAX_URI_BYTES, MockConfig,
};
pub use error::Error;
pub use faults::{Fault, FaultAnswer, MAX_FAULT_DELAY};
pub use nox_auth::Operation;
pub use request_log::RecordedRequest;
pub use server::MockServer;
pub use session::{CompleteError, NoxUser, Session, SessionKind};

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
