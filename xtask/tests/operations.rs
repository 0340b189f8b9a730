//! The operation table `cargo xtask codegen` writes into `nox-auth-runtime`.

use std::path::Path;

const TABLE: &str = "crates/nox-auth-runtime/src/operation_table.rs";

fn workspace() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap()
}

#[test]
fn every_operation_of_every_spec_is_in_the_table_once() {
    let files = xtask::codegen::render_all(workspace()).expect("specs are valid");
    let table = &files[Path::new(TABLE)];
    assert!(table.starts_with(xtask::codegen::HEADER));
    let mut count = 0;
    for spec in std::fs::read_dir(workspace().join("crates/nox-contract/specs")).unwrap() {
        let doc: serde_json::Value =
            serde_json::from_slice(&std::fs::read(spec.unwrap().path()).unwrap()).unwrap();
        for item in doc["paths"].as_object().unwrap().values() {
            for op in item.as_object().unwrap().values() {
                let Some(id) = op.get("operationId").and_then(|v| v.as_str()) else {
                    continue;
                };
                count += 1;
                let name = xtask::operations::snake_case(id);
                assert_eq!(
                    table.matches(&format!("{id:?}")).count(),
                    1,
                    "{id} once as operation_id"
                );
                assert!(table.contains(&format!("{name:?}")), "{name} as name");
            }
        }
    }
    assert!(table.contains("pub const ALL: &'static [Operation] = &["));
    assert_eq!(
        table.matches("        Operation::").count() / 9,
        count,
        "ALL and 8 accessors"
    );
    // Each generated crate lists its own operations.
    let v2 = &files[Path::new("crates/nox-auth-v2/src/lib.rs")];
    assert!(v2.contains("Operation::CreateSupplierLinkSession,"), "{v2}");
    assert!(!v2.contains("Operation::CreateLinkSession,"), "{v2}");
}

#[test]
fn two_operations_of_one_name_are_refused() {
    // Two specs with an operation of the same snake_case name would give the table two
    // rows of one name: refused, nothing written.
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    std::fs::create_dir_all(root.join("specs/v1")).unwrap();
    std::fs::create_dir_all(root.join("specs/v2")).unwrap();
    for rel in [
        "specs/codegen.toml",
        "specs/v1/openapi-supplier-auth.json",
        "specs/v1/openapi-manufacturer-auth.json",
        "specs/v2/openapi-supplier-auth-v2.json",
        "specs/v2/openapi-manufacturer-auth-v2.json",
    ] {
        let _ = std::fs::copy(workspace().join(rel), root.join(rel));
        let patch = rel.replace(".json", ".patch.yaml");
        let _ = std::fs::copy(workspace().join(&patch), root.join(&patch));
    }
    let v1 = root.join("specs/v1/openapi-supplier-auth.json");
    let text = std::fs::read_to_string(&v1).unwrap();
    std::fs::write(
        &v1,
        text.replace("\"createLinkSession\"", "\"createSupplierLinkSession\""),
    )
    .unwrap();
    let errors = xtask::codegen::render_all(root).expect_err("a duplicate name is refused");
    let text: Vec<String> = errors.iter().map(ToString::to_string).collect();
    assert!(
        text.iter().any(|e| e.contains("operation table")),
        "{text:?}"
    );
}
