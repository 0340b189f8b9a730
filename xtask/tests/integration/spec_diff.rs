//! `cargo xtask spec diff`: the acceptance cases on the real specs, bad input, and the corpus of
//! spec revisions (`tests/spec_corpus/`) as our classification judges it. `openapi_diff.rs`
//! has the outside judge of the same corpus.

use crate::common;
use crate::corpus;

use std::collections::BTreeSet;
use std::path::PathBuf;
use std::process::Command;

use common::workspace;
use corpus::{line, word};
use xtask::diff::{Side, classify::DIFF_KINDS};
use xtask::kind::FindingKind as K;

fn xtask(args: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_xtask"))
        .args(args)
        .current_dir(workspace())
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn every_checked_in_spec_against_itself_reports_nothing_and_exits_0() {
    let manifest = xtask::codegen::Manifest::load(&workspace()).unwrap();
    let mut checked = 0;
    for client in manifest.crates.iter().flat_map(|k| &k.clients) {
        let spec = client.spec.to_str().unwrap();
        let (code, out, err) = xtask(&["spec", "diff", spec, spec]);
        assert_eq!(code, 0, "{spec}: {out}{err}");
        assert!(out.ends_with("no changes\n"), "{spec}: {out}");
        assert_eq!(out.lines().count(), 2, "{spec}: reports something: {out}");
        let (code, json, _) = xtask(&["spec", "diff", spec, spec, "--json"]);
        let json: serde_json::Value = serde_json::from_str(&json).unwrap();
        assert_eq!((code, &json["changes"]), (0, &serde_json::json!([])));
        assert!(json.get("patch").is_none_or(|p| {
            p.as_array()
                .unwrap()
                .iter()
                .all(|o| o["status"] == "applied")
        }));
        checked += 1;
    }
    // v1 and v2 supplier and manufacturer, the Package API's devices, and any added since.
    assert!(checked >= 5, "{checked} specs");
}

/// The v2 supplier spec with `language` required in the request and `supplier` removed
/// from the response: the issue's acceptance case.
fn acceptance_copy(dir: &std::path::Path) -> PathBuf {
    let path = dir.join("openapi-supplier-auth-v2.json");
    let mut doc = xtask::spec::read_document(&workspace().join(common::V2_SUPPLIER)).unwrap();
    let schemas = &mut doc["components"]["schemas"];
    let request = &mut schemas["CreateSupplierLinkSessionRequest"];
    request["required"]
        .as_array_mut()
        .unwrap()
        .push("language".into());
    let response = &mut schemas["CreateSupplierLinkSessionResponse"];
    response["required"]
        .as_array_mut()
        .unwrap()
        .retain(|v| v != "supplier");
    response["properties"]
        .as_object_mut()
        .unwrap()
        .remove("supplier");
    std::fs::write(&path, serde_json::to_string_pretty(&doc).unwrap()).unwrap();
    path
}

#[test]
fn language_required_and_supplier_removed_exit_4_naming_both() {
    let dir = tempfile::tempdir().unwrap();
    let new = acceptance_copy(dir.path());
    let new = new.to_str().unwrap();
    for old in [
        common::V2_SUPPLIER,
        "openapi-supplier-auth-v2",
        "nox-auth-v2/supplier",
    ] {
        let (code, out, err) = xtask(&["spec", "diff", old, new]);
        assert_eq!(code, 4, "{out}{err}");
        let lines: Vec<&str> = out.lines().filter(|l| l.starts_with('[')).collect();
        assert_eq!(lines.len(), 2, "{out}");
        assert!(
            lines[0].starts_with("[BREAKING for callers] create_supplier_link_session")
                && lines[0]
                    .contains("request body $.language: field required: optional -> required"),
            "{out}"
        );
        assert!(
            lines[1]
                .starts_with("[BREAKING for the generated client] create_supplier_link_session")
                && lines[1].contains("response 201 $.supplier: field removed"),
            "{out}"
        );
        assert!(out.ends_with(
            "2 change(s): 1 breaking for callers, 1 breaking for the generated client, 0 safe\n"
        ));
    }
    let (code, json, _) = xtask(&["spec", "diff", common::V2_SUPPLIER, new, "--json"]);
    assert_eq!(code, 4);
    let json: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(json["breaking"], true);
    let changes = json["changes"].as_array().unwrap();
    let summary: Vec<(&str, &str, &str)> = changes
        .iter()
        .map(|c| {
            let s = |k: &str| c[k].as_str().unwrap();
            (s("kind"), s("verdict"), s("location"))
        })
        .collect();
    assert_eq!(
        summary,
        [
            (
                "field_required",
                "breaking_for_callers",
                "request body $.language"
            ),
            (
                "field_removed",
                "breaking_for_client",
                "response 201 $.supplier"
            ),
        ]
    );
    assert!(
        changes
            .iter()
            .all(|c| !c["reason"].as_str().unwrap().is_empty())
    );
}

#[test]
fn bad_input_exits_2_and_says_what_is_wrong() {
    let dir = tempfile::tempdir().unwrap();
    let broken = dir.path().join("broken.json");
    std::fs::write(&broken, "{ not json").unwrap();
    let swagger = dir.path().join("swagger.json");
    std::fs::write(&swagger, r#"{"swagger": "2.0", "paths": {}}"#).unwrap();
    let cases = [
        (
            vec!["openapi-supplier-auth-v2", broken.to_str().unwrap()],
            "not valid JSON",
        ),
        (
            vec!["openapi-supplier-auth-v2", swagger.to_str().unwrap()],
            "swagger 2.0",
        ),
        (
            vec!["no-such-spec", common::V2_SUPPLIER],
            "neither a spec of specs/codegen.toml",
        ),
        (
            vec![common::V2_SUPPLIER, "/no/such/file.json"],
            "/no/such/file.json",
        ),
    ];
    for (args, expected) in cases {
        let mut all = vec!["spec", "diff"];
        all.extend(&args);
        let (code, out, err) = xtask(&all);
        assert_eq!(code, 2, "{args:?}: {out}{err}");
        assert!(err.contains(expected), "{args:?}: {err}");
    }
    // Two plain files (no spec of the manifest): each read with its own patch file, if any.
    let (code, out, _) = xtask(&[
        "spec",
        "diff",
        swagger.to_str().unwrap(),
        common::V2_SUPPLIER,
    ]);
    assert_eq!(code, 2, "{out}");
}

#[test]
fn the_corpus_is_classified_as_each_case_says() {
    let cases = corpus::cases();
    assert!(
        cases.len() >= 12,
        "the corpus has {} revisions",
        cases.len()
    );
    let mut failures = Vec::new();
    for case in &cases {
        let report = case.build().report();
        let lines: Vec<String> = report.changes.iter().map(line).collect();
        let patch_status = |o: &xtask::patch::Outcome| match &o.status {
            xtask::patch::Status::Applied if o.upstream_changed => "overrides",
            xtask::patch::Status::Applied => "applied",
            xtask::patch::Status::Redundant => "redundant",
            xtask::patch::Status::Stale(_) => "stale",
        };
        let patch_seen: Vec<(usize, String)> = report
            .patch
            .iter()
            .filter(|o| patch_status(o) != "applied")
            .map(|o| (o.index, patch_status(o).to_owned()))
            .collect();
        let patch_expected: Vec<(usize, String)> = case.patch.clone().into_iter().collect();
        if lines != case.expect || patch_seen != patch_expected {
            failures.push(format!(
                "{}: expect:\n{}\n  patch: {patch_seen:?}",
                case.name,
                lines
                    .iter()
                    .map(|l| format!("  - {l}\n"))
                    .collect::<String>()
            ));
        }
        for c in &report.changes {
            assert!(!c.reason.is_empty(), "{}: {c:?}", case.name);
        }
        let exit = if lines.iter().any(|l| l.contains(" breaking_for_")) {
            4
        } else {
            0
        };
        assert_eq!(report.exit_status(), exit, "{}", case.name);
    }
    assert!(
        failures.is_empty(),
        "cases whose answer changed:\n{}",
        failures.join("\n")
    );
}

/// The sides each kind must be seen on in the corpus.
fn sides_of(kind: K) -> &'static [Side] {
    match kind {
        K::OperationAdded | K::OperationRemoved | K::OperationRenamed | K::PathChanged => {
            &[Side::Operation]
        }
        K::ParameterAdded | K::ParameterRemoved | K::ParameterRenamed => &[Side::Request],
        K::SecurityAdded | K::SecurityRemoved | K::SecurityChanged => &[Side::Request],
        K::UndocumentedStatus | K::StatusRemoved => &[Side::Response],
        K::DocsChanged => &[Side::Document, Side::Request],
        _ => &[Side::Request, Side::Response],
    }
}

#[test]
fn the_corpus_has_every_kind_on_each_side_and_a_redundant_and_a_stale_patch() {
    let mut seen = BTreeSet::new();
    let mut statuses = BTreeSet::new();
    for case in corpus::cases() {
        for l in &case.expect {
            let mut words = l.split(' ');
            seen.insert((
                words.next().unwrap().to_owned(),
                words.next().unwrap().to_owned(),
            ));
        }
        statuses.extend(case.patch.values().cloned());
    }
    for kind in DIFF_KINDS {
        for side in sides_of(*kind) {
            let key = (word(kind), word(side));
            assert!(seen.contains(&key), "no case has {key:?}");
        }
    }
    for status in ["redundant", "stale", "overrides"] {
        assert!(
            statuses.contains(status),
            "no case has a patch operation {status}"
        );
    }
    let renamed = corpus::cases().into_iter().any(|c| {
        c.expect
            .iter()
            .any(|l| l.starts_with("operation_renamed operation breaking_for_callers"))
    });
    assert!(renamed, "a renamed operation");
}

#[test]
fn text_from_a_spec_reaches_the_terminal_escaped() {
    let dir = tempfile::tempdir().unwrap();
    let mut doc = xtask::spec::read_document(&workspace().join(common::V2_SUPPLIER)).unwrap();
    let language = &mut doc["components"]["schemas"]["Language"]["enum"];
    language
        .as_array_mut()
        .unwrap()
        .push("de\u{202e}\u{1b}[31m".into());
    let new = dir.path().join("new.json");
    std::fs::write(&new, serde_json::to_string(&doc).unwrap()).unwrap();
    let new = new.to_str().unwrap();
    let (code, out, _) = xtask(&["spec", "diff", "openapi-supplier-auth-v2", new]);
    assert_eq!(
        code, 4,
        "a widened request enum breaks callers' matches: {out}"
    );
    assert!(
        !out.contains('\u{202e}') && !out.contains('\u{1b}'),
        "{out:?}"
    );
    // Shown as JSON (ESC is `\u001b` already); the bidi override escaped for the terminal.
    assert!(out.contains(r#""de\u{202e}\u001b[31m""#), "{out}");
    let (_, json, _) = xtask(&["spec", "diff", "openapi-supplier-auth-v2", new, "--json"]);
    assert!(
        !json.contains('\u{202e}') && json.contains(r"\u202e"),
        "{json}"
    );
    let parsed: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(parsed["changes"][0]["new"], "\"de\u{202e}\\u001b[31m\"");
}
