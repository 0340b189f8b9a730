//! The answer of `cargo xtask spec diff`: text for a terminal, or JSON (`--json`), and its
//! exit status (0 nothing breaks, 4 something breaks; 2 for bad input is the caller's).

use std::fmt::Write as _;

use serde::Serialize;

use crate::diff::model::{Change, Verdict};
use crate::patch::{Outcome, Status};

/// Exit status when something breaks (as `nox contract check`).
pub const EXIT_BREAKING: u8 = 4;
/// Exit status for bad input (as `nox contract check`).
pub const EXIT_BAD_INPUT: u8 = 2;
/// The most changes a report lists; the others are counted (and in the counts).
pub const MAX_LISTED: usize = 10_000;

/// What `spec diff` found.
#[derive(Debug, Serialize)]
pub struct Report {
    /// The old side, as named on the command line (and how it was read).
    pub old: String,
    /// The new side.
    pub new: String,
    /// Whether something breaks (exit status 4).
    pub breaking: bool,
    /// How many changes of each verdict.
    pub counts: Counts,
    /// Every change, classified (the first [`MAX_LISTED`]).
    pub changes: Vec<Change>,
    /// How many changes are not listed (beyond [`MAX_LISTED`]; counted in `counts`).
    #[serde(skip_serializing_if = "is_zero")]
    pub not_listed: usize,
    /// When the old side is a spec of `specs/codegen.toml`: what its patch file does to the
    /// new side, operation by operation.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub patch: Vec<Outcome>,
}

/// How many changes of each verdict.
#[derive(Debug, Default, Serialize)]
pub struct Counts {
    /// Breaking for callers.
    pub breaking_for_callers: usize,
    /// Breaking for the generated client.
    pub breaking_for_client: usize,
    /// Safe.
    pub safe: usize,
}

impl Report {
    /// A report of `changes` between `old` and `new`.
    pub fn new(old: String, new: String, mut changes: Vec<Change>, patch: Vec<Outcome>) -> Self {
        let mut counts = Counts::default();
        for c in &changes {
            match c.verdict {
                Verdict::BreakingForCallers => counts.breaking_for_callers += 1,
                Verdict::BreakingForClient => counts.breaking_for_client += 1,
                Verdict::Safe => counts.safe += 1,
            }
        }
        let breaking = changes.iter().any(|c| c.verdict.breaks());
        let not_listed = changes.len().saturating_sub(MAX_LISTED);
        changes.truncate(MAX_LISTED);
        Report {
            old,
            new,
            breaking,
            counts,
            changes,
            not_listed,
            patch,
        }
    }

    /// 0 when nothing breaks, 4 when something does.
    pub fn exit_status(&self) -> u8 {
        if self.breaking { EXIT_BREAKING } else { 0 }
    }

    /// The report as JSON, characters a terminal would act on escaped.
    pub fn json(&self) -> String {
        escape_json(&serde_json::to_string_pretty(self).expect("a report serializes"))
    }

    /// The report as text: one line per change and its reason, then the count.
    pub fn text(&self) -> String {
        let mut out = String::new();
        let _ = writeln!(
            out,
            "spec diff: {} -> {}",
            escape(&self.old),
            escape(&self.new)
        );
        for c in &self.changes {
            let place = if c.location.is_empty() {
                String::new()
            } else {
                format!(" {}", c.location)
            };
            let was = match (c.old.is_empty(), c.new.is_empty()) {
                (true, true) => String::new(),
                (false, true) => format!(": was {}", c.old),
                (true, false) => format!(": {}", c.new),
                (false, false) => format!(": {} -> {}", c.old, c.new),
            };
            let line = format!(
                "[{}] {} ({}){place}: {}{was}",
                c.verdict.label(),
                c.operation,
                c.route,
                c.kind
            );
            let _ = writeln!(out, "{}\n    {}", escape(&line), c.reason);
            if !c.stale_patch.is_empty() {
                let ops: Vec<String> = c.stale_patch.iter().map(|i| format!("#{i}")).collect();
                let _ = writeln!(
                    out,
                    "    not NOX's change: the old side has it from the fix of patch operation {}, which is stale in the new file; mend the operation and it goes",
                    ops.join(", ")
                );
            }
        }
        for p in &self.patch {
            let why = escape(&p.why);
            let line = match &p.status {
                Status::Applied if p.upstream_changed => format!(
                    "patch operation #{} ({} {}) overrides a value NOX changed in the new file: check that the fix still says what NOX means now ({why})",
                    p.index, p.op, p.path
                ),
                Status::Applied => continue,
                Status::Redundant => format!(
                    "patch operation #{} ({} {}) is redundant: the new file already says it; delete it from the patch file ({why})",
                    p.index, p.op, p.path
                ),
                Status::Stale(e) => format!(
                    "patch operation #{} ({} {}) is stale: {}; `spec update` stops until it is mended or removed ({why})",
                    p.index,
                    p.op,
                    p.path,
                    escape(e)
                ),
            };
            let _ = writeln!(out, "{line}");
        }
        let n = &self.counts;
        if self.not_listed > 0 {
            let _ = writeln!(out, "… {} more change(s), not listed", self.not_listed);
        }
        if self.changes.is_empty() {
            out.push_str("no changes\n");
        } else {
            let _ = writeln!(
                out,
                "{} change(s): {} breaking for callers, {} breaking for the generated client, {} safe",
                self.changes.len() + self.not_listed,
                n.breaking_for_callers,
                n.breaking_for_client,
                n.safe
            );
        }
        out
    }
}

/// Whether a character would move the cursor, change colours or reorder text on a terminal.
fn unsafe_char(c: char) -> bool {
    c.is_control()
        || matches!(c, '\u{200E}' | '\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
}

/// Text from a spec as a terminal line shows it: control and bidi characters as `\u{…}`.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if unsafe_char(c) {
            let _ = write!(out, "\\u{{{:x}}}", c as u32);
        } else {
            out.push(c);
        }
    }
    out
}

/// Text of several lines as a terminal shows it: each line [`escape`]d, the line breaks kept.
pub fn escape_lines(text: &str) -> String {
    let mut out: Vec<String> = text.split('\n').map(escape).collect();
    if text.ends_with('\n') {
        out.pop();
        out.push(String::new());
    }
    out.join("\n")
}

/// JSON text with the characters serde_json leaves raw (DEL, C1 controls, bidi controls) as
/// `\uXXXX`: still the same JSON, and harmless on a terminal. (Line breaks between tokens
/// stay.)
fn escape_json(json: &str) -> String {
    let mut out = String::with_capacity(json.len());
    for c in json.chars() {
        if unsafe_char(c) && c != '\n' {
            let _ = write!(out, "\\u{:04x}", c as u32);
        } else {
            out.push(c);
        }
    }
    out
}

fn is_zero(n: &usize) -> bool {
    *n == 0
}
