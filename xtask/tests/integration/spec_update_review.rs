//! `spec update` on what a hostile review found: text from NOX's file reaching the terminal
//! unescaped, the checked-in file given as the new one, the facade's own conversions, and
//! patch operations NOX's file made redundant.

use crate::common;

use common::{V2_SUPPLIER, response_schema, revision, temp_workspace, tree, workspace};
use serde_json::{Value, json};
use xtask::update;

#[test]
fn text_from_the_new_file_is_escaped_in_the_changelog_entry_and_the_stop_reason() {
    let root = temp_workspace();
    let news = tempfile::tempdir().unwrap();
    let new = revision(news.path(), "new.json", |doc| {
        doc["info"]["version"] = "2.0.1\u{1b}[2J\u{1b}]0;owned\u{7}".into();
        let props = response_schema(doc)["properties"].as_object_mut().unwrap();
        props.insert(
            "evil\u{1b}[31mRED\u{202e}".into(),
            json!({"type": "string"}),
        );
    });
    let u = update::run(root.path(), V2_SUPPLIER, &new, true).unwrap();
    assert_eq!(u.exit_status(), 0, "{}", u.text());
    for text in [u.text(), u.changelog.clone()] {
        assert!(
            !text.contains('\u{1b}') && !text.contains('\u{202e}'),
            "{text}"
        );
        assert!(text.contains("\\u{1b}[2J"), "{text}");
    }
    // Stopped: the reason (codegen's refusal, naming the operation) escaped too.
    let stop = revision(news.path(), "stop.json", |doc| {
        let op = &mut doc["paths"]["/supplier/link-sessions"]["post"];
        op["operationId"] = "create\u{1b}[2JX".into();
        op["responses"]["200"] = json!({"description": "ok", "content": {"application/json":
            {"schema": {"type": "object", "properties": {"z": {"type": "string"}}}}}});
    });
    let u = update::run(root.path(), V2_SUPPLIER, &stop, true).unwrap();
    let text = u.text();
    assert!(text.contains("STOPPED"), "{text}");
    assert!(!text.contains('\u{1b}'), "{text}");
}

