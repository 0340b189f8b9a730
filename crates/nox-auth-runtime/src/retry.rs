//! When and how long to wait before trying a request again.

use std::time::{Duration, SystemTime};

use reqwest::StatusCode;
use reqwest::header::RETRY_AFTER;

/// Which failures are retried, how often, and how long to wait in between.
///
/// Retried: connection failures (the request never reached NOX) and the answers in
/// [`RetryPolicy::RETRYABLE_STATUSES`]: 408, 429, 502, 503 and 504, for an operation that
/// is safe to repeat ([`Operation::is_repeat_safe`](crate::Operation::is_repeat_safe): a link session, which expires if NOX
/// made it twice). An operation that creates a lasting record (a device connection) is
/// retried only where NOX cannot have acted: a connection failure, 429, or 503 with
/// `Retry-After`; a 502 or 504 may come after NOX did the work, so it is returned as is.
/// Not retried: timeouts after the request was sent and every other status.
///
/// The wait before retry `n` (0-based) is `initial_backoff × 2ⁿ`, capped at
/// `max_backoff`, with up to 50 % random jitter taken off; a `Retry-After` header
/// (seconds or an HTTP date) replaces it when present. A `Retry-After` longer
/// than `max_retry_after` is not waited for: the answer is returned as is.
///
/// ```
/// use std::time::Duration;
/// use nox_auth_runtime::RetryPolicy;
///
/// let policy = RetryPolicy::default()          // 2 retries
///     .max_retries(4)
///     .initial_backoff(Duration::from_millis(100));
/// assert_eq!(policy.max_retries, 4);
/// assert_eq!(RetryPolicy::none().max_retries, 0);
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct RetryPolicy {
    /// Retries after the first attempt (0 switches retries off). Default 2.
    pub max_retries: u32,
    /// Wait before the first retry. Default 200 ms.
    pub initial_backoff: Duration,
    /// Upper bound of the exponential wait. Default 5 s.
    pub max_backoff: Duration,
    /// The longest `Retry-After` that is honoured. Default 30 s.
    pub max_retry_after: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self {
            max_retries: 2,
            initial_backoff: Duration::from_millis(200),
            max_backoff: Duration::from_secs(5),
            max_retry_after: Duration::from_secs(30),
        }
    }
}

impl RetryPolicy {
    /// No retries at all.
    pub fn none() -> Self {
        Self {
            max_retries: 0,
            ..Self::default()
        }
    }

    /// Sets the number of retries after the first attempt.
    pub fn max_retries(mut self, n: u32) -> Self {
        self.max_retries = n;
        self
    }

    /// Sets the wait before the first retry.
    pub fn initial_backoff(mut self, d: Duration) -> Self {
        self.initial_backoff = d;
        self
    }

    /// Sets the upper bound of the exponential wait.
    pub fn max_backoff(mut self, d: Duration) -> Self {
        self.max_backoff = d;
        self
    }

    /// Sets the longest `Retry-After` that is honoured.
    pub fn max_retry_after(mut self, d: Duration) -> Self {
        self.max_retry_after = d;
        self
    }

    /// The statuses that are retried: the server did not act on the request (408: it
    /// gave up waiting for it; 429: rate limited) or a gateway could not reach it
    /// (502, 503, 504). The one list: the facade's `Error::is_retryable` reads it too.
    pub const RETRYABLE_STATUSES: [u16; 5] = [408, 429, 502, 503, 504];

    /// Whether an answer with this status is retried.
    pub fn is_retryable_status(status: StatusCode) -> bool {
        Self::RETRYABLE_STATUSES.contains(&status.as_u16())
    }

    /// Whether an answer with `status` (and `Retry-After` given or not) is retried for an
    /// operation that is, or is not, safe to repeat.
    pub fn is_retryable_for(status: StatusCode, retry_after: bool, repeat_safe: bool) -> bool {
        if repeat_safe {
            return Self::is_retryable_status(status);
        }
        // NOX cannot have acted: rate limited, or unavailable and saying when to come back.
        status == StatusCode::TOO_MANY_REQUESTS
            || (status == StatusCode::SERVICE_UNAVAILABLE && retry_after)
    }

