//! Tests of `cargo xtask codegen` on broken copies of the workspace's specs: every refusal
//! names the file (and the operation), and a failed run writes nothing.

use crate::common;

use std::path::Path;
use std::process::Command;

use common::{V2_SUPPLIER, edit, generated_files, temp_root, use_yaml_file};
use xtask::CodegenError;
use xtask::codegen;

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
