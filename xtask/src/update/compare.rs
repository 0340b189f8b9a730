//! What a regeneration does to the API snapshots: the surface of each generated module, the
//! public API of each hand-written crate (the operation table is generated into
//! `nox-auth-runtime`), and what the facade re-exports of the generated crates.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Serialize;

use crate::codegen::Manifest;
use crate::snapshot;
use crate::specref::crate_dir;

/// One snapshot that changes.
#[derive(Debug, Clone, Serialize)]
pub struct SnapshotChange {
    /// The snapshot file, relative to the workspace root.
    pub file: PathBuf,
    /// `nox-auth-v2/supplier` (a generated module) or `nox-auth-runtime` (a crate).
    pub name: String,
    /// The generated crate (`nox-auth-v2`) or the hand-written crate.
    pub krate: String,
    /// Lines gone (or changed).
    pub removed: Vec<String>,
    /// Lines new (or changed).
    pub added: Vec<String>,
    /// The items (types, operations) whose lines change: `Brand`.
    pub items: Vec<String>,
    /// The snapshot file as the test asserts it after the update.
    #[serde(skip)]
    pub text: String,
}

fn changed_lines(old: &str, new: &str) -> (Vec<String>, Vec<String>) {
    let mut removed = Vec::new();
    let mut added = Vec::new();
    for change in similar::TextDiff::from_lines(old, new).iter_all_changes() {
        let line = change.value().trim_end().to_owned();
        match change.tag() {
            similar::ChangeTag::Delete => removed.push(line),
            similar::ChangeTag::Insert => added.push(line),
            similar::ChangeTag::Equal => {}
        }
    }
    (removed, added)
}

/// The items of a surface whose lines change: the name ending the unindented line above a
/// changed line (`enum Brand` → `Brand`), or the changed unindented line itself.
fn changed_items(old: &str, new: &str) -> Vec<String> {
    let mut items = std::collections::BTreeSet::new();
    let mut current = String::new();
    for change in similar::TextDiff::from_lines(old, new).iter_all_changes() {
        let line = change.value().trim_end();
        if !line.starts_with(' ') && !line.is_empty() {
            current = line
                .split_whitespace()
                .last()
                .unwrap_or_default()
                .to_owned();
        }
        if change.tag() != similar::ChangeTag::Equal && !current.is_empty() {
            items.insert(current.clone());
        }
    }
    items.into_iter().collect()
}

/// The changed `items` of the generated crate `crate_dir` that the facade's own code names
/// (by name, in its files that name the crate): its conversions may match them
/// exhaustively, so `cargo check -p nox-auth` must be run.
pub fn facade_uses(root: &Path, crate_dir: &str, items: &[String]) -> Vec<String> {
    fn sources(dir: &Path, out: &mut Vec<String>) {
        for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
            let path = entry.path();
            if path.is_dir() {
                sources(&path, out);
            } else if path.extension().is_some_and(|e| e == "rs") {
                out.extend(std::fs::read_to_string(&path).ok());
            }
        }
    }
    let mut texts = Vec::new();
    sources(&root.join("crates").join(FACADE).join("src"), &mut texts);
    let ident = crate_dir.replace('-', "_");
    let words: std::collections::BTreeSet<&str> = texts
        .iter()
        .filter(|t| t.contains(&ident))
        .flat_map(|t| t.split(|c: char| !(c.is_alphanumeric() || c == '_')))
        .collect();
    items
        .iter()
        .filter(|i| words.contains(i.as_str()))
        .cloned()
        .collect()
}

/// The generated modules whose surface changes from `old` to `new` (rendered files).
pub fn surfaces(
    manifest: &Manifest,
    old: &BTreeMap<PathBuf, String>,
    new: &BTreeMap<PathBuf, String>,
) -> Vec<SnapshotChange> {
    let mut out = Vec::new();
    for krate in &manifest.crates {
        let dir = crate_dir(krate);
        for client in &krate.clients {
            let rel = krate.path.join("src").join(format!("{}.rs", client.module));
            let (Some(a), Some(b)) = (old.get(&rel), new.get(&rel)) else {
                continue;
            };
            let (a, b) = (snapshot::surface::surface(a), snapshot::surface::surface(b));
            if a == b {
                continue;
            }
            let (removed, added) = changed_lines(&a, &b);
            out.push(SnapshotChange {
                file: snapshot::surface_file(&dir, &client.module),
                name: format!("{dir}/{}", client.module),
                krate: dir.clone(),
                removed,
                added,
                items: changed_items(&a, &b),
                text: snapshot::render_surface(&b),
            });
        }
    }
    out
}

/// The hand-written crates under `root` whose public API changes when the files of `old`
/// are replaced by those of `new` (the operation table, in practice).
pub fn public_apis(
    root: &Path,
    old: &BTreeMap<PathBuf, String>,
    new: &BTreeMap<PathBuf, String>,
) -> Result<Vec<SnapshotChange>, String> {
    let mut out = Vec::new();
    for krate in snapshot::HAND_WRITTEN {
        let prefix = Path::new("crates").join(krate);
        if !root.join(&prefix).join("src").exists() {
            continue;
        }
        let only_mine = |files: &BTreeMap<PathBuf, String>| -> BTreeMap<PathBuf, String> {
            files
                .iter()
                .filter(|(p, _)| p.starts_with(&prefix))
                .map(|(p, t)| (p.clone(), t.clone()))
                .collect()
        };
        let (old_overlay, new_overlay) = (only_mine(old), only_mine(new));
        if new_overlay.is_empty() || old_overlay == new_overlay {
            continue;
        }
        let a = snapshot::api::public_api(root, krate, &old_overlay)?;
        let b = snapshot::api::public_api(root, krate, &new_overlay)?;
        if a == b {
            continue;
        }
        let (removed, added) = changed_lines(&a, &b);
        out.push(SnapshotChange {
            file: snapshot::api_file(krate),
            name: krate.to_owned(),
            krate: krate.to_owned(),
            removed,
            added,
            items: Vec::new(),
            text: snapshot::render_api(&b),
        });
    }
    Ok(out)
}

/// The facade: the crate users depend on.
pub const FACADE: &str = "nox-auth";

/// The name under which the facade re-exports the generated crate in `crate_dir`
/// (`pub use nox_auth_v2 as v2;` → `v2`), if it does.
pub fn facade_alias(root: &Path, crate_dir: &str) -> Option<String> {
    let lib = root.join("crates").join(FACADE).join("src/lib.rs");
    let file = syn::parse_file(&std::fs::read_to_string(lib).ok()?).ok()?;
    let ident = crate_dir.replace('-', "_");
    file.items.iter().find_map(|item| match item {
        syn::Item::Use(u) if matches!(u.vis, syn::Visibility::Public(_)) => match &u.tree {
            syn::UseTree::Rename(r) if r.ident == ident => Some(r.rename.to_string()),
            _ => None,
        },
        _ => None,
    })
}
