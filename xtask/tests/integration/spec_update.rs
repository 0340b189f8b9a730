//! `cargo xtask spec update NAME NEWFILE` on temporary copies of the workspace: a full update
//! (every file written, `codegen --check` clean, the snapshots those the tests assert), and
//! every way it stops with the tree exactly as before (a stale patch operation, a file codegen
//! refuses, a write that fails halfway).

use crate::common;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use common::{V2_SUPPLIER, response_schema, revision, temp_workspace, tree, workspace};
use serde_json::Value;
use xtask::update::{self, commit, release};

#[test]
fn a_stale_patch_operation_stops_the_update_with_the_tree_unchanged() {
    let root = temp_workspace();
    let news = tempfile::tempdir().unwrap();
    // `completed_at` leaves the response, and with it the target of patch operation #0.
    let new = revision(news.path(), "new.json", |doc| {
        let props = response_schema(doc)["properties"].as_object_mut().unwrap();
        props.remove("completed_at");
    });
    let before = tree(root.path());
    let u = update::run(root.path(), "openapi-supplier-auth-v2", &new, false).unwrap();
    assert_eq!(u.exit_status(), 1);
    let stopped = u.stopped.as_deref().unwrap();
    assert!(
        stopped.contains("patch operation #0") && stopped.contains("stale"),
        "{stopped}"
    );
    assert!(u.files.is_empty());
    assert_eq!(tree(root.path()), before, "the tree changed");
    let text = u.text();
    assert!(
        text.contains("STALE") && text.contains("completed_at/example` is gone"),
        "{text}"
    );
    assert!(text.contains("STOPPED, nothing was written"), "{text}");
    // The program says the same, exit status 1.
    let out = Command::new(env!("CARGO_BIN_EXE_xtask"))
        .args(["spec", "update", "openapi-supplier-auth-v2"])
        .arg(&new)
        .arg("--root")
        .arg(root.path())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stdout).contains("STOPPED"));
    assert_eq!(tree(root.path()), before, "the tree changed");
}

#[test]
fn a_file_codegen_refuses_stops_the_update_with_the_tree_unchanged() {
    let root = temp_workspace();
    let news = tempfile::tempdir().unwrap();
    // A second success body of another type: progenitor cannot generate it.
    let new = revision(news.path(), "new.json", |doc| {
        let responses = &mut doc["paths"]["/supplier/link-sessions"]["post"]["responses"];
        responses["200"] = serde_json::json!({
            "description": "Another body.",
            "content": {"application/json": {"schema": {"type": "object", "properties": {"x": {"type": "string"}}}}}
        });
    });
    let before = tree(root.path());
    let u = update::run(root.path(), "openapi-supplier-auth-v2", &new, false).unwrap();
    assert_eq!(u.exit_status(), 1);
    let stopped = u.stopped.as_deref().unwrap();
    assert!(
        stopped.contains("refuses the new file") && stopped.contains("success body schemas"),
        "{stopped}"
    );
    // Named by its place in the workspace, not by the staging copy's.
    let named = "\n  specs/v2/openapi-supplier-auth-v2.json: operation";
    assert!(stopped.contains(named), "{stopped}");
    assert_eq!(tree(root.path()), before, "the tree changed");
}

#[test]
fn a_write_that_fails_halfway_puts_every_file_back() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    std::fs::create_dir_all(root.join("a")).unwrap();
    std::fs::write(root.join("a/one.txt"), "one").unwrap();
    std::fs::write(root.join("b.txt"), "b").unwrap();
    let before = tree(root);
    let files: BTreeMap<PathBuf, String> = [
        ("a/one.txt", "ONE"),
        ("a/two/new.txt", "new in a new folder"),
        ("b.txt", "B"),
        ("c.txt", "a new file"),
    ]
    .into_iter()
    .map(|(p, t)| (PathBuf::from(p), t.to_owned()))
    .collect();
    for renames in 0..files.len() {
        let err = commit::write_all_failing_after(root, &files, renames).unwrap_err();
        assert!(err.to_string().contains("put back"), "{err}");
        assert_eq!(tree(root), before, "after {renames} rename(s)");
        assert!(!root.join("a/two").exists(), "the folder it made is gone");
    }
    let written = commit::write_all(root, &files).unwrap();
    assert_eq!(written.len(), 4);
    assert_eq!(
        std::fs::read_to_string(root.join("a/two/new.txt")).unwrap(),
        "new in a new folder"
    );
    // Nothing to write: nothing written.
    assert!(commit::write_all(root, &files).unwrap().is_empty());
}

