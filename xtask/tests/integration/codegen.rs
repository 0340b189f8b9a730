//! Tests of `cargo xtask codegen` on the workspace's specs and on temporary copies of them:
//! what it writes (up to date, deterministic, the same from YAML), `--check`, the help and
//! the patches. Refused specs are in `codegen_errors.rs`.

use crate::common;

use std::path::Path;
use std::process::Command;

use common::{V2_SUPPLIER, edit, generated_files, temp_root, use_yaml_file, workspace};
use xtask::codegen;

#[test]
fn checked_in_output_is_up_to_date() {
    let stale = codegen::check(&workspace()).expect("specs are valid");
    let names: Vec<_> = stale.iter().map(|s| s.path.display().to_string()).collect();
    assert!(
        stale.is_empty(),
        "stale generated files: {names:?}; run `cargo xtask codegen`"
    );
}

#[test]
fn generation_is_deterministic_and_lf_only() {
    let first = codegen::render_all(&workspace()).unwrap();
    let second = codegen::render_all(&workspace()).unwrap();
    assert_eq!(first, second);
    assert_eq!(
        first.len(),
        common::generated_file_count(),
        "per crate a lib.rs, per client a module and an effective spec, and the operation table"
    );
    assert!(first.contains_key(Path::new("crates/nox-package-v1/src/devices.rs")));
    for (path, text) in &first {
        assert!(!text.contains('\r'), "{} has CR characters", path.display());
        if path.extension().is_some_and(|e| e == "json") {
            // An effective spec: JSON (no room for a header), the spec as patched.
            let doc: serde_json::Value = serde_json::from_str(text).unwrap();
            assert!(doc["openapi"].as_str().unwrap().starts_with("3.0."));
            assert!(path.starts_with("crates/nox-contract/specs"));
        } else {
            assert!(
                text.starts_with(codegen::HEADER),
                "{} lacks the generated header",
                path.display()
            );
        }
    }
}

#[test]
fn check_catches_a_one_character_change_and_passes_after_revert() {
    let root = temp_root();
    assert!(codegen::check(root.path()).unwrap().is_empty());

    let original = std::fs::read_to_string(root.path().join(V2_SUPPLIER)).unwrap();
    edit(
        root.path(),
        V2_SUPPLIER,
        "The supplier's user ID.",
        "The supplier's user ID!",
    );
    let stale = codegen::check(root.path()).unwrap();
    let paths: Vec<&Path> = stale.iter().map(|s| s.path.as_path()).collect();
    assert_eq!(
        paths,
        [
            Path::new("crates/nox-auth-v2/src/supplier.rs"),
            Path::new("crates/nox-contract/specs/openapi-supplier-auth-v2.json"),
        ],
        "only the v2 supplier module and its effective spec change"
    );
    assert!(
        stale[0]
            .diff
            .contains("-        ///The supplier's user ID."),
        "{}",
        stale[0].diff
    );
    assert!(
        stale[0]
            .diff
            .contains("+        ///The supplier's user ID!"),
        "{}",
        stale[0].diff
    );

    std::fs::write(root.path().join(V2_SUPPLIER), original).unwrap();
    assert!(codegen::check(root.path()).unwrap().is_empty());
}

#[test]
fn check_command_exits_non_zero_with_a_diff_naming_the_file() {
    let root = temp_root();
    edit(
        root.path(),
        V2_SUPPLIER,
        "Name of the supplier",
        "Name of thee supplier",
    );
    let before = generated_files(root.path());
    let out = Command::new(env!("CARGO_BIN_EXE_xtask"))
        .args(["codegen", "--check", "--root"])
        .arg(root.path())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stdout.contains("a/crates/nox-auth-v2/src/supplier.rs (checked in)"),
        "{stdout}"
    );
    assert!(
        stdout.contains("+        ///Name of thee supplier"),
        "{stdout}"
    );
    assert!(
        stderr.contains("stale: crates/nox-auth-v2/src/supplier.rs"),
        "{stderr}"
    );
    assert_eq!(
        before,
        generated_files(root.path()),
        "--check must not write"
    );

    // Without --check the same command regenerates, after which --check passes.
    let out = Command::new(env!("CARGO_BIN_EXE_xtask"))
        .args(["codegen", "--root"])
        .arg(root.path())
        .output()
        .unwrap();
    assert!(out.status.success());
    assert!(codegen::check(root.path()).unwrap().is_empty());
}

