//! What the validator reports: a [`Finding`], its [`FindingKind`], and how an observed
//! value is shown in it.

use std::fmt;

use serde::Serialize;
use serde_json::Value;

/// How long an observed value may be in a finding before it is cut.
pub const OBSERVED_LIMIT: usize = 80;

/// What kind of difference a [`Finding`] is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum FindingKind {
    /// The status is not documented for the operation.
    UndocumentedStatus,
    /// The content type is not the documented one (or the body is not JSON).
    ContentType,
    /// A required field is missing.
    MissingRequiredField,
    /// A value has another type than documented (`null` where it is not nullable too).
    TypeDiffers,
    /// A field the spec does not name.
    NewField,
    /// An enum value the spec does not list.
    NewEnumValue,
    /// An error answer whose body is not the documented error body.
    ErrorBodyShape,
    /// No operation of the specs has this method and path.
    UnknownOperation,
    /// A question the docs leave open, answered by what the server did.
    Question,
    /// A call of the contract check came out otherwise than the specs lead to expect
    /// (a valid request refused, an invalid one accepted).
    UnexpectedOutcome,
}

impl fmt::Display for FindingKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let text = serde_json::to_value(self)
            .ok()
            .and_then(|v| v.as_str().map(str::to_owned))
            .unwrap_or_default();
        f.write_str(&text.replace('_', " "))
    }
}

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