#[test]
fn an_update_writes_the_spec_the_code_and_the_snapshots_and_says_what_to_release() {
    let root = temp_workspace();
    let news = tempfile::tempdir().unwrap();
    let new = revision(news.path(), "new.json", |doc| {
        doc["info"]["version"] = "2.1.0".into();
        let schema = response_schema(doc);
        schema["required"]
            .as_array_mut()
            .unwrap()
            .retain(|v| v != "supplier");
        schema["properties"]
            .as_object_mut()
            .unwrap()
            .remove("supplier");
        let request = &mut doc["components"]["schemas"]["CreateSupplierLinkSessionRequest"];
        request["required"]
            .as_array_mut()
            .unwrap()
            .push("language".into());
    });
    let dry = update::run(root.path(), "nox-auth-v2/supplier", &new, true).unwrap();
    assert_eq!(dry.exit_status(), 0, "{}", dry.text());
    let before = tree(root.path());
    let u = update::run(root.path(), "nox-auth-v2/supplier", &new, false).unwrap();
    assert_eq!(u.exit_status(), 0, "{}", u.text());
    assert_eq!(u.files, dry.files, "the dry run names the same files");
    let after = tree(root.path());
    let changed: Vec<&PathBuf> = after
        .keys()
        .filter(|k| before.get(*k) != after.get(*k))
        .collect();
    let expected = [
        "crates/nox-auth-v2/src/lib.rs",
        "crates/nox-auth-v2/src/supplier.rs",
        "crates/nox-contract/specs/openapi-supplier-auth-v2.json",
        "specs/v2/openapi-supplier-auth-v2.json",
        "xtask/tests/snapshots/surface__nox-auth-v2__supplier.snap",
    ];
    assert_eq!(
        changed,
        expected
            .iter()
            .map(PathBuf::from)
            .collect::<Vec<_>>()
            .iter()
            .collect::<Vec<_>>()
    );
    assert_eq!(u.files.len(), expected.len());
    // The spec is NOX's file as it came; codegen has nothing left to do.
    assert_eq!(after[Path::new(V2_SUPPLIER)], std::fs::read(&new).unwrap());
    assert!(xtask::codegen::check(root.path()).unwrap().is_empty());
    // The snapshot written is the one tests/surface.rs asserts for the new code.
    let code =
        std::fs::read_to_string(root.path().join("crates/nox-auth-v2/src/supplier.rs")).unwrap();
    let snap = root
        .path()
        .join("xtask/tests/snapshots/surface__nox-auth-v2__supplier.snap");
    assert_eq!(
        xtask::snapshot::contents(&snap).unwrap(),
        xtask::snapshot::surface::surface(&code)
    );
    let release = u.release.as_ref().unwrap();
    assert_eq!(release.bump, release::Bump::Minor);
    let text = u.text();
    for needle in [
        "request body $.language: field required",
        "response 201 $.supplier: field removed",
        "- supplier: ::std::string::String (wire `supplier`)",
        "re-exports nox-auth-v2 as `nox_auth::v2`",
        "### NOX spec update: `openapi-supplier-auth-v2` (NOX's `info.version` 2.0.0 → 2.1.0)",
        "**minor** release",
        "**Breaking for the generated client** (`create_supplier_link_session`, `response 201 $.supplier`)",
    ] {
        assert!(text.contains(needle), "{needle:?} not in:\n{text}");
    }
    // The same file again: nothing to do.
    let again = update::run(root.path(), "openapi-supplier-auth-v2", &new, false).unwrap();
    assert!(
        again.files.is_empty() && again.report.changes.is_empty(),
        "{}",
        again.text()
    );
    assert_eq!(again.release.unwrap().bump, release::Bump::None);
}

#[test]
fn a_patch_operation_made_redundant_is_reported_and_the_code_does_not_change() {
    let root = temp_workspace();
    let news = tempfile::tempdir().unwrap();
    // NOX fixes the typo our patch operation #2 fixes; written as YAML, for a JSON spec.
    let fixed = "Creates a new link session for an energy supplier's user with the intent to authenticate with the device manufacturer. The returned link_url is where the end-user should be redirected to, to start the NOX Authenticator UI.";
    let json = revision(news.path(), "new.json", |doc| {
        doc["paths"]["/supplier/link-sessions"]["post"]["description"] = fixed.into();
    });
    let doc: Value = serde_json::from_str(&std::fs::read_to_string(&json).unwrap()).unwrap();
    let yaml = news.path().join("new.yaml");
    std::fs::write(&yaml, serde_yaml_ng::to_string(&doc).unwrap()).unwrap();
    let u = update::run(root.path(), V2_SUPPLIER, &yaml, false).unwrap();
    assert_eq!(u.exit_status(), 0, "{}", u.text());
    let redundant: Vec<usize> = u
        .patch
        .iter()
        .filter(|o| o.status == xtask::patch::Status::Redundant)
        .map(|o| o.index)
        .collect();
    assert_eq!(redundant, [2]);
    assert!(u.report.changes.is_empty(), "{}", u.text());
    let patch_file = PathBuf::from(V2_SUPPLIER.replace(".json", ".patch.yaml"));
    assert_eq!(
        u.files,
        [PathBuf::from(V2_SUPPLIER), patch_file.clone()],
        "only the spec file and its patch file change"
    );
    let patch = std::fs::read_to_string(root.path().join(&patch_file)).unwrap();
    assert!(!patch.contains("with the intend to"), "{patch}");
    let written: Value =
        serde_json::from_slice(&std::fs::read(root.path().join(V2_SUPPLIER)).unwrap()).unwrap();
    assert_eq!(written, doc, "the YAML file is written as the spec's JSON");
    assert_eq!(u.release.as_ref().unwrap().bump, release::Bump::None);
    assert!(u.text().contains("#2  redundant"), "{}", u.text());
}

