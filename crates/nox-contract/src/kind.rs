//! The workspace's one list of change kinds: what kind of difference a contract finding is
//! (a live answer against the spec: `nox contract check`, `nox mock proxy`), and what kind of
//! change `cargo xtask spec diff` reports between two revisions of a spec.
//!
//! This file depends on nothing of its crate (only `serde` and `serde_json`), because the
//! workspace's `xtask` compiles it too (`#[path]` to this file): the code generator must not
//! depend on the crates it generates for, nor on the HTTP stack of this one. One source, two
//! compilations; a kind added here must be classified by `spec diff` (its match has no
//! wildcard), or `xtask` does not compile.

use std::fmt;

use serde::Serialize;

/// What kind of difference a finding is: between a live answer and the spec (the contract
/// check: the first ten kinds), or between two revisions of a spec (`cargo xtask spec diff`,
/// which reports the kinds that say "a spec diff" and some of the first ten). Serialized in
/// snake_case (`new_field`); displayed with spaces (`new field`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum FindingKind {
    /// The status is not documented for the operation. In a spec diff: a status the old spec
    /// does not document.
    UndocumentedStatus,
    /// The content type is not the documented one (or the body is not JSON). In a spec diff:
    /// a body's media type changed, or a body lost (or gained) its JSON type.
    ContentType,
    /// A required field is missing. A spec diff reports what allows it instead
    /// (`field_removed`, `field_optional` in a response).
    MissingRequiredField,
    /// A value has another type than documented (`null` where it is not nullable too). In a
    /// spec diff: a schema's type or format changed.
    TypeDiffers,
    /// A field the spec does not name. In a spec diff: a field the old spec does not name.
    NewField,
    /// An enum value the spec does not list. In a spec diff: an enum value the old spec does
    /// not list.
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
    /// A spec diff: an operation the old spec does not have.
    OperationAdded,
    /// A spec diff: an operation the new spec does not have.
    OperationRemoved,
    /// A spec diff: the same method and path under another `operationId`.
    OperationRenamed,
    /// A spec diff: the same `operationId` at another method or path.
    PathChanged,
    /// A spec diff: a parameter the old spec does not have.
    ParameterAdded,
    /// A spec diff: a parameter the new spec does not have.
    ParameterRemoved,
    /// A spec diff: a parameter under another name, same place and schema.
    ParameterRenamed,
    /// A spec diff: a field the new spec does not name.
    FieldRemoved,
    /// A spec diff: a field (or parameter, or body) that was optional is required.
    FieldRequired,
    /// A spec diff: a field (or parameter, or body) that was required is optional.
    FieldOptional,
    /// A spec diff: a value that could not be `null` can.
    FieldNullable,
    /// A spec diff: a value that could be `null` cannot.
    FieldNotNullable,
    /// A spec diff: an enum value the new spec does not list.
    EnumValueRemoved,
    /// A spec diff: a status the new spec does not document.
    StatusRemoved,
    /// A spec diff: the same schema under another component name.
    SchemaRenamed,
    /// A spec diff: descriptions, summaries, examples or the document's `info` changed.
    DocsChanged,
    /// A spec diff: a bound allows fewer values (a new or lower `maxLength`, `maxItems`,
    /// `maximum`, a new or higher `minLength`, `minimum`, a new `pattern`,
    /// `additionalProperties: false`, …).
    ConstraintTightened,
    /// A spec diff: a bound allows more values (the opposite of `constraint_tightened`).
    ConstraintLoosened,
    /// A spec diff: an operation asks for a credential it did not ask for (a `security`
    /// requirement added, on the operation or the whole document).
    SecurityAdded,
    /// A spec diff: an operation no longer asks for a credential.
    SecurityRemoved,
    /// A spec diff: an operation asks for another credential (another security scheme, or
    /// the scheme it names changed: another header, another type).
    SecurityChanged,
    /// A spec diff: a value's `default` was added, removed or changed.
    DefaultChanged,
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
