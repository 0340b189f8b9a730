//! Time, one place for it: Unix seconds ↔ [`SystemTime`] (checked: no panic at any
//! value), the serde helper that stores a `SystemTime` as Unix seconds, and
//! [`SessionTimes`], the three timestamps every link session has.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde::{Deserialize, Serialize};

/// Unix seconds → `SystemTime`; `None` past what the platform's clock can hold.
///
/// ```
/// use std::time::{Duration, UNIX_EPOCH};
/// assert_eq!(nox_auth::time::from_unix_secs(60), Some(UNIX_EPOCH + Duration::from_secs(60)));
/// assert_eq!(nox_auth::time::from_unix_secs(u64::MAX), None);
/// ```
pub fn from_unix_secs(secs: u64) -> Option<SystemTime> {
    UNIX_EPOCH.checked_add(Duration::from_secs(secs))
}

/// `SystemTime` → Unix seconds (whole seconds); `None` before 1970.
pub fn to_unix_secs(t: SystemTime) -> Option<u64> {
    t.duration_since(UNIX_EPOCH).ok().map(|d| d.as_secs())
}

/// serde: a `SystemTime` as Unix seconds (`#[serde(with = "nox_auth::time::unix_seconds")]`);
/// `unix_seconds::option` for an `Option<SystemTime>`. A negative value or one past what
/// the clock can hold is an error, not a panic.
pub mod unix_seconds {
    use std::time::SystemTime;

    use serde::{Deserialize, Deserializer, Serializer, de::Error as _};

    /// Writes Unix seconds; a time before 1970 is an error.
    pub fn serialize<S: Serializer>(t: &SystemTime, s: S) -> Result<S::Ok, S::Error> {
        let secs =
            super::to_unix_secs(*t).ok_or_else(|| serde::ser::Error::custom("time before 1970"))?;
        s.serialize_u64(secs)
    }

    /// Reads Unix seconds.
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<SystemTime, D::Error> {
        let secs = i64::deserialize(d)?;
        u64::try_from(secs)
            .ok()
            .and_then(super::from_unix_secs)
            .ok_or_else(|| D::Error::custom(format!("not a valid Unix timestamp: {secs}")))
    }

    /// The same for an `Option<SystemTime>` (`null` is `None`).
    pub mod option {
        use super::*;

        /// Writes Unix seconds or `null`.
        pub fn serialize<S: Serializer>(t: &Option<SystemTime>, s: S) -> Result<S::Ok, S::Error> {
            match t {
                Some(t) => super::serialize(t, s),
                None => s.serialize_none(),
            }
        }

        /// Reads Unix seconds or `null`.
        pub fn deserialize<'de, D: Deserializer<'de>>(
            d: D,
        ) -> Result<Option<SystemTime>, D::Error> {
            #[derive(Deserialize)]
            struct Wrap(#[serde(with = "super")] SystemTime);
            Ok(Option::<Wrap>::deserialize(d)?.map(|w| w.0))
        }
    }
}

/// When a link session was created, when it expires, and when it was completed: the
/// same for supplier and manufacturer sessions. Serialized as three Unix-second fields.
///
/// ```
/// use std::time::{Duration, UNIX_EPOCH};
/// use nox_auth::time::SessionTimes;
///
/// let created = UNIX_EPOCH + Duration::from_secs(1_703_123_456);
/// let times = SessionTimes::new(created, created + Duration::from_secs(600));
/// assert!(!times.is_expired(created));
/// assert_eq!(times.remaining(created + Duration::from_secs(60)), Duration::from_secs(540));
/// assert!(times.is_expired(created + Duration::from_secs(600)));
/// assert_eq!(times.lifetime(), Duration::from_secs(600));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[non_exhaustive]
pub struct SessionTimes {
    /// When the session was created.
    #[serde(with = "unix_seconds")]
    #[cfg_attr(feature = "schemars", schemars(with = "i64"))]
    pub created_at: SystemTime,
    /// When it expires (NOX: 10 minutes after creation).
    #[serde(with = "unix_seconds")]
    #[cfg_attr(feature = "schemars", schemars(with = "i64"))]
    pub expires_at: SystemTime,
    /// When it was completed; `None` on creation.
    #[serde(with = "unix_seconds::option")]
    #[cfg_attr(feature = "schemars", schemars(with = "Option<i64>"))]
    pub completed_at: Option<SystemTime>,
}

impl SessionTimes {
    /// A session created at `created_at`, expiring at `expires_at`, not completed.
    pub fn new(created_at: SystemTime, expires_at: SystemTime) -> Self {
        SessionTimes {
            created_at,
            expires_at,
            completed_at: None,
        }
    }

    /// Whether the session has expired at `now` (expiry time included).
    pub fn is_expired(&self, now: SystemTime) -> bool {
        now >= self.expires_at
    }

    /// Time left at `now`; zero once expired.
    pub fn remaining(&self, now: SystemTime) -> Duration {
        self.expires_at
            .duration_since(now)
            .unwrap_or(Duration::ZERO)
    }

    /// The session's lifetime as NOX set it (`expires_at - created_at`).
    pub fn lifetime(&self) -> Duration {
        self.expires_at
            .duration_since(self.created_at)
            .unwrap_or(Duration::ZERO)
    }
}