#[test]
fn help_explains_the_command() {
    let out = Command::new(env!("CARGO_BIN_EXE_xtask"))
        .args(["codegen", "--help"])
        .output()
        .unwrap();
    assert!(out.status.success());
    let help = String::from_utf8_lossy(&out.stdout);
    for needle in [
        "--check",
        "codegen.toml",
        "patch.yaml",
        "operationId",
        "Nothing is written",
    ] {
        assert!(help.contains(needle), "help lacks {needle:?}:\n{help}");
    }
}

#[test]
fn yaml_specs_generate_the_same_code_as_json() {
    let root = temp_root();
    let json = std::fs::read_to_string(root.path().join(V2_SUPPLIER)).unwrap();
    let value: serde_json::Value = serde_json::from_str(&json).unwrap();
    // The patch file follows the spec's stem, so it applies to the YAML file too.
    use_yaml_file(
        root.path(),
        "v2/openapi-supplier-auth-v2.json",
        "v2/openapi-supplier-auth-v2.yaml",
        &serde_yaml_ng::to_string(&value).unwrap(),
    );
    let stale = codegen::check(root.path()).unwrap();
    assert!(!stale.is_empty(), "the source file name is in the output");
    // Only the lines naming the source file differ.
    for s in &stale {
        for line in s
            .diff
            .lines()
            .filter(|l| l.starts_with(['+', '-']) && !l.starts_with("+++") && !l.starts_with("---"))
        {
            assert!(
                line.contains("openapi-supplier-auth-v2."),
                "unexpected change: {line}"
            );
        }
    }
}

#[test]
fn patches_are_applied() {
    let spec = xtask::spec::load(&workspace().join(V2_SUPPLIER)).unwrap();
    let responses = &spec.json["paths"]["/supplier/link-sessions"]["post"]["responses"];
    assert!(responses.get("401").is_some(), "the patch adds 401");
    let example = &spec.json["components"]["schemas"]["CreateSupplierLinkSessionResponse"]["properties"]
        ["completed_at"]["example"];
    assert!(example.is_null());
}

/// The spelling rule (specs/README.md, decision 22): in every effective spec an enum that
/// allows null lists it, with neither `nullable` (Prism 5 then validates nothing) nor `type`
/// (null would be refused); and the generated field is still an `Option` of the enum.
#[test]
fn nullable_enums_have_one_spelling_in_every_effective_spec() {
    fn walk(v: &serde_json::Value, at: &str, out: &mut Vec<String>) {
        match v {
            serde_json::Value::Object(obj) => {
                if let Some(serde_json::Value::Array(values)) = obj.get("enum") {
                    if obj.get("nullable") == Some(&serde_json::Value::Bool(true)) {
                        out.push(format!("{at}: `nullable` beside an enum"));
                    }
                    if values.iter().any(|v| v.is_null()) && obj.contains_key("type") {
                        out.push(format!("{at}: `type` beside an enum that lists null"));
                    }
                }
                for (k, child) in obj {
                    if !matches!(k.as_str(), "enum" | "example" | "examples" | "default") {
                        walk(child, &format!("{at}/{k}"), out);
                    }
                }
            }
            serde_json::Value::Array(items) => {
                for (i, child) in items.iter().enumerate() {
                    walk(child, &format!("{at}/{i}"), out);
                }
            }
            _ => {}
        }
    }
    let files = codegen::render_all(&workspace()).unwrap();
    let mut problems = Vec::new();
    for (path, text) in &files {
        if path.extension().is_some_and(|e| e == "json") {
            let doc: serde_json::Value = serde_json::from_str(text).unwrap();
            walk(&doc, &path.display().to_string(), &mut problems);
        }
    }
    assert!(problems.is_empty(), "{problems:#?}");

    let spec = xtask::spec::load(&workspace().join(V2_SUPPLIER)).unwrap();
    let brand = &spec.json["components"]["schemas"]["Brand"];
    assert_eq!(
        brand["enum"].as_array().unwrap().last(),
        Some(&serde_json::Value::Null)
    );
    assert!(
        brand.get("type").is_none() && brand.get("nullable").is_none(),
        "{brand}"
    );
    let generated = &files[Path::new("crates/nox-auth-v2/src/supplier.rs")];
    assert!(
        generated.contains("pub brand: ::std::option::Option<Brand>,"),
        "the request's brand is an optional Brand"
    );
}
