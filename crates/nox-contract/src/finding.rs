//! What the validator reports: a [`Finding`], its [`FindingKind`], and how an observed
//! value is shown in it.

use std::fmt;

use serde::Serialize;
use serde_json::Value;

// The list of kinds is its own file, which depends on nothing of this crate: `xtask` compiles
// it too (`cargo xtask spec diff` reports the same kinds), see its docs.
#[path = "kind.rs"]
mod kind;
pub use kind::FindingKind;

/// How long an observed value may be in a finding before it is cut.
pub const OBSERVED_LIMIT: usize = 80;

/// The most findings the validator reports for one request or answer: it stops there, so
/// that a body of half a million wrong values costs a hundred findings, not half a million
/// (a hundred says enough about how far a body is from its spec).
pub const MAX_FINDINGS: usize = 100;

/// One difference between what was seen and what the spec says.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct Finding {
    /// What kind of difference.
    pub kind: FindingKind,
    /// The operation's one name ([`nox_auth::Operation::name`]:
    /// `create_supplier_link_session`), or `METHOD /path` when unknown.
    pub operation: String,
    /// The JSON path in the body (`$.brand`, `$` for the whole body), or `status`.
    pub path: String,
    /// What was seen, cut at [`OBSERVED_LIMIT`] characters.
    pub observed: String,
    /// What the spec says, in a few words.
    pub expected: String,
    /// Whether it breaks the generated client (a call that should succeed fails, or a
    /// documented error arrives as an undecodable answer); informational otherwise.
    pub breaking: bool,
}

impl fmt::Display for Finding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "[{}] {} {}: {}: observed {}, expected {}",
            if self.breaking { "BREAKING" } else { "info" },
            self.operation,
            self.path,
            self.kind,
            self.observed,
            self.expected
        )
    }
}

/// `text` as a finding shows it: at most [`OBSERVED_LIMIT`] characters, `…` appended when
/// cut, control and bidirectional-control characters escaped (it is shown on terminals
/// and in logs). The workspace's one rule, [`nox_auth::nox_auth_runtime::text::excerpt`].
pub fn observed(text: &str) -> String {
    nox_auth::nox_auth_runtime::text::excerpt(text, OBSERVED_LIMIT)
}

pub(crate) fn value_text(v: &Value) -> String {
    observed(&v.to_string())
}