    /// How long to wait before retrying after `result` of attempt `attempt`
    /// (0-based) of an operation that is (or is not) safe to repeat, or `None` when it is
    /// not retried.
    pub(crate) fn delay_for(
        &self,
        result: &reqwest::Result<reqwest::Response>,
        attempt: u32,
        repeat_safe: bool,
    ) -> Option<Duration> {
        if attempt >= self.max_retries {
            return None;
        }
        match result {
            Err(e) if e.is_connect() => Some(self.backoff(attempt)),
            Err(_) => None,
            Ok(resp) => {
                let wait = retry_after(resp.headers(), SystemTime::now());
                if !Self::is_retryable_for(resp.status(), wait.is_some(), repeat_safe) {
                    return None;
                }
                match wait {
                    Some(wait) if wait > self.max_retry_after => None,
                    Some(wait) => Some(wait),
                    None => Some(self.backoff(attempt)),
                }
            }
        }
    }

    /// Exponential backoff with "equal jitter": between half and all of the step.
    fn backoff(&self, attempt: u32) -> Duration {
        let step = self
            .initial_backoff
            .saturating_mul(2u32.saturating_pow(attempt))
            .min(self.max_backoff);
        let half = step / 2;
        half + half.mul_f64(fastrand::f64())
    }
}

/// Parses `Retry-After`: delay-seconds or an HTTP date (RFC 9110 §10.2.3), as the wait
/// from `now`. `None` when the header is absent or unreadable.
pub fn retry_after(headers: &reqwest::header::HeaderMap, now: SystemTime) -> Option<Duration> {
    let value = headers.get(RETRY_AFTER)?.to_str().ok()?.trim();
    if let Ok(secs) = value.parse::<u64>() {
        return Some(Duration::from_secs(secs));
    }
    let at = httpdate::parse_http_date(value).ok()?;
    Some(at.duration_since(now).unwrap_or(Duration::ZERO))
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::header::{HeaderMap, HeaderValue};

    fn headers(v: &str) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert(RETRY_AFTER, HeaderValue::from_str(v).unwrap());
        h
    }

    #[test]
    fn retry_after_seconds_and_dates() {
        let now = SystemTime::UNIX_EPOCH + Duration::from_secs(1_700_000_000);
        assert_eq!(
            retry_after(&headers("3"), now),
            Some(Duration::from_secs(3))
        );
        let later = httpdate::fmt_http_date(now + Duration::from_secs(7));
        assert_eq!(
            retry_after(&headers(&later), now),
            Some(Duration::from_secs(7))
        );
        let earlier = httpdate::fmt_http_date(now - Duration::from_secs(7));
        assert_eq!(retry_after(&headers(&earlier), now), Some(Duration::ZERO));
        assert_eq!(retry_after(&headers("soon"), now), None);
        assert_eq!(retry_after(&HeaderMap::new(), now), None);
    }

    #[test]
    fn backoff_grows_and_is_capped() {
        let p = RetryPolicy::default()
            .initial_backoff(Duration::from_millis(100))
            .max_backoff(Duration::from_millis(300));
        for _ in 0..50 {
            let b0 = p.backoff(0);
            assert!(b0 >= Duration::from_millis(50) && b0 <= Duration::from_millis(100));
            let b1 = p.backoff(1);
            assert!(b1 >= Duration::from_millis(100) && b1 <= Duration::from_millis(200));
            let b9 = p.backoff(9);
            assert!(b9 >= Duration::from_millis(150) && b9 <= Duration::from_millis(300));
        }
        assert!(
            p.backoff(u32::MAX) <= Duration::from_millis(300),
            "no overflow"
        );
    }

    #[test]
    fn operations_that_create_records_are_retried_only_where_nox_did_not_act() {
        let s = |n| StatusCode::from_u16(n).unwrap();
        for (status, after, safe, want) in [
            (502, false, true, true),
            (504, false, true, true),
            (502, false, false, false),
            (504, false, false, false),
            (408, false, false, false),
            (503, false, false, false),
            (503, true, false, true),
            (429, false, false, true),
            (500, true, false, false),
        ] {
            assert_eq!(
                RetryPolicy::is_retryable_for(s(status), after, safe),
                want,
                "{status} retry-after={after} repeat-safe={safe}"
            );
        }
    }

    #[test]
    fn retryable_statuses() {
        for s in [408, 429, 502, 503, 504] {
            assert!(RetryPolicy::is_retryable_status(
                StatusCode::from_u16(s).unwrap()
            ));
        }
        for s in [200, 201, 301, 400, 401, 403, 404, 500, 501] {
            assert!(!RetryPolicy::is_retryable_status(
                StatusCode::from_u16(s).unwrap()
            ));
        }
    }
}