#[test]
fn the_checked_in_spec_given_as_the_new_file_is_refused() {
    let root = temp_workspace();
    let own = root.path().join(V2_SUPPLIER);
    // Also by another spelling of the same path.
    let other = root
        .path()
        .join("specs/v2/../v2/openapi-supplier-auth-v2.json");
    for new in [own, other] {
        let err = update::run(root.path(), "openapi-supplier-auth-v2", &new, true).unwrap_err();
        assert!(err.contains("is the checked-in spec itself"), "{err}");
    }
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_xtask"))
        .args(["spec", "update", "openapi-supplier-auth-v2"])
        .arg(root.path().join(V2_SUPPLIER))
        .arg("--root")
        .arg(root.path())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn a_changed_type_the_facade_converts_is_named_with_cargo_check_to_run() {
    let root = temp_workspace();
    common::copy_dir(
        &workspace().join("crates/nox-auth/src"),
        &root.path().join("crates/nox-auth/src"),
    );
    let news = tempfile::tempdir().unwrap();
    // A widened enum: `brand.rs` matches the generated `Brand` without a wildcard.
    let new = revision(news.path(), "new.json", |doc| {
        let brand = &mut doc["components"]["schemas"]["Brand"]["enum"];
        brand.as_array_mut().unwrap().push("newbrand".into());
    });
    let u = update::run(root.path(), V2_SUPPLIER, &new, true).unwrap();
    assert_eq!(u.exit_status(), 0, "{}", u.text());
    assert!(
        u.facade_uses.contains(&"Brand".to_owned()),
        "{:?}",
        u.facade_uses
    );
    let text = u.text();
    assert!(text.contains("run `cargo check -p nox-auth`"), "{text}");
    assert!(!text.contains("own items are unchanged"), "{text}");
}

#[test]
fn redundant_patch_operations_are_not_applied_and_leave_the_patch_file() {
    // NOX fixes `Brand` as our operations #3-#6 do: all four redundant (a `remove` of what is
    // gone would not apply, an `add` to the end of the enum would list null twice).
    for fully in [false, true] {
        let root = temp_workspace();
        let news = tempfile::tempdir().unwrap();
        let new = revision(news.path(), "new.json", |doc| {
            let schemas = &mut doc["components"]["schemas"];
            schemas["Brand"]["nullable"] = true.into();
            schemas["Brand"]["enum"]
                .as_array_mut()
                .unwrap()
                .push(Value::Null);
            if fully {
                for s in [
                    "CreateSupplierLinkSessionRequest",
                    "CreateSupplierLinkSessionResponse",
                ] {
                    let brand = schemas[s]["properties"]["brand"].as_object_mut().unwrap();
                    brand.remove("nullable");
                }
            }
        });
        let u = update::run(root.path(), V2_SUPPLIER, &new, false).unwrap();
        assert_eq!(u.exit_status(), 0, "{}", u.text());
        let rel = V2_SUPPLIER.replace(".json", ".patch.yaml");
        let patch = std::fs::read_to_string(root.path().join(&rel)).unwrap();
        let before = std::fs::read_to_string(workspace().join(&rel)).unwrap();
        let ops = xtask::patch::parse(std::path::Path::new(&rel), &patch).unwrap();
        let old_ops = xtask::patch::parse(std::path::Path::new(&rel), &before).unwrap();
        let gone = if fully { 4 } else { 2 };
        assert_eq!(ops.len(), old_ops.len() - gone, "{patch}");
        assert!(
            !patch.contains("/components/schemas/Brand/enum/-"),
            "{patch}"
        );
        // The header comment stays.
        assert!(patch.starts_with(before.lines().next().unwrap()), "{patch}");
        // The effective spec (patched, what the code is generated from) lists null once.
        let effective = root
            .path()
            .join("crates/nox-contract/specs/openapi-supplier-auth-v2.json");
        let text = std::fs::read_to_string(&effective).unwrap();
        let doc: Value = serde_json::from_str(&text).unwrap();
        let nulls = doc["components"]["schemas"]["Brand"]["enum"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|v| v.is_null())
            .count();
        assert_eq!(nulls, 1, "{text}");
        assert!(
            u.text().contains("removed from the patch file"),
            "{}",
            u.text()
        );
    }
    // A patch file written otherwise (a JSON list): not rewritten; the update stops, naming
    // the operations to delete, and writes nothing.
    let root = temp_workspace();
    let rel = V2_SUPPLIER.replace(".json", ".patch.yaml");
    let yaml: Value =
        serde_yaml_ng::from_str(&std::fs::read_to_string(root.path().join(&rel)).unwrap()).unwrap();
    std::fs::write(
        root.path().join(&rel),
        serde_json::to_string(&yaml).unwrap(),
    )
    .unwrap();
    let news = tempfile::tempdir().unwrap();
    let new = revision(news.path(), "new.json", |doc| {
        let brand = &mut doc["components"]["schemas"]["Brand"];
        brand["nullable"] = true.into();
        brand["enum"].as_array_mut().unwrap().push(Value::Null);
    });
    let before = tree(root.path());
    let u = update::run(root.path(), V2_SUPPLIER, &new, false).unwrap();
    assert_eq!(u.exit_status(), 1);
    let stopped = u.stopped.as_deref().unwrap();
    assert!(
        stopped.contains("#3, #4") && stopped.contains("delete these operations"),
        "{stopped}"
    );
    assert_eq!(tree(root.path()), before, "the tree changed");
}

#[test]
fn written_files_keep_their_mode_and_new_ones_are_0644() {
    use std::os::unix::fs::PermissionsExt as _;
    let mode = |p: &std::path::Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
    let root = temp_workspace();
    // codegen writes every generated file new (removed first): 0644.
    for rel in xtask::codegen::render_all(root.path()).unwrap().keys() {
        let _ = std::fs::remove_file(root.path().join(rel));
    }
    let written = xtask::codegen::write(root.path()).unwrap();
    assert!(!written.is_empty());
    for rel in &written {
        assert_eq!(mode(&root.path().join(rel)), 0o644, "{}", rel.display());
    }
    // spec update keeps a file's mode (0640 here) and gives the new ones 0644.
    let spec = root.path().join(V2_SUPPLIER);
    std::fs::set_permissions(&spec, std::fs::Permissions::from_mode(0o640)).unwrap();
    let news = tempfile::tempdir().unwrap();
    let new = revision(news.path(), "new.json", |doc| {
        let props = response_schema(doc)["properties"].as_object_mut().unwrap();
        props.insert("extra".into(), json!({"type": "string"}));
    });
    let u = update::run(root.path(), V2_SUPPLIER, &new, false).unwrap();
    assert_eq!(u.exit_status(), 0, "{}", u.text());
    assert!(u.files.len() > 1, "{:?}", u.files);
    for rel in &u.files {
        let expected = if root.path().join(rel) == spec {
            0o640
        } else {
            0o644
        };
        assert_eq!(mode(&root.path().join(rel)), expected, "{}", rel.display());
    }
}
