//! Naming a spec of `specs/codegen.toml` on the command line: by its file stem
//! (`openapi-supplier-auth-v2`), its path (`specs/v2/openapi-supplier-auth-v2.json`, from the
//! workspace root or the current directory), or `crate/module` (`nox-auth-v2/supplier`).

use std::path::{Path, PathBuf};

use crate::codegen::{ClientEntry, CrateEntry, Manifest};

/// A spec of the manifest, with the crate and module it becomes.
#[derive(Debug, Clone, Copy)]
pub struct Named<'m> {
    /// The generated crate.
    pub krate: &'m CrateEntry,
    /// The module of that crate, and its spec.
    pub client: &'m ClientEntry,
}

impl Named<'_> {
    /// The spec's file stem (`openapi-supplier-auth-v2`).
    pub fn stem(&self) -> String {
        stem(&self.client.spec)
    }

    /// `nox-auth-v2/supplier`.
    pub fn crate_module(&self) -> String {
        format!("{}/{}", crate_dir(self.krate), self.client.module)
    }
}

fn stem(path: &Path) -> String {
    path.file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default()
}

/// The folder name of a generated crate (`nox-auth-v2`).
pub fn crate_dir(krate: &CrateEntry) -> String {
    krate
        .path
        .file_name()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default()
}

fn same_file(a: &Path, b: &Path) -> bool {
    match (a.canonicalize(), b.canonicalize()) {
        (Ok(a), Ok(b)) => a == b,
        _ => false,
    }
}

/// The spec `arg` names, if it names one of the manifest.
pub fn find<'m>(root: &Path, manifest: &'m Manifest, arg: &str) -> Option<Named<'m>> {
    let as_path = PathBuf::from(arg);
    for krate in &manifest.crates {
        for client in &krate.clients {
            let named = Named { krate, client };
            let spec = root.join(&client.spec);
            if arg == named.stem()
                || arg == named.crate_module()
                || as_path == client.spec
                || same_file(&as_path, &spec)
            {
                return Some(named);
            }
        }
    }
    None
}

/// Every name `find` knows, one per spec, for an error message.
pub fn names(manifest: &Manifest) -> Vec<String> {
    manifest
        .crates
        .iter()
        .flat_map(|k| k.clients.iter().map(|c| stem(&c.spec)))
        .collect()
}
