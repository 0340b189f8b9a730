//! `cargo xtask spec update NAME NEWFILE`: replaces a checked-in spec with NOX's new file and
//! tells the maintainer what it means.
//!
//! In order: the spec's patch file is applied to the new file operation by operation
//! (applied, redundant: propose deleting it, or stale: the update stops); `spec diff`
//! classifies every change; everything `cargo xtask codegen` writes is generated in memory
//! from a copy of `specs/` with the new file; the API snapshots of the generated crate, of the
//! hand-written crates and of what the facade re-exports are compared; the versioning policy
//! gives the release; the CHANGELOG entry is printed. Then every file (the spec, the generated
//! code, the effective specs, the operation table, the snapshots) is written at once, or none
//! is ([`commit`]): a failure at any step leaves the tree as it was.

pub mod commit;
pub mod compare;
pub mod prune;
pub mod release;
mod text;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::codegen::{self, Manifest};
use crate::diff::{self, Report};
use crate::patch::{self, Outcome, Status};
use crate::spec;
use compare::SnapshotChange;
use release::Release;

/// What `spec update` did (or, stopped, would have done).
#[derive(Debug)]
pub struct Update {
    /// The spec replaced, relative to the root.
    pub spec: PathBuf,
    /// The new file.
    pub new_file: PathBuf,
    /// The spec's patch file, relative to the root, if it has one.
    pub patch_file: Option<PathBuf>,
    /// What each patch operation does to the new file.
    pub patch: Vec<Outcome>,
    /// Every change, as `spec diff` reports it.
    pub report: Report,
    /// Generated files that were already out of date before the update (written too).
    pub stale_before: Vec<PathBuf>,
    /// The files that change (relative to the root).
    pub files: Vec<PathBuf>,
    /// Generated module surfaces that change.
    pub surfaces: Vec<SnapshotChange>,
    /// Hand-written crates whose public API changes.
    pub apis: Vec<SnapshotChange>,
    /// The changed items of the generated crate that the facade's own code names: `cargo
    /// check -p nox-auth` must say whether it still compiles (it is not run here).
    pub facade_uses: Vec<String>,
    /// The facade's name for the updated crate (`v2` for `nox_auth::v2`), if it re-exports it.
    pub facade_alias: Option<String>,
    /// The generated crate's folder name (`nox-auth-v2`).
    pub krate: String,
    /// The release it calls for.
    pub release: Option<Release>,
    /// The CHANGELOG entry to paste.
    pub changelog: String,
    /// Nothing is written (`--dry-run`).
    pub dry_run: bool,
    /// Why it stopped before writing anything, if it did.
    pub stopped: Option<String>,
}

impl Update {
    /// Exit status: 0 written (or would be), 1 stopped.
    pub fn exit_status(&self) -> u8 {
        if self.stopped.is_some() { 1 } else { 0 }
    }
}

