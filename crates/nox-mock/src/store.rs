//! The mock's state: link sessions, NOX users, and the log of requests it answered.
//! Pure logic, no HTTP: the handlers and [`crate::MockServer`] both call it.

use std::collections::{HashMap, VecDeque};
use std::fmt;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use nox_auth::{AssetType, Brand, Language};
use serde::Serialize;

/// Where the mock reads the time from. Inject a [`ManualClock`] to test expiry.
pub trait Clock: Send + Sync + fmt::Debug {
    /// The current time.
    fn now(&self) -> SystemTime;
}

/// The system clock.
#[derive(Debug, Default, Clone, Copy)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> SystemTime {
        SystemTime::now()
    }
}

/// A clock that only moves when told to.
///
/// ```
/// use std::time::Duration;
/// use nox_mock::{Clock, ManualClock};
/// let clock = ManualClock::at_unix(1_703_123_456);
/// clock.advance(Duration::from_secs(601));
/// assert_eq!(clock.now(), std::time::UNIX_EPOCH + Duration::from_secs(1_703_124_057));
/// ```
#[derive(Debug, Clone)]
pub struct ManualClock(Arc<Mutex<SystemTime>>);

impl ManualClock {
    /// A clock standing at `secs` Unix seconds.
    pub fn at_unix(secs: u64) -> Self {
        Self(Arc::new(Mutex::new(UNIX_EPOCH + Duration::from_secs(secs))))
    }

    /// Moves the clock forward.
    pub fn advance(&self, by: Duration) {
        let mut t = self.0.lock().unwrap_or_else(|e| e.into_inner());
        *t += by;
    }
}

impl Clock for ManualClock {
    fn now(&self) -> SystemTime {
        *self.0.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// Unix seconds of the mock's clock (0 for a clock before 1970).
pub(crate) fn unix(t: SystemTime) -> u64 {
    nox_auth::time::to_unix_secs(t).unwrap_or(0)
}

/// Who created a link session, and for what.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum SessionKind {
    /// v2 `POST /v2/supplier/link-sessions`.
    Supplier {
        /// Heat pump or PV.
        asset_type: AssetType,
        /// The pre-selected brand.
        brand: Option<Brand>,
    },
    /// v2 `POST /v2/manufacturer/link-sessions`.
    Manufacturer,
    /// v1 `POST /users/{userId}/link`.
    V1Supplier {
        /// The pre-selected brand.
        brand: Option<Brand>,
    },
    /// v1 `POST /manufacturers/suppliers`.
    V1Manufacturer,
}

/// A link session as the mock holds it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Session {
    /// The unguessable token.
    pub token: String,
    /// Supplier or manufacturer, v1 or v2.
    #[serde(flatten)]
    pub kind: SessionKind,
    /// The caller's user id (supplier or manufacturer user id).
    pub user_id: String,
    /// The UI language.
    pub language: Language,
    /// Where the user is sent back to.
    pub redirect_url: String,
    /// Unix seconds.
    pub created_at: u64,
    /// Unix seconds.
    pub expires_at: u64,
    /// Unix seconds, once completed.
    pub completed_at: Option<u64>,
    /// The device ids the completion connected.
    pub device_ids: Vec<String>,
    /// Where the completion sent the user (the redirect URL with the callback), once
    /// completed.
    pub callback_url: Option<String>,
}

impl Session {
    /// The asset type of a v2 supplier session (v1 supplier sessions are heat pumps).
    pub fn asset_type(&self) -> Option<AssetType> {
        match &self.kind {
            SessionKind::Supplier { asset_type, .. } => Some(*asset_type),
            SessionKind::V1Supplier { .. } => Some(AssetType::Hp),
            _ => None,
        }
    }

    /// `pending`, `completed` or `expired` at `now` (Unix seconds).
    pub fn state(&self, now: u64) -> &'static str {
        if self.completed_at.is_some() {
            "completed"
        } else if now >= self.expires_at {
            "expired"
        } else {
            "pending"
        }
    }

    /// The pre-selected brand, if any.
    pub fn brand(&self) -> Option<Brand> {
        match &self.kind {
            SessionKind::Supplier { brand, .. } | SessionKind::V1Supplier { brand } => *brand,
            _ => None,
        }
    }
}

