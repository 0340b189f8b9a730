//! The operation table `cargo xtask codegen` writes into `nox-auth-runtime`.

use std::path::Path;

const TABLE: &str = "crates/nox-auth-runtime/src/operation_table.rs";

fn workspace() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap()
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
    // The Package API: its servers sit at the root (production first, then the sandbox), so
    // the path is the spec's own; its API and version are those of its `[[crate]]`.
    let package = &files[Path::new("crates/nox-package-v1/src/lib.rs")];
    assert!(package.contains("Operation::GetPvDevices,"), "{package}");
    assert!(
        !package.contains("Operation::CreateSupplierLinkSession,"),
        "{package}"
    );
    for row in [
        "Operation::GetDevices => \"/v1/devices\",",
        "Operation::GetPvDevices => \"/v1/devices/pv\",",
        "Operation::GetManufacturerDevices => \"package\",",
        "Operation::GetManufacturerDevices => \"GET\",",
    ] {
        assert!(table.contains(row), "{row}");
    }
}

#[test]
fn two_operations_of_one_name_are_refused() {
    // Two specs with an operation of the same snake_case name would give the table two
    // rows of one name: refused, nothing written.
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    copy_dir(&workspace().join("specs"), &root.join("specs"));
    let v1 = root.join("specs/v1/openapi-supplier-auth.json");
    let text = std::fs::read_to_string(&v1).unwrap();
    std::fs::write(
        &v1,
        text.replace("\"createLinkSession\"", "\"createSupplierLinkSession\""),
    )
    .unwrap();
    let errors = xtask::codegen::render_all(root).expect_err("a duplicate name is refused");
    let text: Vec<String> = errors.iter().map(ToString::to_string).collect();
    assert_eq!(text.len(), 1, "{text:?}");
    assert!(text[0].contains("operation table"), "{text:?}");
}
