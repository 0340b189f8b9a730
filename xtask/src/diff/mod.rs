//! `cargo xtask spec diff OLD NEW`: every change between two revisions of a spec, classified
//! for our clients (breaking for callers, breaking for the generated client, or safe because
//! of how we generate), each with its reason.
//!
//! Both sides are compared as effective specs (patch and spelling rule applied: what the
//! generator and every outside tool read). The kinds are the list shared with the contract
//! check's findings ([`crate::kind::FindingKind`]); [`classify::classify`] gives the verdict
//! of each, [`report`] prints them.

mod bodies;
pub mod classify;
mod compose;
mod constraints;
pub mod model;
mod ops;
mod read;
pub mod report;
mod schema;
mod security;

use std::path::Path;

use serde_json::Value;

pub use model::{Change, Side, Verdict};
pub use report::Report;

use crate::CodegenError;
use crate::kind::FindingKind as K;
use crate::patch::PatchOp;
use crate::spec;
use model::Found;

/// Every change from `old` to `new`, two effective specs, in the order of the old spec's
/// operations (moved and added ones after), each classified.
pub fn diff(old: &Value, new: &Value) -> Vec<Change> {
    let mut changes = Vec::new();
    for key in ["title", "version", "description"] {
        let (a, b) = (
            old.pointer(&format!("/info/{key}")),
            new.pointer(&format!("/info/{key}")),
        );
        if a != b {
            let show = |v: Option<&Value>| v.map(read::show).unwrap_or_default();
            let found = Found::new(K::DocsChanged, Side::Document, &format!("info.{key}"))
                .was(show(a), show(b));
            changes.push(classified(found, "-", "-"));
        }
    }
    let (old_ops, new_ops) = (ops::operations(old), ops::operations(new));
    let matched = ops::match_operations(&old_ops, &new_ops);
    for (o, n) in &matched.pairs {
        for found in ops::compare_operation(old, new, o, n) {
            changes.push(classified(found, &n.name(), &n.route()));
        }
    }
    for o in &matched.removed {
        let found = Found::new(K::OperationRemoved, Side::Operation, "").was(o.route(), "");
        changes.push(classified(found, &o.name(), &o.route()));
    }
    for n in &matched.added {
        let found = Found::new(K::OperationAdded, Side::Operation, "").was("", n.route());
        changes.push(classified(found, &n.name(), &n.route()));
    }
    changes.dedup();
    changes
}

fn classified(found: Found, operation: &str, route: &str) -> Change {
    let (verdict, reason) = classify::classify(found.kind, found.side, found.facts);
    Change {
        kind: found.kind,
        verdict,
        side: found.side,
        operation: operation.to_owned(),
        route: route.to_owned(),
        location: found.location,
        old: found.old,
        new: found.new,
        reason: reason.to_owned(),
        stale_patch: Vec::new(),
    }
}

/// The report of `old_effective` (an effective spec) against a new upstream document with
/// the old side's patch operations applied where they apply (each judged: applied,
/// redundant, stale), as `spec update` would apply them. `old_upstream`, NOX's file the old
/// side was made from, lets the judgement see which fixes override a value NOX changed.
pub fn against_patched(
    old_effective: &Value,
    old_upstream: Option<&Value>,
    old_label: String,
    mut new_upstream: Value,
    new_label: String,
    new_path: &Path,
    patch: &[PatchOp],
) -> Result<Report, CodegenError> {
    let outcomes = crate::patch::apply_reporting(patch, &mut new_upstream, old_upstream);
    let new = spec::effective_of(new_path, new_upstream)?;
    let mut changes = diff(old_effective, &new);
    if let Some(old_upstream) = old_upstream {
        from_stale_patch(&mut changes, old_upstream, new_path, &new, patch, &outcomes);
    }
    Ok(Report::new(old_label, new_label, changes, outcomes))
}

/// Marks each change that the fix of a stale patch operation makes: the old side has it from
/// the fix, which does not apply to the new file (a 401 the patch documents, gone with the
/// path NOX moved). Found by comparing again, with the old side patched without that
/// operation: what that comparison does not report, the operation made.
fn from_stale_patch(
    changes: &mut [Change],
    old_upstream: &Value,
    path: &Path,
    new: &Value,
    patch: &[PatchOp],
    outcomes: &[crate::patch::Outcome],
) {
    let key = |c: &Change| {
        (
            c.kind,
            c.side,
            c.operation.clone(),
            c.route.clone(),
            c.location.clone(),
            c.old.clone(),
            c.new.clone(),
        )
    };
    let stale = outcomes
        .iter()
        .filter(|o| matches!(o.status, crate::patch::Status::Stale(_)));
    for outcome in stale {
        let mut old = old_upstream.clone();
        for op in patch.iter().filter(|p| p.index != outcome.index) {
            // An operation that needs the stale one's fix does not apply either: skipped.
            let _ = json_patch::patch(&mut old, std::slice::from_ref(&op.op));
        }
        let Ok(old) = spec::effective_of(path, old) else {
            continue;
        };
        let without: Vec<_> = diff(&old, new).iter().map(key).collect();
        for c in changes.iter_mut() {
            if !without.contains(&key(c)) {
                c.stale_patch.push(outcome.index);
            }
        }
    }
}

/// `cargo xtask spec diff OLD NEW`. When `old` names a spec of `specs/codegen.toml` (its
/// stem, its path or `crate/module`), the old side is that spec as patched, and the new file
/// gets the same patch, each operation judged; otherwise each file is read with the patch
/// file next to it, if there is one. Errors are bad input (exit status 2).
pub fn run(root: &Path, old: &str, new: &Path) -> Result<Report, CodegenError> {
    let manifest = crate::codegen::Manifest::load(root)?;
    let new_label = new.display().to_string();
    if let Some(named) = crate::specref::find(root, &manifest, old) {
        let path = root.join(&named.client.spec);
        let old_effective = spec::load(&path)?.json;
        let patch_file = spec::patch_path(&path);
        let ops = if patch_file.exists() {
            crate::patch::read(&patch_file)?
        } else {
            Vec::new()
        };
        let label = match patch_file.exists() {
            true => format!("{} (with its patch)", named.client.spec.display()),
            false => named.client.spec.display().to_string(),
        };
        let old_upstream = spec::read_document(&path)?;
        let upstream = spec::read_document(new)?;
        let new_label = match ops.is_empty() {
            true => new_label,
            false => format!("{new_label} (with the same patch)"),
        };
        return against_patched(
            &old_effective,
            Some(&old_upstream),
            label,
            upstream,
            new_label,
            new,
            &ops,
        );
    }
    let read = |path: &Path| -> Result<Value, CodegenError> {
        let mut doc = spec::read_document(path)?;
        let patch_file = spec::patch_path(path);
        if patch_file.exists() {
            crate::patch::apply(&patch_file, &crate::patch::read(&patch_file)?, &mut doc)?;
        }
        spec::effective_of(path, doc)
    };
    let old_path = Path::new(old);
    if !old_path.exists() {
        return Err(CodegenError::Manifest {
            path: root.join(crate::codegen::MANIFEST),
            message: format!(
                "`{old}` is neither a spec of specs/codegen.toml ({}) nor a file",
                crate::specref::names(&manifest).join(", ")
            ),
        });
    }
    let (a, b) = (read(old_path)?, read(new)?);
    Ok(Report::new(
        old.to_owned(),
        new_label,
        diff(&a, &b),
        Vec::new(),
    ))
}
