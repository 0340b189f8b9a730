//! # nox-mock
//!
//! A local NOX Authenticator for tests and demos: the six operations of the v1 and v2
//! specs with NOX's documented validation, link sessions in memory, and the
//! Authenticator UI that redirects to your callback with `?data=`. On the same origin, the
//! Package API's three device listings serve the devices the completed links created.
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
//! ## The Package API: the devices a link created
//!
//! Completing a link (the UI, [`MockServer::complete`],
//! [`MockServer::complete_manufacturer`], the control API) lists its devices: a supplier
//! `hp` link on `GET /v1/devices`, `pv` on `GET /v1/devices/pv`, a manufacturer link on
//! `GET /v1/manufacturer/devices`, with the fields of NOX's examples, under the `user_id`
//! [`MockConfig::package_user_id`] names (the supplier's by default; NOX does not say
//! which). A re-link of the same user replaces that user's devices on that listing.
//! Pages of `limit` (1–4000, default 1000) with an opaque, tamper-evident `next_token`; a
//! refused query is FastAPI's 422. For tests: [`MockServer::add_devices`] (100,000 cost
//! nothing: generated as listed), [`MockServer::mark_device`] (`needs_reauthentication`,
//! not steerable), a visibility delay ([`MockConfig::device_visibility_delay`]: NOX may
//! lag).
//!
//! ## The NOX-initiated link: NOX's app and `POST /post-login-redirect`
//!
//! Section 2 of NOX's guide: a user turns NOX on in NOX's app and picks their supplier;
//! NOX sends them to the supplier's login page, and the supplier's server tells NOX who
//! they are. The mock's `GET /app` is that app (a supplier selector, sending the browser to
//! [`MockConfig::supplier_login_url`] with `state` and `redirect_uri` =
//! [`MockServer::nox_return_url`]); `POST /post-login-redirect` takes the key and
//! `{state, supplier_user_id}`, a state once and within [`NOX_LOGIN_WINDOW_SECS`] (or, the
//! guide's other reading, the browser's form post of the same two fields without a key,
//! answered with a 303 to `/app/return`); then the
//! user's heat pump is listed for that supplier user, and `GET /app/return?state=…` says
//! whether NOX heard from the supplier. [`MockServer::authorize`] is the selector's part for
//! a test without a browser. How much of this is NOX's and how much our guess:
//! `specs/README.md`, decisions 33–40.
//!
//! ```
//! # #[tokio::main(flavor = "current_thread")] async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! use nox_auth::{AssetType, Brand, DeviceQuery, SupplierLinkRequest};
//! use nox_mock::DeviceMark;
//!
//! let mock = nox_mock::MockServer::start().await?;
//! let client = mock.client()?;
//! let session = client
//!     .create_supplier_link_session(SupplierLinkRequest::new("user-1", AssetType::Hp, "https://example.com/cb"))
//!     .await?;
//! mock.complete(&session.link_token, Brand::Daikin, vec!["dev-1".into()])?;
//! mock.mark_device("dev-1", DeviceMark::default().needs_reauthentication(true))?;
//! let devices = client.heat_pumps(DeviceQuery::all().user("user-1")).collect_at_most(10).await?;
//! assert_eq!(devices[0].brand.as_deref(), Some("daikin"));
//! assert_eq!(devices[0].needs_reauthentication, Some(true));
//! # Ok(()) }
//! ```
//!
//! Or run the program: `cargo run -p nox-mock --features cli -- --port 8080 --api-key test-key`
//! (or `cargo run -p nox-cli -- mock serve --port 8080`).
//!
//! | module | what |
//! |---|---|
//! | `server` | [`MockServer`]: start, inspect, complete, inject faults, stop |
//! | `config` | [`MockConfig`], the default bounds and the field limits |
//! | `error` | [`Error`]: what every fallible call of this API returns |
//! | `router` | every [`Operation`] at its path, the UI, the control API, the request bounds |
//! | `body_read` | every request's body read first, within a timeout and a minimum rate |
//! | `api`, `api_request`, `api_error` | the operations' handlers; how each reads its request; the error bodies |
//! | `package_api`, `page_token`, `device_json` | the Package API's listings: the query, the `next_token`, the pages' JSON |
//! | `device`, `device_store` | [`DeviceKind`], [`DeviceBatch`], [`DeviceMark`]…; the devices in memory |
//! | `ui` | `GET /ui?token=…&language=…`, `POST /ui/connect` |
//! | `control`, `device_control`, `control_error` | `/_mock`: the inspector page, and a JSON control API (sessions, requests, complete, expire, reset, faults; devices) |
//! | `control_guard` | who may use the control API: `Host`, `Origin`, JSON bodies, the control token |
//! | `control_list`, `page` | the control listings, a page at a time |
//! | `faults` | [`Fault`]: the next N calls of an operation answer a status, late, or malformed |
//! | `store`, `session`, `callback` | sessions and NOX users in memory; the redirect with `?data=` |
//! | `clock`, `request_log` | the injectable [`Clock`]; the log of answered requests |
//! | `media_type` | a request's or answer's `Content-Type`, read one way everywhere |
//! | [`serve`] | the accept loop: header, idle and stalled-write timeouts, optional caps on connections and head size, graceful stop (public: `nox-contract`'s proxy runs on it too) |
//!
//! ## The control API is its owner's
//!
//! `/_mock…` has no API key, so the mock checks that a request comes from whoever runs
//! it, not from a page their browser has open:
//!
//! - `Host` must be `localhost`, a loopback address, the address listened on (any address
//!   when listening on all of them) or the host of [`MockConfig::public_url`]: else
//!   **421**, so a page that rebinds its own name to 127.0.0.1 reads no session token;
//! - a browser's `Origin` must name such a host and `Sec-Fetch-Site` must not be
//!   `cross-site`: else **403**;
//! - `POST`, `PUT` and `DELETE` send `Content-Type: application/json`, or no body and no
//!   content type at all: a `text/plain` or form POST, which another site's page can send
//!   without asking, is **415** before it is read;
//! - [`MockConfig::control_token`] (`--control-token`): every control request then
//!   carries `x-mock-control-token` ([`CONTROL_TOKEN_HEADER`]), or `?control_token=` to
//!   open the inspector page. Off by default on loopback; the `nox-mock` program
//!   generates one when `--host` is another address, prints it, and warns that the mock
//!   is reachable (`--no-control-token` leaves it open, with the warning saying so).
//!
//! An armed [`Fault`] is used up only by a request whose API key is accepted.
//!
//! ## Bounded under abuse
//!
//! | what | bound (default) | setting |
//! |---|---|---|
//! | sessions | evicted [`DEFAULT_SESSION_RETENTION`] after they expire; at most [`DEFAULT_MAX_SESSIONS`] and [`DEFAULT_MAX_SESSION_BYTES`] of text (oldest first) | [`MockConfig::session_retention`], [`MockConfig::max_sessions`], [`MockConfig::max_session_bytes`] |
//! | NOX users | at most `max_sessions`, and half of `max_session_bytes` of text (oldest first) | the same |
//! | devices | at most [`DEFAULT_MAX_DEVICES`] records and [`DEFAULT_MAX_DEVICE_BYTES`] of text (oldest first): a linked device is one, a bulk addition of up to [`MAX_BULK_DEVICES`] one; marked bulk devices as many | [`MockConfig::max_devices`], [`MockConfig::max_device_bytes`] |
//! | a page of devices | `limit` ≤ 4000; answers over [`MAX_BODY_BYTES`] are logged without their body | |
//! | request log | a ring of [`DEFAULT_REQUEST_LOG_CAPACITY`] and [`DEFAULT_REQUEST_LOG_BYTES`]; paths cut at 256 characters | [`MockConfig::request_log_capacity`], [`MockConfig::request_log_bytes`] |
//! | control listings | [`MAX_LISTED`] items and [`MAX_PAGE_BYTES`] a page (`limit`, `cursor`) | |
//! | armed faults | [`MAX_FAULTS`] (409 past it); operation names [`MAX_OPERATION_NAME`] bytes; arming answers the fault armed | |
//! | request body | [`MAX_BODY_BYTES`] (413); in full within [`DEFAULT_BODY_TIMEOUT`], and at [`MIN_BODY_RATE`] after [`BODY_GRACE`] (else 408, closed) | [`MockConfig::body_timeout`] |
//! | request target | [`MAX_URI_BYTES`] (400) | |
//! | headers, idle keep-alive, an answer the client does not read | closed after [`DEFAULT_HEADER_TIMEOUT`] | [`MockConfig::header_timeout`] |
//!
//! Fields, as NOX would plausibly hold them (NOX states no limits; 400 in the version's
//! shape above them): a user id [`MAX_USER_ID_BYTES`] (256), a redirect URL
//! [`MAX_REDIRECT_URL_BYTES`] (2048, what browsers and proxies reliably carry), at most
//! [`MAX_DEVICE_IDS`] (32) device ids of [`MAX_DEVICE_ID_BYTES`] (256) each; a
//! completion's device ids hold no control characters, so that the longest callback stays
//! well within what `nox_auth::callback` decodes.
//!
//! Memory, measured on the `nox-mock` program (debug build) by `tests/mock_process/abuse.rs`,
//! `tests/mock_process/abuse_bytes.rs` and `abuse_time.rs`, which assert at most 64 MiB of growth
//! for each: 100k unauthenticated requests add nothing measurable; 100k session
//! creations, all still live, add about 50 MiB; 2,000 creations with 60 KB fields (400)
//! +3 MiB; 40,000 with the longest fields accepted +26 MiB (7,148 kept: the byte budget);
//! 5,000 completions naming 32 device ids of 256 bytes +39 MiB; 3,000 answers of 60 KB in
//! the log +19 MiB (275 kept); 1,800 reads of the control listings, 16 at a time, with
//! 100k sessions kept +1 MiB (before: 6 concurrent reads took 577 MiB); 20,000 faults
//! refused past 64 armed +1 MiB. Time: 300 clients trickling a body and 50 sending none
//! are answered 408 and closed within ~2 s (+6 MiB while held); a body that keeps the rate
//! ends at the body timeout; 20 clients that read none of ten 2 MB answers are dropped
//! within ~3 s (header timeout 2 s). Measured by hand on the release program: a bulk
//! addition of 100,000 devices adds no measurable memory (4 ms); 5,000 completed links of
//! 20 devices each add about 52 MiB (issue 18).