/// One request the mock answered. Never holds the API key.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RecordedRequest {
    /// HTTP method.
    pub method: String,
    /// Path without the query.
    pub path: String,
    /// The status answered.
    pub status: u16,
    /// The JSON body answered, if any (kept for conformance checks).
    pub response: Option<serde_json::Value>,
}

/// Why a link session could not be completed.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum CompleteError {
    /// No session has this token.
    UnknownToken,
    /// The session expired before completion.
    Expired,
    /// The session was completed already.
    AlreadyCompleted,
    /// The brand is not valid for the session (asset type or pre-selection).
    InvalidBrand(String),
    /// No device id given.
    NoDevices,
    /// The session's redirect URL cannot carry the callback.
    RedirectUrl(String),
}

impl fmt::Display for CompleteError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CompleteError::UnknownToken => f.write_str("unknown link token"),
            CompleteError::Expired => f.write_str("the link session has expired"),
            CompleteError::AlreadyCompleted => {
                f.write_str("the link session was already completed")
            }
            CompleteError::InvalidBrand(why) => write!(f, "invalid brand: {why}"),
            CompleteError::NoDevices => f.write_str("at least one device id is needed"),
            CompleteError::RedirectUrl(why) => {
                write!(f, "the redirect URL cannot carry the callback: {why}")
            }
        }
    }
}

impl std::error::Error for CompleteError {}

/// A NOX subscriber the mock knows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct NoxUser {
    /// NOX's id.
    pub nox_user_id: String,
    /// The devices linked now (a re-link replaces them).
    pub device_ids: Vec<String>,
}

#[derive(Debug, Default)]
struct Inner {
    sessions: HashMap<String, Session>,
    /// Session creation order: listing, and eviction from the front.
    order: VecDeque<String>,
    /// caller user id → NOX user.
    users: HashMap<String, NoxUser>,
    /// User creation order, for eviction past the cap.
    user_order: VecDeque<String>,
    /// The most recent answers, oldest first (a ring of `request_log_capacity`).
    requests: VecDeque<RecordedRequest>,
}

/// What bounds the store's memory.
#[derive(Debug, Clone)]
pub(crate) struct Limits {
    /// A session's lifetime.
    pub session_ttl: Duration,
    /// How long a session is kept after it expires.
    pub retention: Duration,
    /// The most sessions (and NOX users) kept; the oldest go first.
    pub max_sessions: usize,
    /// The most answered requests kept.
    pub request_log_capacity: usize,
}

/// The store shared by all handlers.
#[derive(Debug)]
pub(crate) struct Store {
    inner: Mutex<Inner>,
    pub(crate) clock: Arc<dyn Clock>,
    pub(crate) limits: Limits,
}

/// The longest path the request log keeps, in bytes (longer ones are cut).
pub(crate) const MAX_LOGGED_PATH: usize = 256;

/// At most `limit` bytes of `s`, cut at a character boundary, `…` appended when cut.
pub(crate) fn truncated(s: &str, limit: usize) -> String {
    if s.len() <= limit {
        return s.to_owned();
    }
    let mut end = limit;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}…", &s[..end])
}

/// The `?data=` value NOX sends: compact JSON of the five callback fields, base64url
/// without padding. Written here with serde_json and base64 on purpose, not with
/// `nox_auth`'s encoder, so that tests against the mock check the SDK's decoder against
/// an independent encoder.
pub(crate) fn callback_data(
    nox_user_id: &str,
    supplier_user_id: &str,
    brand: &str,
    device_ids: &[String],
    connected_at: u64,
) -> String {
    use base64::Engine as _;
    let json = serde_json::json!({
        "nox_user_id": nox_user_id,
        "supplier_user_id": supplier_user_id,
        "brand": brand,
        "device_ids": device_ids,
        "connected_at": connected_at,
    });
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(json.to_string())
}

