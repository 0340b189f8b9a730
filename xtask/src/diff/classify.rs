//! The verdict of each kind of change, for our clients, with its reason. The `match` has no
//! wildcard: a kind added to the shared list (`crates/nox-contract/src/kind.rs`) does not
//! compile here until it is classified.

use crate::diff::model::{Facts, Side, Verdict};
use crate::kind::FindingKind;

use FindingKind as K;
use Verdict::{BreakingForCallers as Callers, BreakingForClient as Client, Safe};

/// The kinds `spec diff` reports (the others are the contract check's alone).
pub const DIFF_KINDS: &[FindingKind] = &[
    K::OperationAdded,
    K::OperationRemoved,
    K::OperationRenamed,
    K::PathChanged,
    K::ParameterAdded,
    K::ParameterRemoved,
    K::ParameterRenamed,
    K::NewField,
    K::FieldRemoved,
    K::FieldRequired,
    K::FieldOptional,
    K::FieldNullable,
    K::FieldNotNullable,
    K::TypeDiffers,
    K::NewEnumValue,
    K::EnumValueRemoved,
    K::UndocumentedStatus,
    K::StatusRemoved,
    K::ContentType,
    K::SchemaRenamed,
    K::DocsChanged,
    K::ConstraintTightened,
    K::ConstraintLoosened,
    K::SecurityAdded,
    K::SecurityRemoved,
    K::SecurityChanged,
    K::DefaultChanged,
];