#![warn(missing_docs)]
#![cfg_attr(docsrs, feature(doc_cfg))]

mod api;
mod api_error;
mod api_request;
mod app;
mod body_read;
mod callback;
#[cfg(feature = "cli")]
pub mod cli;
mod clock;
mod config;
mod control;
mod control_error;
mod control_guard;
mod control_list;
mod device;
mod device_control;
mod device_json;
mod device_store;
mod error;
mod faults;
mod media_type;
mod nox_app;
mod nox_app_routes;
mod package_api;
mod page;
mod page_token;
mod request_log;
mod router;
pub mod serve;
mod server;
mod session;
mod store;
mod ui;

pub use clock::{Clock, ManualClock, SystemClock};
pub use config::{
    BODY_GRACE, DEFAULT_BODY_TIMEOUT, DEFAULT_HEADER_TIMEOUT, DEFAULT_MAX_DEVICE_BYTES,
    DEFAULT_MAX_DEVICES, DEFAULT_MAX_SESSION_BYTES, DEFAULT_MAX_SESSIONS,
    DEFAULT_REQUEST_LOG_BYTES, DEFAULT_REQUEST_LOG_CAPACITY, DEFAULT_SESSION_RETENTION,
    DEFAULT_SESSION_TTL, MAX_BODY_BYTES, MAX_DEVICE_ID_BYTES, MAX_DEVICE_IDS,
    MAX_REDIRECT_URL_BYTES, MAX_URI_BYTES, MAX_USER_ID_BYTES, MIN_BODY_RATE, MockConfig,
};
pub use control_guard::CONTROL_TOKEN_HEADER;
pub use device::{
    AddedDevices, Device, DeviceBatch, DeviceKind, DeviceMark, MAX_BULK_DEVICES, MAX_DEVICE_DELAY,
    PackageUserId,
};
pub use error::Error;
pub use faults::{Fault, FaultAnswer, MAX_FAULT_DELAY, MAX_FAULTS, MAX_OPERATION_NAME};
pub use nox_app::{Authorization, MAX_AUTHORIZATIONS, MAX_LOGIN_URL_BYTES, NOX_LOGIN_WINDOW_SECS};
pub use nox_auth::Operation;
pub use page::{MAX_LISTED, MAX_PAGE_BYTES};
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
