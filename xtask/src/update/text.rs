//! How `spec update` reports: the patch operations, the changes, the files, the snapshots,
//! the release and the CHANGELOG entry, then what to do next.

use std::fmt::Write as _;

use crate::diff::report::{escape, escape_lines};
use crate::patch::Status;
use crate::update::Update;
use crate::update::release::Bump;

/// How many lines of one snapshot's change are shown (the rest is counted).
const SHOWN_LINES: usize = 12;

impl Update {
    /// The report for a terminal.
    pub fn text(&self) -> String {
        let mut out = String::new();
        let _ = writeln!(
            out,
            "spec update: {} from {}",
            self.spec.display(),
            escape(&self.new_file.display().to_string())
        );
        self.patch_text(&mut out);
        let _ = writeln!(
            out,
            "\nChanges (as `cargo xtask spec diff` classifies them):"
        );
        let diff = self.report.text();
        for line in diff
            .lines()
            .skip(1)
            .filter(|l| !l.starts_with("patch operation #"))
        {
            let _ = writeln!(out, "  {line}");
        }
        if let Some(reason) = &self.stopped {
            let reason = escape_lines(reason);
            let _ = writeln!(out, "\nSTOPPED, nothing was written: {reason}");
            return out;
        }
        if !self.stale_before.is_empty() {
            let _ = writeln!(
                out,
                "\nNote: {} generated file(s) were already out of date with specs/ before this update; they are brought up to date too.",
                self.stale_before.len()
            );
        }
        self.files_text(&mut out);
        self.snapshots_text(&mut out);
        if let Some(release) = &self.release {
            let name = format!("{:?}", release.bump).to_lowercase();
            let versions = match (&release.from, &release.to) {
                (Some(from), Some(to)) => format!(", {from} → {to}"),
                (Some(from), None) => format!(", stays {from}"),
                _ => String::new(),
            };
            let _ = writeln!(out, "\nRelease: {name}{versions}: {}.", release.why);
            if release.bump != Bump::None {
                let _ = writeln!(
                    out,
                    "\nCHANGELOG entry to paste under [Unreleased] (merge it with what is there):\n\n{}",
                    escape_lines(&self.changelog)
                );
            }
        }
        let next = if self.dry_run {
            "Dry run: nothing was written. Run again without --dry-run to write it."
        } else {
            "Next: `cargo test -p xtask` (the snapshots written above), `cargo test -p nox-auth` and \
             the crates that use the generated one, then `bash scripts/test.sh`; commit the spec, \
             the generated files and the snapshots together, with the CHANGELOG entry."
        };
        let _ = writeln!(out, "{next}");
        out
    }

    fn patch_text(&self, out: &mut String) {
        let Some(file) = &self.patch_file else {
            return;
        };
        let _ = writeln!(out, "\nPatch file {}:", file.display());
        for o in &self.patch {
            let (word, note) = match &o.status {
                Status::Applied if o.upstream_changed => (
                    "applied",
                    " -> NOX changed the value this overrides: check the fix still says what NOX means"
                        .to_owned(),
                ),
                Status::Applied => ("applied", String::new()),
                Status::Redundant => (
                    "redundant",
                    " -> NOX's file already says this: not applied, and removed from the patch file".to_owned(),
                ),
                Status::Stale(why) => ("STALE", format!(" -> {}", escape(why))),
            };
            let mut why = escape(&o.why);
            if why.chars().count() > 70 {
                why = why.chars().take(69).collect::<String>() + "…";
            }
            let _ = writeln!(
                out,
                "  #{:<2} {word:<9} {} {}{note}\n       ({why})",
                o.index, o.op, o.path
            );
        }
    }

    fn files_text(&self, out: &mut String) {
        let verb = if self.dry_run { "Would write" } else { "Wrote" };
        let _ = writeln!(out, "\n{verb} {} file(s):", self.files.len());
        for f in &self.files {
            let _ = writeln!(out, "  {}", f.display());
        }
    }

    fn snapshots_text(&self, out: &mut String) {
        let _ = writeln!(
            out,
            "\nPublic API (the snapshots in xtask/tests/snapshots/):"
        );
        if self.surfaces.is_empty() && self.apis.is_empty() {
            let _ = writeln!(out, "  no snapshot changes");
        }
        for c in self.surfaces.iter().chain(&self.apis) {
            let kind = if self.surfaces.iter().any(|s| s.file == c.file) {
                "generated surface"
            } else {
                "public API"
            };
            let _ = writeln!(
                out,
                "  {} ({kind}, {}): {} line(s) removed, {} added",
                c.name,
                c.file.display(),
                c.removed.len(),
                c.added.len()
            );
            let lines = c
                .removed
                .iter()
                .map(|l| ('-', l))
                .chain(c.added.iter().map(|l| ('+', l)));
            let total = c.removed.len() + c.added.len();
            for (sign, line) in lines.take(SHOWN_LINES) {
                let _ = writeln!(out, "    {sign} {}", escape(line.trim_start()));
            }
            if total > SHOWN_LINES {
                let _ = writeln!(out, "    … {} more", total - SHOWN_LINES);
            }
        }
        let facade = super::compare::FACADE;
        match (&self.facade_alias, self.surfaces.is_empty()) {
            (Some(alias), false) => {
                let _ = writeln!(
                    out,
                    "  {facade} (the facade) re-exports {} as `nox_auth::{alias}`: the surface changes above are changes of its public API too.",
                    self.krate
                );
            }
            (Some(alias), true) => {
                let _ = writeln!(
                    out,
                    "  {facade} (the facade) re-exports {} as `nox_auth::{alias}`: unchanged.",
                    self.krate
                );
            }
            (None, _) => {
                let _ = writeln!(
                    out,
                    "  {facade} (the facade) does not re-export {}.",
                    self.krate
                );
            }
        }
        if self.facade_uses.is_empty() {
            let _ = writeln!(
                out,
                "  {facade}'s own code names none of the changed items (a check by name, not a build: `cargo check -p {facade}` is the proof)."
            );
        } else {
            let _ = writeln!(
                out,
                "  {facade}'s own code converts {} of {}, which change: run `cargo check -p {facade}` (its conversions match the generated enums exhaustively and may no longer compile).",
                self.facade_uses.join(", "),
                self.krate
            );
        }
    }
}
