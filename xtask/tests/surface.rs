//! insta snapshots of the public API surface of every generated client module.
//!
//! `cargo xtask codegen --check` compares the generated files byte for byte; these
//! snapshots show the same change as a reviewable summary (types, fields, wire names,
//! methods, result types). After changing a spec: `cargo insta review`.
//! In CI (`CI=true`) insta never writes snapshots, so a mismatch fails the test.

use std::path::Path;

/// The snapshot of one module (the same function `cargo xtask spec update` writes with).
fn surface(code: &str) -> String {
    xtask::snapshot::surface::surface(code)
}

#[test]
fn generated_api_surface() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap();
    let files = xtask::codegen::render_all(root).expect("specs are valid");
    let mut modules = 0;
    for (path, code) in &files {
        // The crate roots, the effective specs (JSON) written beside the crates, and the
        // operation table (its API is in the runtime's public-API snapshot).
        if path.ends_with("lib.rs")
            || path.ends_with("operation_table.rs")
            || path.extension().is_none_or(|e| e != "rs")
        {
            continue;
        }
        modules += 1;
        // e.g. "nox-auth-v2__supplier"
        let krate = path
            .components()
            .nth(1)
            .unwrap()
            .as_os_str()
            .to_string_lossy();
        let module = path.file_stem().unwrap().to_string_lossy();
        insta::assert_snapshot!(format!("{krate}__{module}"), surface(code));
    }
    let manifest = xtask::codegen::Manifest::load(root).unwrap();
    let clients: usize = manifest.crates.iter().map(|k| k.clients.len()).sum();
    assert_eq!(
        modules, clients,
        "one snapshot per client module of specs/codegen.toml"
    );
}
