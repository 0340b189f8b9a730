//! How a mock is started ([`MockConfig`]) and the bounds it keeps by default.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use crate::clock::{Clock, SystemClock};
use crate::device::PackageUserId;

/// The largest request body the API accepts (413 above it).
pub const MAX_BODY_BYTES: usize = 64 * 1024;

/// How long a link session lives by default: 10 minutes, as NOX documents.
pub const DEFAULT_SESSION_TTL: Duration = Duration::from_secs(600);

/// How long a session is kept after it expires (completed sessions expire too), by
/// default: 10 minutes. Then it is evicted and its token is unknown.
pub const DEFAULT_SESSION_RETENTION: Duration = Duration::from_secs(600);

/// The most sessions kept at once by default; past it the oldest is evicted first.
pub const DEFAULT_MAX_SESSIONS: usize = 100_000;

/// The most device records kept by default: each device a completed link created is one,
/// each bulk addition one (however many devices it holds). Past it the oldest goes first.
pub const DEFAULT_MAX_DEVICES: usize = 100_000;

/// How many answered requests the log keeps by default (a ring: the oldest goes first).
pub const DEFAULT_REQUEST_LOG_CAPACITY: usize = 1_000;

/// How long a connection may take to send a request's headers, and how long a
/// keep-alive connection may sit idle before its next request, by default: 5 seconds.
pub const DEFAULT_HEADER_TIMEOUT: Duration = Duration::from_secs(5);

/// The longest request target (path and query) accepted, in bytes; longer ones get
/// a 400 with the version's error body.
pub const MAX_URI_BYTES: usize = 2048;

/// How long a request's body may take to arrive in full, by default: 10 seconds (from
/// the end of its headers). Slower, or slower than [`MIN_BODY_RATE`], is answered 408
/// and the connection closed.
pub const DEFAULT_BODY_TIMEOUT: Duration = Duration::from_secs(10);

/// The slowest a body may arrive, in bytes per second on average, once
/// [`BODY_GRACE`] has passed: a client that trickles (or sends nothing after its headers)
/// is answered 408 and closed then, not at [`DEFAULT_BODY_TIMEOUT`].
pub const MIN_BODY_RATE: u64 = 1024;

/// How long a body may take to start before [`MIN_BODY_RATE`] applies: 2 seconds.
pub const BODY_GRACE: Duration = Duration::from_secs(2);

/// The most text the sessions may hold together, by default (their tokens, user ids,
/// redirect URLs, device ids and callback URLs): 16 MiB; past it the oldest go first.
/// The NOX users may hold half as much (their ids and device ids).
pub const DEFAULT_MAX_SESSION_BYTES: usize = 16 * 1024 * 1024;

/// The most text the device records may hold together, by default (each one's device id
/// or prefix, user id and brand): 8 MiB; past it the oldest go first.
pub const DEFAULT_MAX_DEVICE_BYTES: usize = 8 * 1024 * 1024;

/// The most bytes the request log may hold, by default (paths and the JSON bodies
/// kept): 16 MiB; past it the oldest requests go first.
pub const DEFAULT_REQUEST_LOG_BYTES: usize = 16 * 1024 * 1024;

/// The longest `user_id` (`manufacturer_user_id`, v1's `{userId}`) the API accepts, in
/// bytes: NOX states no limit; an id of a user's account is far shorter. 400 above it.
pub const MAX_USER_ID_BYTES: usize = 256;

/// The longest `redirect_url` (v1: `redirect_uri`) the API accepts, in bytes: the
/// length browsers and proxies reliably carry. 400 above it.
pub const MAX_REDIRECT_URL_BYTES: usize = 2048;

/// The most device ids one request or one completion may name (v1 `device_ids`, the
/// control API's and the UI's completion).
pub const MAX_DEVICE_IDS: usize = 32;

/// The longest device id, in bytes (as a bulk addition's texts); a completion's ids
/// may not hold control characters either.
pub const MAX_DEVICE_ID_BYTES: usize = 256;