#[test]
fn bad_input_exits_2_and_writes_nothing() {
    let root = temp_workspace();
    let before = tree(root.path());
    for (name, file, expected) in [
        (
            "no-such-spec",
            V2_SUPPLIER,
            "is not a spec of specs/codegen.toml",
        ),
        (
            "openapi-supplier-auth-v2",
            "/no/such/file.json",
            "/no/such/file.json",
        ),
    ] {
        let out = Command::new(env!("CARGO_BIN_EXE_xtask"))
            .args(["spec", "update", name])
            .arg(workspace().join(file))
            .arg("--root")
            .arg(root.path())
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2));
        assert!(String::from_utf8_lossy(&out.stderr).contains(expected));
    }
    assert_eq!(tree(root.path()), before);
}

#[test]
fn the_versioning_policy() {
    use release::{Bump, Delta, decide};
    let d = |removed, added, files_changed| Delta {
        removed,
        added,
        files_changed,
        variants_added: 0,
    };
    // A new variant of a generated request enum: an addition in the snapshot, but the enums
    // are exhaustive, so after 1.0 a major bump.
    let variant = Delta {
        variants_added: 1,
        ..d(0, 1, true)
    };
    let cases = [
        ("0.1.0", d(1, 0, true), Bump::Minor, Some("0.2.0")),
        ("0.1.0", d(0, 3, true), Bump::Minor, Some("0.2.0")),
        ("0.1.3", d(0, 0, true), Bump::Patch, Some("0.1.4")),
        ("0.1.0", d(0, 0, false), Bump::None, None),
        ("1.2.3", d(1, 1, true), Bump::Major, Some("2.0.0")),
        ("1.2.3", d(0, 2, true), Bump::Minor, Some("1.3.0")),
        ("1.2.3", d(0, 0, true), Bump::Patch, Some("1.2.4")),
        ("1.2.3", variant, Bump::Major, Some("2.0.0")),
        ("0.1.0", variant, Bump::Minor, Some("0.2.0")),
    ];
    for (version, delta, bump, to) in cases {
        let r = decide(Some(version), delta);
        assert_eq!((r.bump, r.to.as_deref()), (bump, to), "{version} {delta:?}");
        assert!(r.why.contains("Versioning policy"));
    }
    assert_eq!(decide(None, d(1, 0, true)).to, None);
}

#[test]
fn the_snapshot_files_update_writes_are_those_the_tests_assert() {
    let files = xtask::codegen::render_all(&workspace()).unwrap();
    let manifest = xtask::codegen::Manifest::load(&workspace()).unwrap();
    for krate in &manifest.crates {
        let dir = xtask::specref::crate_dir(krate);
        for client in &krate.clients {
            let code = &files[&krate.path.join("src").join(format!("{}.rs", client.module))];
            let file = workspace().join(xtask::snapshot::surface_file(&dir, &client.module));
            let rendered =
                xtask::snapshot::render_surface(&xtask::snapshot::surface::surface(code));
            assert_eq!(
                std::fs::read_to_string(&file).unwrap(),
                rendered,
                "{}",
                file.display()
            );
        }
    }
}

#[test]
fn a_renamed_operation_updates_the_operation_table_and_the_runtime_snapshot() {
    let root = temp_workspace();
    let news = tempfile::tempdir().unwrap();
    let new = revision(news.path(), "new.json", |doc| {
        doc["paths"]["/supplier/link-sessions"]["post"]["operationId"] =
            "createSupplierSession".into();
    });
    let u = update::run(root.path(), "openapi-supplier-auth-v2", &new, false).unwrap();
    assert_eq!(u.exit_status(), 0, "{}", u.text());
    let runtime = "xtask/tests/snapshots/public_api__public_api__nox-auth-runtime.snap";
    for file in ["crates/nox-auth-runtime/src/operation_table.rs", runtime] {
        assert!(
            u.files.contains(&PathBuf::from(file)),
            "{file}: {:?}",
            u.files
        );
    }
    let api = u
        .apis
        .iter()
        .find(|c| c.name == "nox-auth-runtime")
        .unwrap();
    assert!(
        api.added
            .iter()
            .any(|l| l.contains("CreateSupplierSession")),
        "{api:?}"
    );
    assert!(
        api.removed
            .iter()
            .any(|l| l.contains("CreateSupplierLinkSession")),
        "{api:?}"
    );
    let expected =
        xtask::snapshot::api::public_api(root.path(), "nox-auth-runtime", &Default::default())
            .unwrap();
    assert_eq!(
        xtask::snapshot::contents(&root.path().join(runtime)).unwrap(),
        expected
    );
    assert!(
        u.text()
            .contains("[BREAKING for callers] create_supplier_session"),
        "{}",
        u.text()
    );
}