/// The verdict of a change and why.
pub fn classify(kind: FindingKind, side: Side, f: Facts) -> (Verdict, &'static str) {
    let request = side == Side::Request;
    match kind {
        K::OperationAdded => (
            Safe,
            "a new method of the generated client; nothing existing changes",
        ),
        K::OperationRemoved => (
            Callers,
            "the generated method goes away: calls to it stop compiling (and NOX no longer serves it)",
        ),
        K::OperationRenamed => (
            Callers,
            "the generated method (and the `Operation` name) is the operationId in snake_case: calls to the old name stop compiling",
        ),
        K::PathChanged => (
            Callers,
            "the old path is gone: NOX no longer serves what the released method calls, so callers must move to the regenerated client (the method keeps its name)",
        ),
        K::ParameterAdded if f.required => (
            Callers,
            "callers must now give it: the builder's send() fails without it",
        ),
        K::ParameterAdded => (
            Safe,
            "a new optional setter on the builder; nothing to send",
        ),
        K::ParameterRemoved => (
            Callers,
            "its setter on the builder goes away: code that sets it stops compiling",
        ),
        K::ParameterRenamed => (
            Callers,
            "the builder's setter is named after the parameter: code that sets it stops compiling",
        ),
        K::NewField if request && f.required => (
            Callers,
            "callers must now send it: NOX refuses a request without it",
        ),
        K::NewField if request => (
            Safe,
            "a new optional field: the builder leaves it out unless it is set",
        ),
        K::NewField => (
            Safe,
            "the released client ignores fields it does not know; the regenerated type gains it",
        ),
        K::FieldRemoved if request => (
            Callers,
            "the generated request type loses the field: code that sets it stops compiling",
        ),
        K::FieldRemoved if !f.option_before => (
            Client,
            "the released client requires it and refuses an answer without it",
        ),
        K::FieldRemoved => (
            Callers,
            "the generated response type loses the field: code that reads it stops compiling (the released client reads None)",
        ),
        K::FieldRequired if request => (
            Callers,
            "callers must now send it: NOX refuses a request without it",
        ),
        K::FieldRequired | K::FieldNotNullable
            if !request && f.option_before && !f.option_after =>
        {
            (
                Callers,
                "the generated field changes from Option<T> to T: code that reads it changes",
            )
        }
        K::FieldRequired => (
            Safe,
            "the generated field stays what it was (it was nullable: an Option)",
        ),
        K::FieldOptional if request => (
            Safe,
            "callers may leave it out; the builder still takes it as before",
        ),
        K::FieldOptional | K::FieldNullable if !request && !f.option_before && f.option_after => (
            Client,
            "the released client requires a value and refuses an answer without one (missing or null)",
        ),
        K::FieldOptional => (
            Safe,
            "the generated field was an Option already: a missing value reads as None",
        ),
        K::FieldNullable if request && !f.option_before && f.option_after => (
            Callers,
            "NOX accepts null as well, and the generated field changes from T to Option<T>: code that sets it must wrap the value",
        ),
        K::FieldNullable if request => (
            Safe,
            "NOX accepts null as well; the generated field was an Option already",
        ),
        K::FieldNullable => (
            Safe,
            "the generated field was an Option already: null reads as None",
        ),
        K::FieldNotNullable if request => (
            Callers,
            "NOX no longer accepts null here: a caller that sends none is refused",
        ),
        K::FieldNotNullable => (Safe, "the generated field stays an Option"),
        K::TypeDiffers if request => (
            Callers,
            "the generated type changes: callers must send the new type",
        ),
        K::TypeDiffers => (Client, "the released client cannot decode the new type"),
        K::NewEnumValue if request => (
            Callers,
            "a widened request enum: NOX accepts one more value, and the generated enum gains a variant; typify's enums are not #[non_exhaustive], so a `match` on it without a wildcard (callers', the facade's conversions) stops compiling",
        ),
        K::NewEnumValue => (
            Safe,
            "open enums: responses read enums as text (the facade's Open::Unknown), so a new value decodes",
        ),
        K::EnumValueRemoved if request => (
            Callers,
            "a narrowed request enum: NOX refuses a value callers may send; the generated enum loses the variant",
        ),
        K::EnumValueRemoved => (
            Safe,
            "open enums: a value NOX no longer sends changes nothing for the client",
        ),
        K::UndocumentedStatus if f.success => (
            Safe,
            "any 2xx is a success: the generated client reads every 2xx with the success body (when the bodies are the same)",
        ),
        K::UndocumentedStatus => (
            Safe,
            "a new error status: typed when it has the error body, else an UnexpectedResponse, as any undocumented status was",
        ),
        K::StatusRemoved if f.success && f.other_success => (
            Safe,
            "any 2xx is a success: the client reads the remaining 2xx as it read this one",
        ),
        K::StatusRemoved if f.success => (
            Client,
            "the operation has no success body any more: the released client cannot read what NOX answers now",
        ),
        K::StatusRemoved => (
            Safe,
            "NOX no longer documents it; if it still comes, it is an UnexpectedResponse",
        ),
        K::ContentType if request => (
            Callers,
            "the generated client sends JSON: what it sends no longer fits",
        ),
        K::ContentType => (
            Client,
            "the released client decodes the documented JSON body: it cannot read the new one",
        ),
        K::SchemaRenamed => (
            Callers,
            "the generated type is named after the component: code that names the old type stops compiling",
        ),
        K::DocsChanged => (Safe, "docs only: the generated docs change, nothing else"),
        K::ConstraintTightened if request && f.retyped => (
            Callers,
            "a request that was valid may be refused now: NOX refuses a value outside the new bound; and the generated type changes with it (typify: a string with a length or pattern is a newtype that checks them, an integer's bounds choose its Rust type), so code that builds the value changes",
        ),
        K::ConstraintTightened if request => (
            Callers,
            "a request that was valid may be refused now: NOX refuses a value outside the new bound, and callers must keep to it (the regenerated client checks a string's length and pattern before it sends)",
        ),
        K::ConstraintLoosened if request && f.retyped => (
            Callers,
            "NOX accepts more, but the generated type changes with the bound (typify: a string without length or pattern is a plain String, an integer's bounds choose its Rust type): code that builds the old type stops compiling",
        ),
        K::ConstraintLoosened if request => (
            Safe,
            "NOX accepts more: every request that was valid still is",
        ),
        K::ConstraintLoosened if f.checked => (
            Client,
            "the released client checks the old bound when it decodes (typify: a string's length and pattern in its newtype, an integer's Rust type, additionalProperties: false as deny_unknown_fields, a fixed-size array): an answer NOX may send now is refused",
        ),
        K::ConstraintTightened | K::ConstraintLoosened if f.retyped => (
            Callers,
            "the regenerated field's type changes with the bound (typify: a string with a length or pattern is a checking newtype, an integer's bounds choose its Rust type): code that reads it changes; the released client still decodes every answer",
        ),
        K::ConstraintTightened => (
            Safe,
            "NOX promises narrower answers: the released client decodes every one (the regenerated type checks a string's length and pattern, and refuses unknown fields under additionalProperties: false, when it decodes)",
        ),
        K::ConstraintLoosened => (
            Safe,
            "the generated client does not check this bound when it decodes (typify leaves maxItems, a maximum or minimum inside the Rust type's range, multipleOf and uniqueItems unchecked): wider answers still decode",
        ),
        K::SecurityAdded => (
            Callers,
            "NOX refuses a request without the credential now: callers must configure it (the runtime sends the API key as x-api-key when one is set: ClientBuilder, NOX_API_KEY)",
        ),
        K::SecurityRemoved => (
            Safe,
            "NOX no longer asks for a credential here; a client that sends one is still served",
        ),
        K::SecurityChanged if f.still_accepted => (
            Safe,
            "NOX accepts another credential as well; the one it asked for still works",
        ),
        K::SecurityChanged => (
            Callers,
            "NOX asks for another credential, or in another place: a request with the old one is refused; callers must get the new one, and nox-auth-runtime (which sends the API key as x-api-key) must send it",
        ),
        K::DefaultChanged if request => (
            Callers,
            "what is sent when the caller sets nothing changes: the generated builder fills in the default (typify: a field with a default is T and sends it, one without is an Option and sends nothing), so a default added, removed or changed changes the request, or the generated type",
        ),
        K::DefaultChanged => (
            Safe,
            "a default in an answer documents what NOX means by a missing value: the client reads what NOX sends",
        ),
        K::UnknownOperation
        | K::MissingRequiredField
        | K::ErrorBodyShape
        | K::Question
        | K::UnexpectedOutcome => (
            Safe,
            "not a kind of spec change (the contract check's alone)",
        ),
    }
}
