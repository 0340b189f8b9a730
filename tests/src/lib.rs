//! End-to-end tests live in `tests/`; this library holds what several of them share.

pub mod webdriver;

/// The workspace README's runnable blocks, as doc tests (the others are `ignore`).
#[cfg(doctest)]
#[doc = include_str!("../../README.md")]
pub struct ReadmeDoctests;

/// `found`, or `None` with a `SKIPPED` note when an outside part of a test (a browser, a
/// database server) is missing. Where `require_var` or `CI` is set (as `scripts/test.sh`
/// does), a missing part fails the test instead: `what` names it, the panic says so.
pub fn required_or_skip<T>(found: Option<T>, what: &str, require_var: &str) -> Option<T> {
    if found.is_none() {
        let required = std::env::var_os(require_var).is_some() || std::env::var_os("CI").is_some();
        assert!(
            !required,
            "{what} is missing; `bash scripts/test.sh` provides it ({require_var} is set)"
        );
        eprintln!("SKIPPED: {what} is missing (`bash scripts/test.sh` provides it)");
    }
    found
}
