//! The mock's state: link sessions, NOX users, the devices their links created, and the
//! log of requests it answered. Pure logic, no HTTP: the handlers and
//! [`crate::MockServer`] both call it.

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use nox_auth::{AssetType, Brand, Language};

use crate::callback::{callback_data, set_query_param};
use crate::clock::{Clock, unix};
use crate::config::{MAX_DEVICE_ID_BYTES, MAX_DEVICE_IDS};
use crate::device::DeviceKind;
use crate::device_json::pv_brand;
use crate::device_store::{DeviceSettings, DeviceStore};
use crate::page::{Page, PageWriter};
use crate::request_log::RequestLog;
use crate::session::{CompleteError, NoxUser, Session, SessionKind};

#[derive(Debug, Default)]
struct Inner {
    sessions: HashMap<String, Session>,
    /// Session creation order (with each one's number: the listing's cursor), for
    /// listing, and eviction from the front.
    order: VecDeque<(u64, String)>,
    next_seq: u64,
    /// The text the sessions hold (see [`session_bytes`]).
    session_bytes: usize,
    /// caller user id → NOX user.
    users: HashMap<String, NoxUser>,
    /// User creation order, for eviction past the cap.
    user_order: VecDeque<String>,
    /// The text the NOX users hold (see [`user_bytes`]).
    user_bytes: usize,
}

/// The text a session holds: what [`Limits::max_session_bytes`] counts.
fn session_bytes(s: &Session) -> usize {
    s.token.len()
        + s.user_id.len()
        + s.redirect_url.len()
        + s.device_ids.iter().map(String::len).sum::<usize>()
        + s.callback_url.as_ref().map_or(0, String::len)
}

/// The text a NOX user holds, with its key.
fn user_bytes(user_id: &str, u: &NoxUser) -> usize {
    user_id.len() + u.nox_user_id.len() + u.device_ids.iter().map(String::len).sum::<usize>()
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
    /// The most text the sessions hold (the NOX users: half as much).
    pub max_session_bytes: usize,
}

/// The store shared by all handlers.
#[derive(Debug)]
pub(crate) struct Store {
    inner: Mutex<Inner>,
    pub(crate) clock: Arc<dyn Clock>,
    pub(crate) limits: Limits,
    /// The Package API's devices (their own lock).
    pub(crate) devices: DeviceStore,
    /// The answered requests (their own lock).
    pub(crate) log: RequestLog,
}

/// A random, unguessable token: `bytes` bytes from the OS, as lowercase hex (twice as
/// many characters).
pub(crate) fn random_token(bytes: usize) -> String {
    let mut buf = vec![0u8; bytes];
    getrandom::fill(&mut buf).expect("the OS random source is available");
    buf.iter().map(|b| format!("{b:02x}")).collect()
}