/// `cargo xtask spec update NAME NEWFILE` under `root`. `Err` is bad input (exit status 2):
/// nothing was read into the tree.
pub fn run(root: &Path, name: &str, new_file: &Path, dry_run: bool) -> Result<Update, String> {
    let manifest = Manifest::load(root).map_err(|e| e.to_string())?;
    let named = crate::specref::find(root, &manifest, name).ok_or_else(|| {
        format!(
            "`{name}` is not a spec of specs/codegen.toml; one of: {}",
            crate::specref::names(&manifest).join(", ")
        )
    })?;
    let spec_rel = named.client.spec.clone();
    let spec_path = root.join(&spec_rel);
    let same = |a: &Path, b: &Path| matches!((a.canonicalize(), b.canonicalize()), (Ok(a), Ok(b)) if a == b);
    if same(new_file, &spec_path) {
        return Err(format!(
            "{} is the checked-in spec itself: there is nothing to compare it with; pass NOX's new \
             file from elsewhere (a download, or `git show HEAD:{} > /tmp/old` to compare with what \
             is committed)",
            new_file.display(),
            spec_rel.display()
        ));
    }
    let new_text = crate::input::read_text(new_file).map_err(|e| e.to_string())?;
    let new_doc = spec::parse_document(new_file, &new_text).map_err(|e| e.to_string())?;
    let patch_path = spec::patch_path(&spec_path);
    let ops = if patch_path.exists() {
        patch::read(&patch_path).map_err(|e| e.to_string())?
    } else {
        Vec::new()
    };
    let old = spec::load(&spec_path).map_err(|e| e.to_string())?;
    let old_upstream = spec::read_document(&spec_path).map_err(|e| e.to_string())?;
    let report = diff::against_patched(
        &old.json,
        Some(&old_upstream),
        format!("{} (checked in)", spec_rel.display()),
        new_doc.clone(),
        new_file.display().to_string(),
        new_file,
        &ops,
    )
    .map_err(|e| e.to_string())?;
    let mut update = Update {
        spec: spec_rel.clone(),
        new_file: new_file.to_owned(),
        patch_file: patch_path.exists().then(|| spec::patch_path(&spec_rel)),
        patch: report.patch.clone(),
        report,
        stale_before: Vec::new(),
        files: Vec::new(),
        surfaces: Vec::new(),
        apis: Vec::new(),
        facade_uses: Vec::new(),
        facade_alias: compare::facade_alias(root, &crate::specref::crate_dir(named.krate)),
        krate: crate::specref::crate_dir(named.krate),
        release: None,
        changelog: String::new(),
        dry_run,
        stopped: None,
    };
    if let Some(stale) = update
        .patch
        .iter()
        .find(|o| matches!(o.status, Status::Stale(_)))
    {
        let patch_file = update.patch_file.clone().unwrap_or_default();
        update.stopped = Some(format!(
            "patch operation #{} of {} is stale (its target is gone in the new file): decide what the fix means now, \
             mend or delete the operation, and run the update again",
            stale.index,
            patch_file.display()
        ));
        return Ok(update);
    }
    let redundant: Vec<usize> = update
        .patch
        .iter()
        .filter(|o| o.status == Status::Redundant)
        .map(|o| o.index)
        .collect();
    // A redundant operation is not applied: the patch file is written without it (and the
    // code generated from that), or, when it cannot be rewritten, the update stops.
    let pruned = match redundant.is_empty() {
        true => None,
        false => {
            let text = std::fs::read_to_string(&patch_path).map_err(|e| e.to_string())?;
            match prune::without(&patch_path, &text, &ops, &redundant) {
                Some(pruned) => Some(pruned),
                None => {
                    let numbers: Vec<String> = redundant.iter().map(|i| format!("#{i}")).collect();
                    update.stopped = Some(format!(
                        "patch operation(s) {} of {} are redundant (NOX's file says the same now) and \
                         must not be applied again, but the patch file could not be rewritten without \
                         them (its layout is not one `- ` block per operation): delete these \
                         operations from the patch file and run the update again",
                        numbers.join(", "),
                        update.patch_file.clone().unwrap_or_default().display()
                    ));
                    return Ok(update);
                }
            }
        }
    };
    if let Err(e) = prepare(
        root,
        &manifest,
        &spec_rel,
        &new_text,
        new_file,
        &new_doc,
        &old.json,
        pruned,
        &mut update,
    ) {
        update.stopped = Some(e);
        return Ok(update);
    }
    Ok(update)
}

