//! The NOX-initiated link's `POST /post-login-redirect`, which no NOX page documents: the
//! check asks whether it exists (at the root or under `/v2`), whether it wants the key,
//! and what its refusals name, without creating anything (an empty body, an unknown
//! `state`). Every answer is a question finding, never breakage: the spec of this
//! operation is our guess (decisions 33–40 of `specs/README.md`).

use serde_json::{Value, json};

use nox_auth::Operation;

use crate::finding::{Finding, FindingKind, observed};
use crate::plan::{Call, Expect, KeyHeader};

/// Whether an operation's spec is reconstructed from prose: its findings are questions.
pub(crate) fn is_reconstructed(op: Operation) -> bool {
    op == Operation::PostLoginRedirect
}

/// The calls that ask about `/post-login-redirect`; none can act on a user (no `state` NOX
/// issued is ever sent).
pub(crate) fn calls(user: &str) -> Vec<Call> {
    let ask = |name: &'static str, path: Option<&'static str>, body: Value, key| Call {
        name,
        op: Operation::PostLoginRedirect,
        path,
        body,
        query: Vec::new(),
        key,
        expect: Expect::Question,
    };
    vec![
        ask(
            "question: does POST /post-login-redirect exist (empty body: which fields does it name)?",
            None,
            json!({}),
            KeyHeader::Right,
        ),
        ask(
            "question: or is it under /v2 (POST /v2/post-login-redirect, empty body)?",
            Some("/v2/post-login-redirect"),
            json!({}),
            KeyHeader::Right,
        ),
        ask(
            "question: does it want the API key (a server call) or not (a browser form post)?",
            None,
            json!({}),
            KeyHeader::Omit,
        ),
        ask(
            "question: what does a state NOX never issued get (creates nothing)?",
            None,
            json!({"state": format!("{user}-unknown-state"), "supplier_user_id": user}),
            KeyHeader::Right,
        ),
    ]
}

/// What an answer says about the guesses: the endpoint's existence (404/405 or not), the
/// key (401/403), and which of our two field names its refusal mentions.
pub(crate) fn answer(call: &Call, path: &str, status: u16, body: &[u8]) -> Finding {
    let text = String::from_utf8_lossy(body);
    let named: Vec<&str> = ["state", "supplier_user_id"]
        .into_iter()
        .filter(|f| text.contains(f))
        .collect();
    let meaning = match status {
        404 | 405 => format!("{status}: no such operation at {path}"),
        401 | 403 => format!("{status}: exists and wants a key"),
        200..=299 => format!("{status}: accepted"),
        _ if named.is_empty() => format!("{status}: names neither state nor supplier_user_id"),
        _ => format!("{status}: names {}", named.join(", ")),
    };
    Finding {
        kind: FindingKind::Question,
        operation: call.op.name().to_owned(),
        path: format!("POST {path}"),
        observed: observed(&format!("{meaning}; body {}", text.trim())),
        expected: "unknown: decisions 33-40 are guesses (specs/README.md)".into(),
        breaking: false,
    }
}

/// A validator finding about a reconstructed operation, turned into the question it is.
pub(crate) fn as_question(mut finding: Finding) -> Finding {
    finding.kind = FindingKind::Question;
    finding.breaking = false;
    finding.expected = format!("our guess: {}", finding.expected);
    finding
}
