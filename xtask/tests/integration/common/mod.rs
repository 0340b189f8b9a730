//! Helpers shared by the codegen and spec test files (`codegen.rs`, `codegen_errors.rs`,
//! `spec_update*.rs`, …): a temporary copy of the workspace's specs and generated sources to
//! run codegen (or `spec update`) on, revisions of a spec, and small edits.
// Each test file uses its own subset of these helpers.
#![allow(dead_code)]

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde_json::Value;

pub fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .to_owned()
}

/// Copies `specs/` and everything `specs/codegen.toml` says codegen writes (each generated
/// crate's sources, the operation table's folder, the effective specs) into a fresh
/// temporary root.
pub fn temp_root() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let src = workspace();
    copy_dir(&src.join("specs"), &dir.path().join("specs"));
    let manifest = xtask::codegen::Manifest::load(&src).unwrap();
    let mut folders: Vec<PathBuf> = manifest
        .crates
        .iter()
        .map(|krate| krate.path.join("src"))
        .collect();
    folders.extend(
        manifest
            .operations
            .as_deref()
            .and_then(Path::parent)
            .map(Path::to_owned),
    );
    folders.extend(manifest.effective_specs.clone());
    for rel in folders {
        copy_dir(&src.join(&rel), &dir.path().join(&rel));
    }
    dir
}

/// How many files a codegen run writes: a `lib.rs` and a module per client of each crate, an
/// effective spec per client, and the operation table.
pub fn generated_file_count() -> usize {
    let manifest = xtask::codegen::Manifest::load(&workspace()).unwrap();
    let clients: usize = manifest.crates.iter().map(|k| k.clients.len()).sum();
    manifest.crates.len() + 2 * clients + 1
}

pub fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).unwrap();
        }
    }
}

/// Every file under `crates/` of `root`, with its bytes.
pub fn generated_files(root: &Path) -> BTreeMap<PathBuf, Vec<u8>> {
    fn walk(dir: &Path, out: &mut BTreeMap<PathBuf, Vec<u8>>) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                walk(&path, out);
            } else {
                out.insert(path.clone(), std::fs::read(&path).unwrap());
            }
        }
    }
    let mut out = BTreeMap::new();
    walk(&root.join("crates"), &mut out);
    out
}

pub fn edit(root: &Path, rel: &str, from: &str, to: &str) {
    let path = root.join(rel);
    let text = std::fs::read_to_string(&path).unwrap();
    assert!(text.contains(from), "{rel} does not contain {from:?}");
    std::fs::write(&path, text.replacen(from, to, 1)).unwrap();
}

pub fn use_yaml_file(root: &Path, json_name: &str, yaml_name: &str, yaml: &str) {
    let manifest = root.join("specs/codegen.toml");
    let text = std::fs::read_to_string(&manifest).unwrap();
    assert!(text.contains(json_name));
    std::fs::write(&manifest, text.replace(json_name, yaml_name)).unwrap();
    std::fs::write(root.join("specs").join(yaml_name), yaml).unwrap();
}

pub const V2_SUPPLIER: &str = "specs/v2/openapi-supplier-auth-v2.json";

/// A temporary workspace: what codegen reads and writes, the snapshots, the facade's lib.rs
/// and the root Cargo.toml (for the version).
pub fn temp_workspace() -> tempfile::TempDir {
    let dir = temp_root();
    let src = workspace();
    copy_dir(
        &src.join("xtask/tests/snapshots"),
        &dir.path().join("xtask/tests/snapshots"),
    );
    std::fs::create_dir_all(dir.path().join("crates/nox-auth/src")).unwrap();
    for rel in ["crates/nox-auth/src/lib.rs", "Cargo.toml"] {
        std::fs::copy(src.join(rel), dir.path().join(rel)).unwrap();
    }
    dir
}

/// Every file under `root`, with its bytes.
pub fn tree(root: &Path) -> BTreeMap<PathBuf, Vec<u8>> {
    fn walk(root: &Path, dir: &Path, out: &mut BTreeMap<PathBuf, Vec<u8>>) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                walk(root, &path, out);
            } else {
                let rel = path.strip_prefix(root).unwrap().to_owned();
                out.insert(rel, std::fs::read(&path).unwrap());
            }
        }
    }
    let mut out = BTreeMap::new();
    walk(root, root, &mut out);
    out
}

/// The checked-in v2 supplier file with `edit` applied, written as `name` in `dir`.
pub fn revision(dir: &Path, name: &str, edit: impl FnOnce(&mut Value)) -> PathBuf {
    let mut doc = xtask::spec::read_document(&workspace().join(V2_SUPPLIER)).unwrap();
    edit(&mut doc);
    let path = dir.join(name);
    std::fs::write(&path, serde_json::to_string_pretty(&doc).unwrap() + "\n").unwrap();
    path
}

pub fn response_schema(doc: &mut Value) -> &mut Value {
    &mut doc["components"]["schemas"]["CreateSupplierLinkSessionResponse"]
}
