//! Documents `spec diff` and `spec update` refuse as bad input (exit status 2, the file and
//! the problem named, nothing written) instead of classifying them: a `$ref` to nothing or
//! to another file, references that loop with no schema between them (no hang, no stack
//! overflow), a document without `info` or `paths`, an undefined security scheme. And a
//! schema that refers to itself through a field, which is valid, compared once.

use crate::common;

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::{V2_SUPPLIER, revision, temp_workspace, tree, workspace};
use serde_json::{Value, json};

/// Runs the xtask program, failing the test if it has not ended after a minute (a loop
/// followed for ever).
fn xtask(args: &[&str]) -> (i32, String, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_xtask"))
        .args(args)
        .current_dir(workspace())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let start = Instant::now();
    while child.try_wait().unwrap().is_none() {
        if start.elapsed() > Duration::from_secs(60) {
            child.kill().unwrap();
            panic!("{args:?} did not end within a minute");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    let out = child.wait_with_output().unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn request_props(doc: &mut Value) -> &mut serde_json::Map<String, Value> {
    doc["components"]["schemas"]["CreateSupplierLinkSessionRequest"]["properties"]
        .as_object_mut()
        .unwrap()
}

/// Each bad document (written in `dir`) and what the message must say about it.
fn bad_documents(dir: &Path) -> Vec<(PathBuf, &'static str)> {
    let mut out = Vec::new();
    out.push((
        revision(dir, "dangling.json", |doc| {
            request_props(doc).insert("x".into(), json!({"$ref": "#/components/schemas/Nope"}));
        }),
        "`$ref` `#/components/schemas/Nope` at /components/schemas/CreateSupplierLinkSessionRequest/properties/x points at nothing",
    ));
    out.push((
        revision(dir, "external.json", |doc| {
            request_props(doc).insert("x".into(), json!({"$ref": "common.yaml#/Brand"}));
        }),
        "`$ref` `common.yaml#/Brand` at /components/schemas/CreateSupplierLinkSessionRequest/properties/x points into another file",
    ));
    out.push((
        revision(dir, "self-loop.json", |doc| {
            doc["components"]["schemas"]["Loop"] = json!({"$ref": "#/components/schemas/Loop"});
            request_props(doc).insert("x".into(), json!({"$ref": "#/components/schemas/Loop"}));
        }),
        "`$ref`s loop with no schema between them: #/components/schemas/Loop -> #/components/schemas/Loop",
    ));
    out.push((
        revision(dir, "allof-loop.json", |doc| {
            let schemas = &mut doc["components"]["schemas"];
            schemas["A"] =
                json!({"allOf": [{"$ref": "#/components/schemas/B"}], "description": "a"});
            schemas["B"] = json!({"allOf": [{"$ref": "#/components/schemas/A"}]});
            request_props(doc).insert("x".into(), json!({"$ref": "#/components/schemas/A"}));
        }),
        "#/components/schemas/A -> #/components/schemas/B -> #/components/schemas/A",
    ));
    out.push((
        revision(dir, "undefined-scheme.json", |doc| {
            doc["paths"]["/supplier/link-sessions"]["post"]["security"] =
                json!([{"BearerAuth": []}]);
        }),
        "names `BearerAuth`, which components.securitySchemes does not define",
    ));
    for (name, r, problem) in [
        (
            "ref-root.json",
            json!("#"),
            "`$ref` `#` at /components/schemas/CreateSupplierLinkSessionRequest/properties/x points at the whole document",
        ),
        (
            "ref-value.json",
            json!("#/components/schemas/Brand/enum/0"),
            "`$ref` `#/components/schemas/Brand/enum/0` at /components/schemas/CreateSupplierLinkSessionRequest/properties/x points at a value",
        ),
        (
            "ref-number.json",
            json!(5),
            "`$ref` at /components/schemas/CreateSupplierLinkSessionRequest/properties/x is 5, not a reference",
        ),
    ] {
        let file = revision(dir, name, |doc| {
            request_props(doc).insert("x".into(), json!({ "$ref": r }));
        });
        out.push((file, problem));
    }
    let bare = dir.join("bare.json");
    std::fs::write(&bare, r#"{"openapi":"3.0.3"}"#).unwrap();
    out.push((
        bare,
        "it has no `info` object (title and version); it has no `paths` object",
    ));
    out
}

#[test]
fn spec_diff_refuses_an_invalid_document_on_either_side_with_exit_2() {
    let dir = tempfile::tempdir().unwrap();
    for (bad, problem) in bad_documents(dir.path()) {
        let bad = bad.to_str().unwrap();
        let runs = [
            vec!["spec", "diff", "openapi-supplier-auth-v2", bad],
            vec!["spec", "diff", bad, V2_SUPPLIER],
            vec!["spec", "diff", V2_SUPPLIER, bad, "--json"],
        ];
        for args in runs {
            let (code, out, err) = xtask(&args);
            assert_eq!(code, 2, "{args:?}: {out}{err}");
            assert!(out.is_empty(), "{args:?}: classified anyway: {out}");
            let expected = format!("error: {bad}: not a valid OpenAPI 3.0 document: ");
            assert!(err.starts_with(&expected), "{args:?}: {err}");
            assert!(err.contains(problem), "{args:?}: {problem:?} not in {err}");
        }
    }
}

#[test]
fn spec_update_refuses_an_invalid_document_with_exit_2_and_writes_nothing() {
    let root = temp_workspace();
    let news = tempfile::tempdir().unwrap();
    let before = tree(root.path());
    for (bad, problem) in bad_documents(news.path()) {
        let root_arg = root.path().to_str().unwrap();
        let bad = bad.to_str().unwrap();
        let args = [
            "spec",
            "update",
            "openapi-supplier-auth-v2",
            bad,
            "--root",
            root_arg,
        ];
        let (code, out, err) = xtask(&args);
        assert_eq!(code, 2, "{bad}: {out}{err}");
        assert!(
            err.contains(bad) && err.contains(problem),
            "{problem:?} not in {err}"
        );
        assert_eq!(tree(root.path()), before, "{bad}: the tree changed");
    }
}

#[test]
fn a_schema_that_refers_to_itself_through_a_field_is_compared_once() {
    let tree_doc = |label_type: &str| {
        json!({
            "openapi": "3.0.3",
            "info": {"title": "t", "version": "1"},
            "paths": {"/nodes": {"get": {
                "operationId": "getNodes",
                "responses": {"200": {"description": "ok", "content": {"application/json": {
                    "schema": {"$ref": "#/components/schemas/Node"}
                }}}}
            }}},
            "components": {"schemas": {"Node": {
                "type": "object",
                "required": ["label"],
                "properties": {
                    "label": {"type": label_type},
                    "children": {"type": "array", "items": {"$ref": "#/components/schemas/Node"}},
                    "parent": {"$ref": "#/components/schemas/Node/properties/children/items"}
                }
            }}}
        })
    };
    let dir = tempfile::tempdir().unwrap();
    let (old, new) = (dir.path().join("old.json"), dir.path().join("new.json"));
    std::fs::write(&old, tree_doc("string").to_string()).unwrap();
    std::fs::write(&new, tree_doc("integer").to_string()).unwrap();
    let (code, out, err) = xtask(&["spec", "diff", old.to_str().unwrap(), new.to_str().unwrap()]);
    assert_eq!(code, 4, "{out}{err}");
    let lines: Vec<&str> = out.lines().filter(|l| l.starts_with('[')).collect();
    assert_eq!(lines.len(), 1, "{out}");
    assert!(
        lines[0].contains("response 200 $.label: type differs: string -> integer"),
        "{out}"
    );
}

#[test]
fn a_schema_shared_many_times_over_is_compared_once_not_once_per_path() {
    // Forty levels, each with two fields of the next: 2^40 paths, 41 schemas.
    let levels = 40;
    let mut schemas = serde_json::Map::new();
    for i in 0..levels {
        let next = json!({"$ref": format!("#/components/schemas/L{}", i + 1)});
        let level = json!({"type": "object", "properties": {"a": next, "b": next}});
        schemas.insert(format!("L{i}"), level);
    }
    schemas.insert(format!("L{levels}"), json!({"type": "string"}));
    let doc = |version: &str| {
        json!({
            "openapi": "3.0.3",
            "info": {"title": "t", "version": version},
            "paths": {"/x": {"get": {
                "operationId": "getX",
                "responses": {"200": {"description": "ok", "content": {"application/json": {
                    "schema": {"$ref": "#/components/schemas/L0"}
                }}}}
            }}},
            "components": {"schemas": schemas}
        })
    };
    let dir = tempfile::tempdir().unwrap();
    let (old, new) = (dir.path().join("old.json"), dir.path().join("new.json"));
    std::fs::write(&old, doc("1").to_string()).unwrap();
    std::fs::write(&new, doc("2").to_string()).unwrap();
    let (code, out, err) = xtask(&["spec", "diff", old.to_str().unwrap(), new.to_str().unwrap()]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("info.version"), "{out}");
}

#[test]
fn a_folder_a_fifo_a_device_or_a_huge_file_is_refused_before_it_is_read() {
    let dir = tempfile::tempdir().unwrap();
    let big = dir.path().join("big.json");
    let file = std::fs::File::create(&big).unwrap();
    file.set_len(17 * 1024 * 1024).unwrap();
    let fifo = dir.path().join("fifo.json");
    let made = Command::new("mkfifo").arg(&fifo).status().unwrap();
    assert!(made.success());
    let folder = dir.path().to_str().unwrap().to_owned();
    let root = temp_workspace();
    let root_arg = root.path().to_str().unwrap();
    for (bad, problem) in [
        (big.to_str().unwrap(), "larger than 16 MiB"),
        (fifo.to_str().unwrap(), "not a regular file"),
        ("/dev/zero", "not a regular file"),
        (folder.as_str(), "not a regular file"),
    ] {
        for args in [
            vec!["spec", "diff", "openapi-supplier-auth-v2", bad],
            vec![
                "spec",
                "update",
                "openapi-supplier-auth-v2",
                bad,
                "--root",
                root_arg,
            ],
        ] {
            let (code, out, err) = xtask(&args);
            assert_eq!(code, 2, "{args:?}: {out}{err}");
            assert!(err.contains(problem), "{args:?}: {err}");
        }
    }
}
