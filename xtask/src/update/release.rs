//! The release a spec update calls for, under CHANGELOG.md's versioning policy, and the
//! CHANGELOG entry to paste.
//!
//! The policy: one version for all crates. Before 1.0 a spec update is a **minor** bump
//! whenever an API snapshot changes (the generated surfaces, or a hand-written crate's public
//! API) and a **patch** bump when only docs (or other generated text) change. After 1.0 an
//! addition is minor and a removed or changed line of a snapshot (a removed or retyped item)
//! is major, and so is a new variant of a generated enum (typify's enums are not
//! `#[non_exhaustive]`: a `match` without a wildcard stops compiling), which a snapshot shows
//! as an addition only: `spec diff`'s widened request enums count it.

use std::fmt::Write as _;

use serde::Serialize;

use crate::diff::{Change, Verdict};

/// How the version moves.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Bump {
    /// Nothing a release would carry changed.
    None,
    /// Only docs or generated text without an API change.
    Patch,
    /// An API snapshot changed (before 1.0), or only additions (after).
    Minor,
    /// After 1.0: a snapshot line removed or changed.
    Major,
}

/// What changed in the API snapshots, in lines.
#[derive(Debug, Clone, Copy, Default)]
pub struct Delta {
    /// Lines of a snapshot that are gone or changed.
    pub removed: usize,
    /// Lines of a snapshot that are new or changed.
    pub added: usize,
    /// Whether any file of the tree changes (the spec, generated code, effective specs).
    pub files_changed: bool,
    /// New variants of generated (exhaustive) enums: `spec diff`'s widened request enums.
    pub variants_added: usize,
}

/// The release a change calls for.
#[derive(Debug, Clone, Serialize)]
pub struct Release {
    /// How the version moves.
    pub bump: Bump,
    /// The version now (`[workspace.package] version` of Cargo.toml), if it could be read.
    pub from: Option<String>,
    /// The version to release, if `from` could be read and something changes.
    pub to: Option<String>,
    /// Why, in the policy's words.
    pub why: String,
}

/// Applies the versioning policy to `delta`, from `version`.
pub fn decide(version: Option<&str>, delta: Delta) -> Release {
    let parsed = version.and_then(parse);
    let before_1 = parsed.is_none_or(|(major, _, _)| major == 0);
    let snapshots_changed = delta.removed + delta.added > 0;
    let (bump, why) = if before_1 {
        if snapshots_changed {
            (
                Bump::Minor,
                "before 1.0, a changed API snapshot is a minor bump",
            )
        } else if delta.files_changed {
            (
                Bump::Patch,
                "the API snapshots are unchanged: docs only, a patch bump",
            )
        } else {
            (Bump::None, "nothing a release carries changed")
        }
    } else if delta.removed > 0 {
        (
            Bump::Major,
            "after 1.0, a removed or retyped item is a major bump",
        )
    } else if delta.variants_added > 0 {
        (
            Bump::Major,
            "after 1.0, a new variant of a generated enum is a major bump (the enums are exhaustive: a match without a wildcard stops compiling)",
        )
    } else if delta.added > 0 {
        (
            Bump::Minor,
            "after 1.0, a new optional field or operation is a minor bump",
        )
    } else if delta.files_changed {
        (
            Bump::Patch,
            "the API snapshots are unchanged: docs only, a patch bump",
        )
    } else {
        (Bump::None, "nothing a release carries changed")
    };
    let to = parsed.and_then(|(major, minor, patch)| {
        let next = match (bump, major) {
            (Bump::None, _) => return None,
            (Bump::Major, _) => (major + 1, 0, 0),
            (Bump::Minor, 0) => (0, minor + 1, 0),
            (Bump::Minor, _) => (major, minor + 1, 0),
            (Bump::Patch, _) => (major, minor, patch + 1),
        };
        Some(format!("{}.{}.{}", next.0, next.1, next.2))
    });
    Release {
        bump,
        from: version.map(str::to_owned),
        to,
        why: format!("{why} (CHANGELOG.md, \"Versioning policy\")"),
    }
}

fn parse(version: &str) -> Option<(u64, u64, u64)> {
    let core = version.split(['-', '+']).next()?;
    let mut parts = core.split('.').map(|p| p.parse::<u64>().ok());
    Some((parts.next()??, parts.next()??, parts.next()??))
}

/// Inputs of the CHANGELOG entry.
pub struct Entry<'a> {
    /// The spec's file stem.
    pub spec: &'a str,
    /// NOX's `info.version`, old and new.
    pub api_version: (String, String),
    /// The generated crates whose snapshot changed.
    pub crates: &'a [String],
    /// The release.
    pub release: &'a Release,
    /// Every change `spec diff` found.
    pub changes: &'a [Change],
    /// Patch operations upstream made redundant: (index, why).
    pub redundant: &'a [(usize, String)],
}

/// The CHANGELOG entry to paste under `[Unreleased]`.
pub fn changelog(e: &Entry) -> String {
    let mut out = String::new();
    let (old, new) = &e.api_version;
    let version = if old == new {
        format!("NOX's `info.version` stays {new}")
    } else {
        format!("NOX's `info.version` {old} → {new}")
    };
    let _ = writeln!(out, "### NOX spec update: `{}` ({version})\n", e.spec);
    let crates = e
        .crates
        .iter()
        .map(|c| format!("`{c}`"))
        .collect::<Vec<_>>()
        .join(", ");
    let what = match e.release.bump {
        Bump::None => "no release: nothing a release carries changed".to_owned(),
        bump => {
            let name = format!("{bump:?}").to_lowercase();
            let to = e.release.to.as_deref().unwrap_or("?");
            let snapshots = if crates.is_empty() {
                "the API snapshots are unchanged".to_owned()
            } else {
                format!("the API snapshot of {crates} changed")
            };
            let lead = if e.release.to.as_deref().is_some_and(|v| v.starts_with("0.")) {
                "before 1.0 this is"
            } else {
                "this is"
            };
            format!("{lead} a **{name}** release ({to}): {snapshots}")
        }
    };
    let _ = writeln!(out, "{}.\n", capitalize(&what));
    for (title, verdict) in [
        ("Breaking for callers", Verdict::BreakingForCallers),
        (
            "Breaking for the generated client",
            Verdict::BreakingForClient,
        ),
        ("Safe", Verdict::Safe),
    ] {
        for c in e.changes.iter().filter(|c| c.verdict == verdict) {
            let place = if c.location.is_empty() {
                String::new()
            } else {
                format!(", `{}`", c.location)
            };
            let was = match (c.old.is_empty(), c.new.is_empty()) {
                (false, false) => format!(" ({} → {})", c.old, c.new),
                (false, true) => format!(" (was {})", c.old),
                (true, false) => format!(" ({})", c.new),
                (true, true) => String::new(),
            };
            let strong = if verdict == Verdict::Safe {
                title.to_owned()
            } else {
                format!("**{title}**")
            };
            let _ = writeln!(
                out,
                "- {strong} (`{}`{place}): {}{was}: {}.",
                c.operation, c.kind, c.reason
            );
        }
    }
    for (index, why) in e.redundant {
        let _ = writeln!(
            out,
            "- The patch file's operation #{index} is redundant now (NOX's file says the same): removed from the patch file ({why})"
        );
    }
    // Text from NOX's file (versions, names, values) as a terminal shows it, as `spec diff`
    // prints it.
    crate::diff::report::escape_lines(&out)
}

fn capitalize(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(first) => first.to_uppercase().collect::<String>() + c.as_str(),
        None => String::new(),
    }
}
