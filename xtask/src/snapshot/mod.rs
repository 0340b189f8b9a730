//! The insta snapshots the xtask tests assert, computed here so that `cargo xtask spec
//! update` compares (and writes) exactly what the tests would: the API surface of each
//! generated client module ([`surface`], `tests/surface.rs`) and the public API of the
//! hand-written crates ([`api`], `tests/public_api.rs`).

pub mod api;
pub mod surface;

use std::path::{Path, PathBuf};

/// The hand-written crates whose public API is a snapshot (`tests/public_api.rs`).
pub const HAND_WRITTEN: [&str; 5] = [
    "nox-auth",
    "nox-auth-runtime",
    "nox-mock",
    "nox-contract",
    "nox-auth-axum",
];

/// Where the snapshots live, relative to the workspace root.
pub const DIR: &str = "xtask/tests/snapshots";

/// The snapshot file of a generated module (`surface__nox-auth-v2__supplier.snap`).
pub fn surface_file(crate_dir: &str, module: &str) -> PathBuf {
    Path::new(DIR).join(format!("surface__{crate_dir}__{module}.snap"))
}

/// The snapshot file of a hand-written crate (`public_api__public_api__nox-auth.snap`).
pub fn api_file(krate: &str) -> PathBuf {
    Path::new(DIR).join(format!("public_api__public_api__{krate}.snap"))
}

/// A snapshot file as insta writes it: its header, then the contents.
pub fn render(source: &str, expression: &str, contents: &str) -> String {
    format!(
        "---\nsource: {source}\nexpression: {expression}\n---\n{}\n",
        contents.trim_end()
    )
}

/// A surface snapshot file (as `tests/surface.rs` asserts it).
pub fn render_surface(contents: &str) -> String {
    render("xtask/tests/surface.rs", "surface(code)", contents)
}

/// A public-API snapshot file (as `tests/public_api.rs` asserts it).
pub fn render_api(contents: &str) -> String {
    render("xtask/tests/public_api.rs", "api(krate)", contents)
}

/// The contents of a snapshot file (after its header), if it exists.
pub fn contents(path: &Path) -> Option<String> {
    let text = std::fs::read_to_string(path).ok()?;
    let body = text
        .strip_prefix("---\n")
        .and_then(|rest| rest.split_once("\n---\n"))
        .map(|(_, body)| body)
        .unwrap_or(&text);
    Some(body.trim_end().to_owned() + "\n")
}
