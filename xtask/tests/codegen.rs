//! Tests of `cargo xtask codegen` on temporary copies of the workspace's specs.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use xtask::CodegenError;
use xtask::codegen;

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .to_owned()
}

/// Copies `specs/` and the generated crates' sources into a fresh temporary root.
fn temp_root() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let src = workspace();
    copy_dir(&src.join("specs"), &dir.path().join("specs"));
    for krate in ["nox-auth-v1", "nox-auth-v2", "nox-auth-runtime"] {
        let rel = Path::new("crates").join(krate).join("src");
        copy_dir(&src.join(&rel), &dir.path().join(&rel));
    }
    let effective = Path::new("crates/nox-contract/specs");
    copy_dir(&src.join(effective), &dir.path().join(effective));
    dir
}

fn copy_dir(from: &Path, to: &Path) {
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
fn generated_files(root: &Path) -> BTreeMap<PathBuf, Vec<u8>> {
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

fn edit(root: &Path, rel: &str, from: &str, to: &str) {
    let path = root.join(rel);
    let text = std::fs::read_to_string(&path).unwrap();
    assert!(text.contains(from), "{rel} does not contain {from:?}");
    std::fs::write(&path, text.replacen(from, to, 1)).unwrap();
}

const V2_SUPPLIER: &str = "specs/v2/openapi-supplier-auth-v2.json";

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
        11,
        "2 crates × (lib.rs + 2 modules) + 4 effective specs + the operation table"
    );
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

/// Runs codegen (write mode) on a broken copy; asserts it fails and writes nothing.
fn failing_run(root: &Path) -> Vec<CodegenError> {
    let before = generated_files(root);
    let errors = codegen::write(root).expect_err("a bad spec must fail");
    assert_eq!(
        before,
        generated_files(root),
        "a failed run must not touch the output"
    );
    let out = Command::new(env!("CARGO_BIN_EXE_xtask"))
        .args(["codegen", "--root"])
        .arg(root)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("nothing was written"));
    assert_eq!(
        before,
        generated_files(root),
        "a failed command must not touch the output"
    );
    errors
}

fn only(errors: Vec<CodegenError>) -> (CodegenError, String) {
    assert_eq!(errors.len(), 1, "{errors:?}");
    let e = errors.into_iter().next().unwrap();
    let msg = e.to_string();
    (e, msg)
}

#[test]
fn invalid_json_is_reported_with_file_and_position() {
    let root = temp_root();
    edit(
        root.path(),
        V2_SUPPLIER,
        "\"openapi\": \"3.0.3\",",
        "\"openapi\": \"3.0.3\"",
    );
    let (e, msg) = only(failing_run(root.path()));
    assert!(
        matches!(e, CodegenError::Parse { format: "JSON", .. }),
        "{e:?}"
    );
    assert!(
        msg.contains("openapi-supplier-auth-v2.json: not valid JSON"),
        "{msg}"
    );
    assert!(msg.contains("line 3"), "{msg}");
}

fn use_yaml_file(root: &Path, json_name: &str, yaml_name: &str, yaml: &str) {
    let manifest = root.join("specs/codegen.toml");
    let text = std::fs::read_to_string(&manifest).unwrap();
    assert!(text.contains(json_name));
    std::fs::write(&manifest, text.replace(json_name, yaml_name)).unwrap();
    std::fs::write(root.join("specs").join(yaml_name), yaml).unwrap();
}

