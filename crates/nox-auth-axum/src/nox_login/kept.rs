//! How the logins NOX started are kept in the session: pending, then as markers (answered,
//! or past the window) until a second window has passed, so that a reload or a repeated
//! post gets the same answer; and the per-session lock that makes taking one atomic.
//!
//! The lock is process-wide, keyed by the session id, held from the reload of the session
//! to its save (across NOX's call when there is one). Across several backend instances it
//! does not reach: the session store's own guarantees apply (most have none: the last
//! save wins), and NOX's single-use `state` is what keeps a login from being shared twice.
//! The session layer also saves the request's session once more after the handler,
//! outside the lock: an answer to *another* login of the same session in that gap can be
//! undone by it (NOX's single use again is the final guard).

use std::collections::HashMap;
use std::sync::{Arc, LazyLock, Mutex, Weak};
use std::time::{Duration, SystemTime};

use serde::{Deserialize, Serialize};
use tokio::sync::OwnedMutexGuard;
use tower_sessions::Session;
use tower_sessions::session::Id;

use super::answer::{BrowserStep, PendingNoxLogin};
use super::config::NoxLoginConfig;
use super::error::NoxLoginError;

/// The key under which the logins NOX started are kept in the session.
pub const PENDING_NOX_LOGIN_KEY: &str = "nox_auth.pending_nox_login";

/// How many logins NOX started one session keeps pending (NOX opened in several tabs);
/// a new one beyond drops the oldest, whose form is then refused.
pub const MAX_PENDING_NOX_LOGINS: usize = 4;

/// How many answered or expired logins one session remembers (each until twice the window
/// from its receipt), so that their reload or repeated post gets the same answer; the
/// oldest dropped beyond.
pub const MAX_NOX_LOGIN_MARKERS: usize = 8;

/// Where the browser was sent when a login was answered (kept to send it there again).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(super) enum Step {
    Redirect {
        url: String,
    },
    PostToNox {
        action: String,
        supplier_user_id: String,
    },
    /// NOX is being called (saved before the call, replaced once NOX answered): found
    /// later, the call was interrupted (the request cancelled, the server stopped, the
    /// last save failed) and its outcome is not known.
    InProgress,
}

impl Step {
    /// The browser step for `login` answered with this step, once more: `None` when
    /// its return URL is no longer configured (`config` changed since), or the outcome
    /// is not known ([`Step::InProgress`]).
    pub(super) fn browser(&self, login: &Stored, config: &NoxLoginConfig) -> Option<BrowserStep> {
        match self {
            Step::Redirect { url } if config.is_return_url(&login.return_url) => {
                Some(BrowserStep::Redirect { url: url.clone() })
            }
            Step::Redirect { .. } | Step::InProgress => None,
            Step::PostToNox {
                action,
                supplier_user_id,
            } => Some(BrowserStep::PostToNox {
                action: action.clone(),
                state: login.state.clone(),
                supplier_user_id: supplier_user_id.clone(),
            }),
        }
    }
}

/// One login as the session keeps it.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(super) struct Stored {
    pub(super) state: String,
    pub(super) csrf: String,
    /// When first received (Unix milliseconds, our clock).
    pub(super) received_at_ms: u64,
    /// The return URL NOX named (one of the configured ones, as configured).
    pub(super) return_url: String,
    /// Set once answered: where the browser went.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(super) answered: Option<Step>,
    /// Who answered (the user id the app gave): only they get the answer again.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(super) answered_by: Option<String>,
}