/// Generates, compares and (unless dry) writes; any `Err` leaves the tree as it was.
#[allow(clippy::too_many_arguments)]
fn prepare(
    root: &Path,
    manifest: &Manifest,
    spec_rel: &Path,
    new_text: &str,
    new_file: &Path,
    new_doc: &Value,
    old_json: &Value,
    pruned: Option<String>,
    update: &mut Update,
) -> Result<(), String> {
    let spec_text = spec_text(spec_rel, new_text, new_file, new_doc)?;
    let codegen_refused = |errors: Vec<crate::CodegenError>| {
        let lines: Vec<String> = errors.iter().map(|e| format!("  {e}")).collect();
        lines.join("\n")
    };
    let old_files = codegen::render_all(root).map_err(|e| {
        format!(
            "the checked-in specs do not generate:\n{}",
            codegen_refused(e)
        )
    })?;
    let staging = tempfile::tempdir().map_err(|e| format!("a temporary folder: {e}"))?;
    copy_dir(&root.join("specs"), &staging.path().join("specs"))?;
    std::fs::write(staging.path().join(spec_rel), &spec_text)
        .map_err(|e| format!("{}: {e}", spec_rel.display()))?;
    let patch_rel = spec::patch_path(spec_rel);
    if let Some(text) = &pruned {
        std::fs::write(staging.path().join(&patch_rel), text)
            .map_err(|e| format!("{}: {e}", patch_rel.display()))?;
    }
    let new_files = codegen::render_all(staging.path()).map_err(|e| {
        // The messages name the staging copy; the maintainer knows the files by their place.
        let staged = format!("{}/", staging.path().display());
        let refused = codegen_refused(e).replace(&staged, "");
        format!("`cargo xtask codegen` refuses the new file:\n{refused}")
    })?;
    let mut files: BTreeMap<PathBuf, String> = BTreeMap::new();
    for (rel, text) in &old_files {
        if std::fs::read_to_string(root.join(rel)).ok().as_deref() != Some(text.as_str()) {
            update.stale_before.push(rel.clone());
        }
    }
    for (rel, text) in &new_files {
        if std::fs::read_to_string(root.join(rel)).ok().as_deref() != Some(text.as_str()) {
            files.insert(rel.clone(), text.clone());
        }
    }
    if std::fs::read_to_string(root.join(spec_rel)).ok().as_deref() != Some(spec_text.as_str()) {
        files.insert(spec_rel.to_owned(), spec_text);
    }
    if let Some(text) = pruned {
        files.insert(patch_rel, text);
    }
    update.surfaces = compare::surfaces(manifest, &old_files, &new_files);
    update.apis = compare::public_apis(root, &old_files, &new_files)?;
    let items: Vec<String> = update
        .surfaces
        .iter()
        .filter(|c| c.krate == update.krate)
        .flat_map(|c| c.items.clone())
        .collect();
    update.facade_uses = compare::facade_uses(root, &update.krate, &items);
    let snapshots_dir = root.join(crate::snapshot::DIR);
    for change in update.surfaces.iter().chain(&update.apis) {
        if snapshots_dir.exists() {
            files.insert(change.file.clone(), change.text.clone());
        }
    }
    let delta = release::Delta {
        removed: update
            .surfaces
            .iter()
            .chain(&update.apis)
            .map(|c| c.removed.len())
            .sum(),
        added: update
            .surfaces
            .iter()
            .chain(&update.apis)
            .map(|c| c.added.len())
            .sum(),
        // The spec file (and its patch file) alone is no release: `specs/` ships in no crate.
        files_changed: files
            .keys()
            .any(|f| f != spec_rel && *f != spec::patch_path(spec_rel)),
        variants_added: update
            .report
            .changes
            .iter()
            .filter(|c| c.kind == crate::kind::FindingKind::NewEnumValue)
            .filter(|c| c.side == diff::Side::Request)
            .count(),
    };
    let version = workspace_version(root);
    let release = release::decide(version.as_deref(), delta);
    let info = |doc: &Value| {
        doc.pointer("/info/version")
            .and_then(Value::as_str)
            .unwrap_or("?")
            .to_owned()
    };
    let crates: Vec<String> = {
        let mut c: Vec<String> = update
            .surfaces
            .iter()
            .chain(&update.apis)
            .map(|c| c.krate.clone())
            .collect();
        c.dedup();
        c
    };
    let redundant: Vec<(usize, String)> = update
        .patch
        .iter()
        .filter(|o| o.status == Status::Redundant)
        .map(|o| (o.index, o.why.clone()))
        .collect();
    update.changelog = release::changelog(&release::Entry {
        spec: &spec_rel.file_stem().unwrap_or_default().to_string_lossy(),
        api_version: (info(old_json), info(new_doc)),
        crates: &crates,
        release: &release,
        changes: &update.report.changes,
        redundant: &redundant,
    });
    update.release = Some(release);
    update.files = files.keys().cloned().collect();
    if !update.dry_run {
        commit::write_all(root, &files).map_err(|e| e.to_string())?;
    }
    Ok(())
}

/// The spec file's new text: NOX's file as it is when it has the spec's format (JSON or
/// YAML), else converted to it.
fn spec_text(
    spec_rel: &Path,
    new_text: &str,
    new_file: &Path,
    doc: &Value,
) -> Result<String, String> {
    let is_json = |p: &Path| {
        p.extension()
            .is_some_and(|e| e.eq_ignore_ascii_case("json"))
    };
    if is_json(spec_rel) == is_json(new_file) {
        return Ok(new_text.to_owned());
    }
    if is_json(spec_rel) {
        Ok(serde_json::to_string_pretty(doc).map_err(|e| e.to_string())? + "\n")
    } else {
        serde_yaml_ng::to_string(doc).map_err(|e| e.to_string())
    }
}

fn copy_dir(from: &Path, to: &Path) -> Result<(), String> {
    std::fs::create_dir_all(to).map_err(|e| format!("{}: {e}", to.display()))?;
    let entries = std::fs::read_dir(from).map_err(|e| format!("{}: {e}", from.display()))?;
    for entry in entries {
        let entry = entry.map_err(|e| e.to_string())?;
        let target = to.join(entry.file_name());
        if entry.path().is_dir() {
            copy_dir(&entry.path(), &target)?;
        } else {
            std::fs::copy(entry.path(), &target)
                .map_err(|e| format!("{}: {e}", target.display()))?;
        }
    }
    Ok(())
}

/// `[workspace.package] version` of the root's Cargo.toml.
fn workspace_version(root: &Path) -> Option<String> {
    let text = std::fs::read_to_string(root.join("Cargo.toml")).ok()?;
    let doc: toml::Value = toml::from_str(&text).ok()?;
    doc.get("workspace")?
        .get("package")?
        .get("version")?
        .as_str()
        .map(str::to_owned)
}