#[test]
fn invalid_yaml_is_reported_with_file() {
    let root = temp_root();
    use_yaml_file(
        root.path(),
        "v1/openapi-supplier-auth.json",
        "v1/openapi-supplier-auth.yaml",
        "openapi: 3.0.3\ninfo: {title: x\n",
    );
    let (e, msg) = only(failing_run(root.path()));
    assert!(
        matches!(e, CodegenError::Parse { format: "YAML", .. }),
        "{e:?}"
    );
    assert!(
        msg.contains("openapi-supplier-auth.yaml: not valid YAML"),
        "{msg}"
    );
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
fn openapi_3_1_is_refused_with_a_hint() {
    let root = temp_root();
    edit(
        root.path(),
        V2_SUPPLIER,
        "\"openapi\": \"3.0.3\"",
        "\"openapi\": \"3.1.0\"",
    );
    let (e, msg) = only(failing_run(root.path()));
    assert!(
        matches!(e, CodegenError::UnsupportedVersion { .. }),
        "{e:?}"
    );
    assert!(
        msg.contains("openapi-supplier-auth-v2.json: OpenAPI version `3.1.0` is not supported"),
        "{msg}"
    );
    assert!(msg.contains("convert it to 3.0.3"), "{msg}");
}

#[test]
fn missing_operation_id_names_the_operation() {
    let root = temp_root();
    edit(
        root.path(),
        V2_SUPPLIER,
        "\"operationId\": \"createSupplierLinkSession\",",
        "",
    );
    let (e, msg) = only(failing_run(root.path()));
    assert!(
        matches!(e, CodegenError::MissingOperationId { .. }),
        "{e:?}"
    );
    assert!(
        msg.contains("operation `POST /supplier/link-sessions` has no operationId"),
        "{msg}"
    );
}

#[test]
fn duplicate_operation_id_names_both_operations() {
    let root = temp_root();
    edit(
        root.path(),
        "specs/v2/openapi-manufacturer-auth-v2.json",
        "\"operationId\": \"createManufacturerDeviceConnection\"",
        "\"operationId\": \"createManufacturerLinkSession\"",
    );
    let (e, msg) = only(failing_run(root.path()));
    assert!(
        matches!(e, CodegenError::DuplicateOperationId { .. }),
        "{e:?}"
    );
    assert!(
        msg.contains("operationId `createManufacturerLinkSession` is used by both"),
        "{msg}"
    );
    assert!(msg.contains("POST /manufacturer/link-sessions"), "{msg}");
    assert!(
        msg.contains("POST /manufacturer/device-connections"),
        "{msg}"
    );
}

#[test]
fn two_error_schemas_on_one_operation_are_refused_before_progenitor_panics() {
    let root = temp_root();
    let path = root.path().join("specs/v1/openapi-supplier-auth.json");
    let mut doc: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    doc["paths"]["/users/{userId}/link"]["post"]["responses"]["401"]["content"]["application/json"]
        ["schema"] =
        serde_json::json!({"type": "object", "properties": {"detail": {"type": "string"}}});
    std::fs::write(&path, serde_json::to_string_pretty(&doc).unwrap()).unwrap();
    let (e, msg) = only(failing_run(root.path()));
    assert!(
        matches!(
            e,
            CodegenError::MultipleResponseTypes {
                side: "error",
                count: 2,
                ..
            }
        ),
        "{e:?}"
    );
    assert!(
        msg.contains(
            "openapi-supplier-auth.json: operation `createLinkSession` (POST /users/{userId}/link)"
        ),
        "{msg}"
    );
    assert!(msg.contains("responses 400, 401"), "{msg}");
}

#[test]
fn errors_of_several_specs_are_all_reported() {
    let root = temp_root();
    edit(
        root.path(),
        V2_SUPPLIER,
        "\"openapi\": \"3.0.3\"",
        "\"openapi\": \"3.1.0\"",
    );
    edit(
        root.path(),
        "specs/v1/openapi-manufacturer-auth.json",
        "\"operationId\": \"connectNoxManufacturer\",",
        "",
    );
    let errors = failing_run(root.path());
    assert_eq!(errors.len(), 2, "{errors:?}");
}

#[test]
fn patch_operation_without_why_is_refused() {
    let root = temp_root();
    edit(
        root.path(),
        "specs/v2/openapi-supplier-auth-v2.patch.yaml",
        "- why: 'Typo in the published description (\"with the intend to\"); it ends up in rustdoc.'\n  op:",
        "- op:",
    );
    let (e, msg) = only(failing_run(root.path()));
    assert!(matches!(e, CodegenError::Patch { .. }), "{e:?}");
    assert!(
        msg.contains("openapi-supplier-auth-v2.patch.yaml: operation #2 has no `why`"),
        "{msg}"
    );
}

#[test]
fn patch_operation_that_no_longer_applies_is_named() {
    let root = temp_root();
    edit(
        root.path(),
        "specs/v2/openapi-supplier-auth-v2.patch.yaml",
        "path: /components/schemas/CreateSupplierLinkSessionResponse/properties/completed_at/example",
        "path: /components/schemas/Gone/properties/completed_at/example",
    );
    let (e, msg) = only(failing_run(root.path()));
    assert!(matches!(e, CodegenError::Patch { .. }), "{e:?}");
    assert!(
        msg.contains("operation #0 (NOX's example says 123"),
        "{msg}"
    );
    assert!(msg.contains("does not apply"), "{msg}");
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
