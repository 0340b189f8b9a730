//! Comparing secrets (an API key, a state nonce, a CSRF token) without telling an
//! attacker, through the time it takes, how much of a guess was right.

/// Whether `a` and `b` are equal, in a time that depends on their lengths only.
///
/// ```
/// use nox_auth_runtime::secret::constant_time_eq;
/// assert!(constant_time_eq(b"abc", b"abc"));
/// assert!(!constant_time_eq(b"abc", b"abd"));
/// assert!(!constant_time_eq(b"abc", b"ab"));
/// ```
pub fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}
