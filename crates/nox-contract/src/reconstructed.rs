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
        // A whole body (of a state NOX never issued): a body check made before the key
        // check does not hide the answer.
        ask(
            "question: does it want the API key (a server call) or not (a browser form post)?",
            None,
            json!({"state": format!("{user}-unknown-state-no-key"), "supplier_user_id": user}),
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

/// What an answer says about the guesses: the endpoint's existence (404; 405: the path is
/// there under another method), the key (401/403), which of our two field names its
/// refusal mentions, and, loudly, a state NOX never issued accepted.
pub(crate) fn answer(call: &Call, path: &str, status: u16, body: &[u8]) -> Finding {
    let text = String::from_utf8_lossy(body);
    let named: Vec<&str> = ["state", "supplier_user_id"]
        .into_iter()
        .filter(|f| text.contains(f))
        .collect();
    let unknown_state = call.body.get("state").is_some();
    let meaning = match status {
        404 => format!("{status}: no such operation at {path}"),
        405 => format!(
            "{status}: the path exists at {path} under another method (a browser endpoint, a GET?)"
        ),
        401 | 403 => format!("{status}: exists and wants a key"),
        200..=299 if unknown_state => format!(
            "{status}: NOX accepted a state it never issued: does it check state at all? did it create a mapping?"
        ),
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

/// A question call that got no answer (`cause`: the connection failed, the answer broke
/// off): the question stays open, the run does not fail for it.
pub(crate) fn no_answer(call: &Call, path: &str, cause: &str) -> Finding {
    Finding {
        kind: FindingKind::Question,
        operation: call.op.name().to_owned(),
        path: format!("POST {path}"),
        observed: observed(&format!("no answer: {cause}")),
        expected: "an answer: the question stays open".into(),
        breaking: false,
    }
}

/// `findings` with those on an operation whose spec is our guess turned into questions:
/// the proxy judges NOX's traffic to `/post-login-redirect` as the check does.
pub(crate) fn guesses_as_questions(findings: Vec<Finding>) -> Vec<Finding> {
    findings
        .into_iter()
        .map(|f| match Operation::from_name(&f.operation) {
            Some(op) if is_reconstructed(op) => as_question(f),
            _ => f,
        })
        .collect()
}

/// A validator finding about a reconstructed operation, turned into the question it is.
pub(crate) fn as_question(mut finding: Finding) -> Finding {
    finding.kind = FindingKind::Question;
    finding.breaking = false;
    finding.expected = format!("our guess: {}", finding.expected);
    finding
}