/// How to start a [`MockServer`](crate::MockServer): the defaults, changed with the chainable setters.
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
    /// How many answered requests [`MockServer::requests`](crate::MockServer::requests) keeps; default
    /// [`DEFAULT_REQUEST_LOG_CAPACITY`].
    pub request_log_capacity: usize,
    /// Time to send a request's headers, and the longest idle time of a keep-alive
    /// connection; default [`DEFAULT_HEADER_TIMEOUT`].
    pub header_timeout: Duration,
    /// The base URL put into `link_url`s, when it is not the address listened on (a
    /// mock behind a proxy, or listening on `0.0.0.0`); default `http://<addr>`, with a
    /// wildcard address replaced by `127.0.0.1`.
    pub public_url: Option<String>,
    /// Which id the Package API's `user_id` carries; default
    /// [`PackageUserId::SupplierUserId`] (NOX does not say: open question Q1).
    pub package_user_id: PackageUserId,
    /// How long after a link completes its devices appear on the Package API (as NOX may
    /// lag); default none. At most [`MAX_DEVICE_DELAY`](crate::MAX_DEVICE_DELAY).
    pub device_visibility_delay: Duration,
    /// The most device records kept; default [`DEFAULT_MAX_DEVICES`].
    pub max_devices: usize,
    /// A token every request of the control API (`/_mock…`) must carry
    /// (`x-mock-control-token: <token>`, or `?control_token=` to open the inspector page);
    /// default none: the control API is open to whoever reaches the mock, which on
    /// 127.0.0.1 is this machine. Set one when the mock listens on another address.
    pub control_token: Option<String>,
    /// How long a request's body may take in full; default [`DEFAULT_BODY_TIMEOUT`].
    pub body_timeout: Duration,
    /// The most text the sessions may hold (the NOX users half as much); default
    /// [`DEFAULT_MAX_SESSION_BYTES`].
    pub max_session_bytes: usize,
    /// The most text the device records may hold; default [`DEFAULT_MAX_DEVICE_BYTES`].
    pub max_device_bytes: usize,
    /// The most bytes the request log may hold; default [`DEFAULT_REQUEST_LOG_BYTES`].
    pub request_log_bytes: usize,
    /// The supplier's OAuth login page, where NOX's app sends a user who picks the
    /// supplier (the NOX-initiated link); default none (`/app` then says so). An http(s)
    /// URL; NOX's redirect URL for it is [`MockServer::nox_return_url`](crate::MockServer::nox_return_url).
    pub supplier_login_url: Option<String>,
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
            package_user_id: PackageUserId::default(),
            device_visibility_delay: Duration::ZERO,
            max_devices: DEFAULT_MAX_DEVICES,
            control_token: None,
            body_timeout: DEFAULT_BODY_TIMEOUT,
            max_session_bytes: DEFAULT_MAX_SESSION_BYTES,
            max_device_bytes: DEFAULT_MAX_DEVICE_BYTES,
            request_log_bytes: DEFAULT_REQUEST_LOG_BYTES,
            supplier_login_url: None,
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

    /// Read the time from `clock` (a [`ManualClock`](crate::ManualClock) to test expiry).
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

    /// The supplier's OAuth login page for the NOX-initiated link.
    pub fn supplier_login_url(mut self, url: impl Into<String>) -> Self {
        self.supplier_login_url = Some(url.into());
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

    /// Which id the Package API's `user_id` carries.
    ///
    /// ```
    /// use nox_mock::{MockConfig, PackageUserId};
    /// let config = MockConfig::default().package_user_id(PackageUserId::NoxUserId);
    /// assert_eq!(config.package_user_id, PackageUserId::NoxUserId);
    /// ```
    pub fn package_user_id(mut self, which: PackageUserId) -> Self {
        self.package_user_id = which;
        self
    }

    /// List a link's devices only this long after it completes (by the mock's clock).
    pub fn device_visibility_delay(mut self, delay: Duration) -> Self {
        self.device_visibility_delay = delay;
        self
    }

    /// Keep at most this many device records.
    pub fn max_devices(mut self, n: usize) -> Self {
        self.max_devices = n;
        self
    }

    /// Require this token on every control request (see [`MockConfig::control_token`]).
    ///
    /// ```
    /// let config = nox_mock::MockConfig::default().control_token("a-long-random-team-token");
    /// assert!(config.control_token.is_some());
    /// ```
    pub fn control_token(mut self, token: impl Into<String>) -> Self {
        self.control_token = Some(token.into());
        self
    }

    /// How long a request's body may take in full.
    pub fn body_timeout(mut self, timeout: Duration) -> Self {
        self.body_timeout = timeout;
        self
    }

    /// Keep at most this much text in sessions (and half as much in NOX users).
    pub fn max_session_bytes(mut self, bytes: usize) -> Self {
        self.max_session_bytes = bytes;
        self
    }

    /// Keep at most this much text in device records.
    pub fn max_device_bytes(mut self, bytes: usize) -> Self {
        self.max_device_bytes = bytes;
        self
    }

    /// Keep at most this many bytes in the request log.
    pub fn request_log_bytes(mut self, bytes: usize) -> Self {
        self.request_log_bytes = bytes;
        self
    }
}
