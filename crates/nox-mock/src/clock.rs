//! The mock's clock: the system's, or a [`ManualClock`] a test moves by hand.

use std::fmt;
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

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