/// Sets one query parameter, replacing any earlier ones of that name and keeping the rest.
fn set_query_param(url: &mut url::Url, name: &str, value: &str) {
    let kept: Vec<(String, String)> = url
        .query_pairs()
        .filter(|(k, _)| k != name)
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect();
    let mut pairs = url.query_pairs_mut();
    pairs.clear();
    for (k, v) in &kept {
        pairs.append_pair(k, v);
    }
    pairs.append_pair(name, value);
}

/// A random, unguessable token: `bytes` bytes from the OS, as lowercase hex (twice as
/// many characters).
pub(crate) fn random_token(bytes: usize) -> String {
    let mut buf = vec![0u8; bytes];
    getrandom::fill(&mut buf).expect("the OS random source is available");
    buf.iter().map(|b| format!("{b:02x}")).collect()
}

impl Store {
    pub(crate) fn new(clock: Arc<dyn Clock>, limits: Limits) -> Self {
        Self {
            inner: Mutex::new(Inner::default()),
            clock,
            limits,
        }
    }

    fn lock(&self) -> MutexGuard<'_, Inner> {
        // A panicking handler must not take the whole mock down with it.
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }

    pub(crate) fn now(&self) -> u64 {
        unix(self.clock.now())
    }

    /// Creates and stores a new session.
    pub(crate) fn create_session(
        &self,
        kind: SessionKind,
        user_id: String,
        language: Language,
        redirect_url: String,
    ) -> Session {
        let now = self.now();
        let session = Session {
            token: random_token(24),
            kind,
            user_id,
            language,
            redirect_url,
            created_at: now,
            expires_at: now.saturating_add(self.limits.session_ttl.as_secs()),
            completed_at: None,
            device_ids: Vec::new(),
            callback_url: None,
        };
        let mut inner = self.lock();
        self.evict(&mut inner, now);
        inner.order.push_back(session.token.clone());
        inner
            .sessions
            .insert(session.token.clone(), session.clone());
        session
    }

    /// Drops, from the oldest, the sessions kept `retention` past their expiry, and
    /// the oldest ones beyond `max_sessions - 1` (room for the one being added).
    /// Sessions are created in expiry order (one TTL), so the front is always the first
    /// to go; a session expired early by [`Store::expire`] waits for its turn.
    fn evict(&self, inner: &mut Inner, now: u64) {
        let retention = self.limits.retention.as_secs();
        while let Some(token) = inner.order.front() {
            let stale = inner
                .sessions
                .get(token)
                .is_none_or(|s| s.expires_at.saturating_add(retention) <= now);
            if !stale && inner.order.len() < self.limits.max_sessions {
                break;
            }
            if let Some(token) = inner.order.pop_front() {
                inner.sessions.remove(&token);
            }
        }
    }

    pub(crate) fn session(&self, token: &str) -> Option<Session> {
        self.lock().sessions.get(token).cloned()
    }

    pub(crate) fn sessions(&self) -> Vec<Session> {
        let inner = self.lock();
        inner
            .order
            .iter()
            .filter_map(|t| inner.sessions.get(t).cloned())
            .collect()
    }

    /// The NOX user for a caller's user id, created on first sight. Re-linking with the
    /// same user id keeps the NOX id and replaces the devices (NOX's documented rule).
    pub(crate) fn upsert_user(&self, user_id: &str, device_ids: &[String]) -> NoxUser {
        let mut inner = self.lock();
        if !inner.users.contains_key(user_id) {
            while inner.user_order.len() >= self.limits.max_sessions {
                if let Some(oldest) = inner.user_order.pop_front() {
                    inner.users.remove(&oldest);
                }
            }
            inner.user_order.push_back(user_id.to_owned());
        }
        let user = inner
            .users
            .entry(user_id.to_owned())
            .or_insert_with(|| NoxUser {
                nox_user_id: format!("nox-{}", random_token(8)),
                device_ids: Vec::new(),
            });
        if !device_ids.is_empty() {
            user.device_ids = device_ids.to_vec();
        }
        user.clone()
    }

    pub(crate) fn user(&self, user_id: &str) -> Option<NoxUser> {
        self.lock().users.get(user_id).cloned()
    }

    /// Completes a session: checks it is usable and the brand fits, marks it completed
    /// (exactly once, under the lock), links the user, and returns the redirect URL.
    pub(crate) fn complete(
        &self,
        token: &str,
        brand: &str,
        device_ids: Vec<String>,
    ) -> Result<String, CompleteError> {
        if device_ids.iter().all(|d| d.trim().is_empty()) {
            return Err(CompleteError::NoDevices);
        }
        let now = self.now();
        let mut inner = self.lock();
        let session = inner
            .sessions
            .get_mut(token)
            .ok_or(CompleteError::UnknownToken)?;
        if session.completed_at.is_some() {
            return Err(CompleteError::AlreadyCompleted);
        }
        if now >= session.expires_at {
            return Err(CompleteError::Expired);
        }
        let brand_text = match session.asset_type() {
            Some(asset_type) => {
                let parsed: Brand = brand.parse().map_err(|e: nox_auth::ValidationError| {
                    CompleteError::InvalidBrand(e.to_string())
                })?;
                if let Some(pre) = session.brand()
                    && pre != parsed
                {
                    return Err(CompleteError::InvalidBrand(format!(
                        "the session pre-selected `{pre}`, not `{parsed}`"
                    )));
                }
                parsed
                    .check_asset_type(asset_type)
                    .map_err(|e| CompleteError::InvalidBrand(e.to_string()))?;
                parsed.slug().to_owned()
            }
            // Manufacturer sessions: the brand is the manufacturer's, lowercase.
            None => brand.trim().to_lowercase(),
        };
        session.completed_at = Some(now);
        session.device_ids = device_ids.clone();
        let session = session.clone();
        drop(inner);

        let user = self.upsert_user(&session.user_id, &device_ids);
        let mut url = url::Url::parse(&session.redirect_url)
            .map_err(|e| CompleteError::RedirectUrl(e.to_string()))?;
        match session.kind {
            SessionKind::V1Supplier { .. } | SessionKind::V1Manufacturer => {
                // v1: plain query parameters (see nox_auth::callback::decode_v1).
                url.query_pairs_mut()
                    .append_pair("nox_user_id", &user.nox_user_id)
                    .append_pair("supplier_user_id", &session.user_id)
                    .append_pair("manufacturer", &brand_text)
                    .append_pair("connection_status", "connected")
                    .append_pair("connected_at", &now.to_string());
            }
            _ => {
                let data = callback_data(
                    &user.nox_user_id,
                    &session.user_id,
                    &brand_text,
                    &device_ids,
                    now,
                );
                set_query_param(&mut url, "data", &data);
            }
        }
        let callback: String = url.into();
        if let Some(s) = self.lock().sessions.get_mut(token) {
            s.callback_url = Some(callback.clone());
        }
        Ok(callback)
    }

    /// Marks a session expired now (it stays listed until evicted). `false` for an
    /// unknown token.
    pub(crate) fn expire(&self, token: &str) -> bool {
        let now = self.now();
        match self.lock().sessions.get_mut(token) {
            Some(s) => {
                s.expires_at = s.expires_at.min(now);
                true
            }
            None => false,
        }
    }

    /// Forgets every session, NOX user and logged request.
    pub(crate) fn reset(&self) {
        *self.lock() = Inner::default();
    }

    pub(crate) fn record(&self, request: RecordedRequest) {
        let capacity = self.limits.request_log_capacity;
        if capacity == 0 {
            return;
        }
        let mut inner = self.lock();
        while inner.requests.len() >= capacity {
            inner.requests.pop_front();
        }
        inner.requests.push_back(request);
    }

    pub(crate) fn requests(&self) -> Vec<RecordedRequest> {
        self.lock().requests.iter().cloned().collect()
    }
}