impl Store {
    pub(crate) fn new(
        clock: Arc<dyn Clock>,
        limits: Limits,
        devices: DeviceSettings,
        log: RequestLog,
    ) -> Self {
        Self {
            inner: Mutex::new(Inner::default()),
            clock,
            limits,
            devices: DeviceStore::new(devices),
            log,
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
        let size = session_bytes(&session);
        let mut inner = self.lock();
        self.evict(&mut inner, now, size, 1);
        let seq = inner.next_seq;
        inner.next_seq += 1;
        inner.order.push_back((seq, session.token.clone()));
        inner.session_bytes += size;
        inner
            .sessions
            .insert(session.token.clone(), session.clone());
        session
    }

    /// Drops, from the oldest, the sessions kept `retention` past their expiry, and
    /// the oldest ones beyond `max_sessions - count` or `max_session_bytes - bytes` (room
    /// for the one being added). Sessions are created in expiry order (one TTL), so the
    /// front is always the first to go; a session expired early by [`Store::expire`]
    /// waits for its turn.
    fn evict(&self, inner: &mut Inner, now: u64, bytes: usize, count: usize) {
        let retention = self.limits.retention.as_secs();
        let max_bytes = self.limits.max_session_bytes.saturating_sub(bytes);
        while let Some((_, token)) = inner.order.front() {
            let stale = inner
                .sessions
                .get(token)
                .is_none_or(|s| s.expires_at.saturating_add(retention) <= now);
            if !stale
                && inner.order.len() + count <= self.limits.max_sessions
                && inner.session_bytes <= max_bytes
            {
                break;
            }
            if let Some((_, token)) = inner.order.pop_front()
                && let Some(gone) = inner.sessions.remove(&token)
            {
                inner.session_bytes -= session_bytes(&gone);
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
            .filter_map(|(_, t)| inner.sessions.get(t).cloned())
            .collect()
    }

    /// The newest `n` sessions, newest first, and how many are kept: the inspector's rows.
    pub(crate) fn newest_sessions(&self, n: usize) -> (Vec<Session>, usize) {
        let inner = self.lock();
        let newest = inner
            .order
            .iter()
            .rev()
            .take(n)
            .filter_map(|(_, t)| inner.sessions.get(t).cloned())
            .collect();
        (newest, inner.order.len())
    }

    /// One page of `GET /_mock/sessions`, oldest first, from the session numbered `cursor`
    /// (or the oldest kept after it).
    pub(crate) fn sessions_page(&self, cursor: u64, limit: usize) -> Page {
        let now = self.now();
        let inner = self.lock();
        let start = inner.order.partition_point(|(seq, _)| *seq < cursor);
        let mut page = PageWriter::new(limit);
        for (seq, token) in inner.order.iter().skip(start) {
            if !page.has_room() {
                page.more_from(*seq);
                break;
            }
            let Some(s) = inner.sessions.get(token) else {
                continue;
            };
            let json = serde_json::to_vec(&s.control_json(now)).unwrap_or_default();
            if !page.push(*seq, &json) {
                break;
            }
        }
        page.finish(inner.order.len())
    }

    /// The NOX user for a caller's user id, created on first sight. Re-linking with the
    /// same user id keeps the NOX id and replaces the devices (NOX's documented rule).
    pub(crate) fn upsert_user(&self, user_id: &str, device_ids: &[String]) -> NoxUser {
        let mut guard = self.lock();
        let inner = &mut *guard;
        let before = inner
            .users
            .get(user_id)
            .map_or(0, |u| user_bytes(user_id, u));
        if before == 0 {
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
        let user = user.clone();
        inner.user_bytes = inner.user_bytes - before + user_bytes(user_id, &user);
        // Past the cap (count or text), the oldest others go first.
        while inner.user_order.len() > self.limits.max_sessions
            || (inner.user_bytes > self.limits.max_session_bytes / 2 && inner.user_order.len() > 1)
        {
            let Some(oldest) = inner.user_order.pop_front() else {
                break;
            };
            if oldest == user_id {
                inner.user_order.push_back(oldest);
                continue;
            }
            if let Some(gone) = inner.users.remove(&oldest) {
                inner.user_bytes -= user_bytes(&oldest, &gone);
            }
        }
        user
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
        check_device_ids(&device_ids)?;
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
            None if brand.trim().len() > MAX_DEVICE_ID_BYTES => {
                return Err(CompleteError::InvalidBrand(format!(
                    "a manufacturer's name is at most {MAX_DEVICE_ID_BYTES} bytes"
                )));
            }
            None => brand.trim().to_lowercase(),
        };
        let before = session_bytes(session);
        session.completed_at = Some(now);
        session.device_ids = device_ids.clone();
        let session = session.clone();
        inner.session_bytes = inner.session_bytes + session_bytes(&session) - before;
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
        let mut inner = self.lock();
        if let Some(s) = inner.sessions.get_mut(token) {
            s.callback_url = Some(callback.clone());
            inner.session_bytes += callback.len();
        }
        self.evict(&mut inner, now, 0, 0);
        drop(inner);
        self.link_devices(&session, &user, &brand_text, now);
        Ok(callback)
    }

    /// The Package API's devices of a completed link: heat pumps (brand the slug), PV
    /// inverters (brand in the vendor's casing) or manufacturer devices, under the
    /// `user_id` the configuration names.
    fn link_devices(&self, session: &Session, user: &NoxUser, brand: &str, now: u64) {
        let kind = match session.kind {
            SessionKind::Supplier {
                asset_type: AssetType::Pv,
                ..
            } => DeviceKind::Pv,
            SessionKind::Supplier { .. } | SessionKind::V1Supplier { .. } => DeviceKind::HeatPump,
            SessionKind::Manufacturer | SessionKind::V1Manufacturer => DeviceKind::Manufacturer,
        };
        let brand = match kind {
            DeviceKind::Pv => pv_brand(brand),
            _ => brand.to_owned(),
        };
        let owner = self
            .devices
            .settings
            .user_id
            .owner(&session.user_id, &user.nox_user_id);
        self.devices
            .link(kind, owner, &brand, &session.device_ids, now);
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

    /// Forgets every session, NOX user, device and logged request (the numbering of
    /// sessions goes on: an old cursor never points into new sessions).
    pub(crate) fn reset(&self) {
        let mut inner = self.lock();
        let next_seq = inner.next_seq;
        *inner = Inner {
            next_seq,
            ..Inner::default()
        };
        drop(inner);
        self.devices.reset();
        self.log.clear();
    }
}

/// The device ids of a completion: at most [`MAX_DEVICE_IDS`], each at most
/// [`MAX_DEVICE_ID_BYTES`] without control characters (so that the callback stays well
/// under what `nox_auth::callback` decodes).
fn check_device_ids(ids: &[String]) -> Result<(), CompleteError> {
    if ids.len() > MAX_DEVICE_IDS {
        return Err(CompleteError::InvalidDeviceIds(format!(
            "at most {MAX_DEVICE_IDS} device ids, not {}",
            ids.len()
        )));
    }
    if ids
        .iter()
        .any(|d| d.len() > MAX_DEVICE_ID_BYTES || d.chars().any(char::is_control))
    {
        return Err(CompleteError::InvalidDeviceIds(format!(
            "a device id is at most {MAX_DEVICE_ID_BYTES} bytes, without control characters"
        )));
    }
    Ok(())
}
