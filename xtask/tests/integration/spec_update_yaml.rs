//! `cargo xtask spec update` run as the program, without `--dry-run`, on a temporary workspace
//! whose spec is a YAML file: NOX's YAML file is written as it came, a JSON file is converted
//! to YAML, codegen has nothing left to do after either; and an update that stops (a stale
//! patch operation) exits 1 with the tree byte for byte as before.

use crate::common;

use std::path::Path;
use std::process::Command;

use common::{V2_SUPPLIER, revision, temp_workspace, tree, use_yaml_file, workspace};
use serde_json::Value;

const YAML_SPEC: &str = "specs/v2/openapi-supplier-auth-v2.yaml";

fn update(root: &Path, new: &Path) -> (i32, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_xtask"))
        .args(["spec", "update", "openapi-supplier-auth-v2"])
        .arg(new)
        .arg("--root")
        .arg(root)
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    let err = String::from_utf8_lossy(&out.stderr);
    (out.status.code().unwrap_or(-1), format!("{text}{err}"))
}

fn yaml_of(json: &Path, dir: &Path) -> std::path::PathBuf {
    let doc: Value = serde_json::from_slice(&std::fs::read(json).unwrap()).unwrap();
    let path = json.with_extension("yaml");
    assert!(path.starts_with(dir));
    std::fs::write(&path, serde_yaml_ng::to_string(&doc).unwrap()).unwrap();
    path
}

#[test]
fn a_yaml_spec_is_updated_from_yaml_and_from_json_and_a_stale_patch_exits_1() {
    let root = temp_workspace();
    let checked_in = xtask::spec::read_document(&workspace().join(V2_SUPPLIER)).unwrap();
    use_yaml_file(
        root.path(),
        "v2/openapi-supplier-auth-v2.json",
        "v2/openapi-supplier-auth-v2.yaml",
        &serde_yaml_ng::to_string(&checked_in).unwrap(),
    );
    std::fs::remove_file(root.path().join(V2_SUPPLIER)).unwrap();
    // The generated files name their source: regenerate them from the YAML file first.
    xtask::codegen::write(root.path()).unwrap();
    assert!(xtask::codegen::check(root.path()).unwrap().is_empty());
    let news = tempfile::tempdir().unwrap();

    // 1. NOX's YAML file: written as it came.
    let json = revision(news.path(), "language-required.json", |doc| {
        let request = &mut doc["components"]["schemas"]["CreateSupplierLinkSessionRequest"];
        request["required"]
            .as_array_mut()
            .unwrap()
            .push("language".into());
    });
    let yaml = yaml_of(&json, news.path());
    let (code, out) = update(root.path(), &yaml);
    assert_eq!(code, 0, "{out}");
    assert!(
        out.contains("request body $.language: field required"),
        "{out}"
    );
    assert_eq!(
        std::fs::read(root.path().join(YAML_SPEC)).unwrap(),
        std::fs::read(&yaml).unwrap(),
        "the YAML file is the spec as it came"
    );
    assert!(xtask::codegen::check(root.path()).unwrap().is_empty());
    let code =
        std::fs::read_to_string(root.path().join("crates/nox-auth-v2/src/supplier.rs")).unwrap();
    assert!(
        code.contains("pub language: Language,"),
        "the request field is required now"
    );

    // 2. A JSON file for the YAML spec: converted to YAML.
    let json = revision(news.path(), "user-id-bounded.json", |doc| {
        let request = &mut doc["components"]["schemas"]["CreateSupplierLinkSessionRequest"];
        request["required"]
            .as_array_mut()
            .unwrap()
            .push("language".into());
        request["properties"]["user_id"]["maxLength"] = 256.into();
    });
    let (code, out) = update(root.path(), &json);
    assert_eq!(code, 0, "{out}");
    assert!(
        out.contains("request body $.user_id: constraint tightened"),
        "{out}"
    );
    let written = std::fs::read_to_string(root.path().join(YAML_SPEC)).unwrap();
    assert!(
        !written.trim_start().starts_with('{'),
        "written as YAML: {written}"
    );
    let parsed: Value = serde_yaml_ng::from_str(&written).unwrap();
    let sent: Value = serde_json::from_slice(&std::fs::read(&json).unwrap()).unwrap();
    assert_eq!(parsed, sent);
    assert!(xtask::codegen::check(root.path()).unwrap().is_empty());

    // 3. A stale patch operation (its target, `completed_at`, is gone): exit 1, nothing written.
    let stale = revision(news.path(), "stale.json", |doc| {
        let response = &mut doc["components"]["schemas"]["CreateSupplierLinkSessionResponse"];
        response["properties"]
            .as_object_mut()
            .unwrap()
            .remove("completed_at");
    });
    let stale = yaml_of(&stale, news.path());
    let before = tree(root.path());
    let (code, out) = update(root.path(), &stale);
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("STOPPED, nothing was written"), "{out}");
    assert!(out.contains("patch operation #0"), "{out}");
    assert_eq!(tree(root.path()), before, "the tree changed");
}