pub(super) fn unix_ms(t: SystemTime) -> u64 {
    t.duration_since(SystemTime::UNIX_EPOCH)
        .map_or(0, |d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
}

impl Stored {
    pub(super) fn age(&self, now: SystemTime) -> Duration {
        Duration::from_millis(unix_ms(now).saturating_sub(self.received_at_ms))
    }

    /// Not answered, and inside the window (which ends *at* `window`: NOX refuses at
    /// its 15:00 too).
    fn is_pending(&self, now: SystemTime, window: Duration) -> bool {
        self.answered.is_none() && self.age(now) < window
    }

    pub(super) fn public(&self, config: &NoxLoginConfig) -> PendingNoxLogin {
        let received_at = SystemTime::UNIX_EPOCH + Duration::from_millis(self.received_at_ms);
        PendingNoxLogin {
            state: self.state.clone(),
            received_at,
            expires_at: received_at + config.login_window(),
            terms_version: config.terms_version().to_owned(),
            csrf: self.csrf.clone(),
        }
    }
}

/// The per-session locks, by session id (an entry lives while someone holds its lock).
static LOCKS: LazyLock<Mutex<HashMap<Id, Weak<tokio::sync::Mutex<()>>>>> =
    LazyLock::new(Mutex::default);

async fn lock(id: Id) -> OwnedMutexGuard<()> {
    let mutex = {
        let mut locks = LOCKS.lock().unwrap_or_else(|e| e.into_inner());
        // The sessions answering right now: a short map.
        locks.retain(|_, lock| lock.strong_count() > 0);
        match locks.get(&id).and_then(Weak::upgrade) {
            Some(mutex) => mutex,
            None => {
                let mutex = Arc::new(tokio::sync::Mutex::new(()));
                locks.insert(id, Arc::downgrade(&mutex));
                mutex
            }
        }
    };
    mutex.lock_owned().await
}

/// The session's logins, read under the session's lock (held until this is dropped).
pub(super) struct Kept {
    pub(super) all: Vec<Stored>,
    _lock: Option<OwnedMutexGuard<()>>,
}

impl Kept {
    /// Takes the session's lock and reads its logins afresh from the store (another
    /// request may have changed them since this one loaded the session), unless this
    /// request changed the session already (its changes would be lost: they are kept,
    /// and the read is the request's own). A session without an id yet is this request's
    /// alone: no lock.
    pub(super) async fn take(session: &Session) -> Result<Kept, NoxLoginError> {
        let lock = match session.id() {
            Some(id) => Some(lock(id).await),
            None => None,
        };
        if lock.is_some() {
            if session.is_modified() {
                // The app's changes of this request would be lost by a reload (the session
                // gives no access to its store to read one value): the snapshot is used.
                tracing::debug!(
                    "NOX login: the session was modified earlier in this request; its \
                     logins are read from the request's snapshot, not reloaded under the lock"
                );
            } else {
                session.load().await?;
            }
        }
        // A value that no longer reads (another shape) counts as none.
        let all = session
            .get::<Vec<Stored>>(PENDING_NOX_LOGIN_KEY)
            .await
            .unwrap_or_default()
            .unwrap_or_default();
        Ok(Kept { all, _lock: lock })
    }

    pub(super) fn find(&self, state: &str) -> Option<&Stored> {
        self.all.iter().find(|p| p.state == state)
    }

    /// Records `state`'s answer, given by `user`.
    pub(super) fn answer(&mut self, state: &str, user: &str, step: Step) {
        if let Some(p) = self.all.iter_mut().find(|p| p.state == state) {
            p.answered = Some(step);
            p.answered_by = Some(user.to_owned());
        }
    }

    /// Drops what is past twice the window and the oldest beyond the bounds, and saves
    /// the session to the store (before the lock is released).
    pub(super) async fn save(
        &mut self,
        session: &Session,
        now: SystemTime,
        window: Duration,
    ) -> Result<(), NoxLoginError> {
        self.all.retain(|p| p.age(now) < window.saturating_mul(2));
        for (pending, max) in [
            (true, MAX_PENDING_NOX_LOGINS),
            (false, MAX_NOX_LOGIN_MARKERS),
        ] {
            let count = self
                .all
                .iter()
                .filter(|p| p.is_pending(now, window) == pending)
                .count();
            let mut excess = count.saturating_sub(max);
            self.all.retain(|p| {
                let drop = excess > 0 && p.is_pending(now, window) == pending;
                excess -= usize::from(drop);
                !drop
            });
        }
        if self.all.is_empty() {
            session.remove_value(PENDING_NOX_LOGIN_KEY).await?;
        } else {
            session.insert(PENDING_NOX_LOGIN_KEY, &self.all).await?;
        }
        session.save().await?;
        Ok(())
    }
}
