//! What a spec diff reports: a [`Change`], its [`Verdict`] for our clients and the [`Side`]
//! of the wire it is on.

use serde::Serialize;

use crate::kind::FindingKind;

/// What a change means for the teams that use our crates.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    /// The released client no longer works against the new spec: an answer it cannot decode.
    BreakingForClient,
    /// Callers must change: code that calls the regenerated crate (a method, field, setter
    /// or enum variant renamed, gone or added to an exhaustive enum, a type changed), or what
    /// they send (a value now required, a tighter bound, a credential; a path gone).
    BreakingForCallers,
    /// Neither, because of how we generate (open enums in responses, any 2xx a success,
    /// builders) or because nothing existing changes.
    Safe,
}

impl Verdict {
    /// Whether it breaks something (exit status 4).
    pub fn breaks(self) -> bool {
        self != Verdict::Safe
    }

    /// How the text report names it.
    pub fn label(self) -> &'static str {
        match self {
            Verdict::BreakingForClient => "BREAKING for the generated client",
            Verdict::BreakingForCallers => "BREAKING for callers",
            Verdict::Safe => "safe",
        }
    }
}

/// Where on the wire a change is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Side {
    /// The document itself (`info`).
    Document,
    /// An operation as a whole (its method, path or name).
    Operation,
    /// What the client sends: parameters and the request body.
    Request,
    /// What NOX answers: statuses and bodies, error bodies included.
    Response,
}

/// One change between two revisions of a spec, classified for our clients.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Change {
    /// What kind of change (the list shared with the contract check's findings).
    pub kind: FindingKind,
    /// What it means for our clients.
    pub verdict: Verdict,
    /// Where on the wire.
    pub side: Side,
    /// The operation's one name (`create_supplier_link_session`, the generated method), or
    /// `-` for the document.
    pub operation: String,
    /// `METHOD /path` of the operation (the new one when it moved), or `-`.
    pub route: String,
    /// Where in the operation: `request body $.language`, `response 201 $.data[].brand`,
    /// `parameter limit (query)`, `status 201`, or empty for the operation itself.
    pub location: String,
    /// What the old spec says, in a few words (empty when it says nothing).
    pub old: String,
    /// What the new spec says, in a few words (empty when it says nothing).
    pub new: String,
    /// Why the verdict is what it is.
    pub reason: String,
    /// The stale patch operations (their index in the patch file) this change comes from:
    /// the old side has it from their fix, which no longer applies to the new file; mend the
    /// operations and it goes (or stays, as NOX's change).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub stale_patch: Vec<usize>,
}

/// What a comparison found before it is classified: the kind, where, and the facts the
/// verdict depends on.
#[derive(Debug, Clone)]
pub(crate) struct Found {
    pub kind: FindingKind,
    pub side: Side,
    pub location: String,
    pub old: String,
    pub new: String,
    pub facts: Facts,
}

/// The facts a verdict depends on beyond the kind and the side.
#[derive(Debug, Clone, Copy, Default)]
pub struct Facts {
    /// A field, parameter or body that is required (after the change; before it when it
    /// was removed).
    pub required: bool,
    /// In a response: the generated field is an `Option` before the change (not required,
    /// or nullable).
    pub option_before: bool,
    /// In a response: the generated field is an `Option` after the change.
    pub option_after: bool,
    /// A status is a success (2xx).
    pub success: bool,
    /// A removed success status leaves another 2xx (any 2xx is a success).
    pub other_success: bool,
    /// A changed bound changes the generated Rust type with it (typify: a string with a
    /// length or pattern is a checking newtype, an integer's bounds choose its type).
    pub retyped: bool,
    /// A loosened bound is one the old side's generated type checks when it decodes.
    pub checked: bool,
    /// A changed security requirement still accepts the credential the old one asked for.
    pub still_accepted: bool,
}

impl Found {
    pub fn new(kind: FindingKind, side: Side, location: &str) -> Self {
        Found {
            kind,
            side,
            location: location.to_owned(),
            old: String::new(),
            new: String::new(),
            facts: Facts::default(),
        }
    }

    pub fn was(mut self, old: impl Into<String>, new: impl Into<String>) -> Self {
        self.old = old.into();
        self.new = new.into();
        self
    }

    pub fn facts(mut self, facts: Facts) -> Self {
        self.facts = facts;
        self
    }
}
