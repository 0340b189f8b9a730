//! The corpus of spec revisions (`tests/spec_corpus/`) judged by Atlassian's `openapi-diff`
//! (npm; `scripts/test.sh` installs it into `target/openapi-diff` and sets
//! `NOX_REQUIRE_OPENAPI_DIFF=1`, which turns a missing tool into a failure instead of a skip):
//! what it answers is recorded in each case, and where it gives a verdict we agree, except
//! where the case names a deliberate difference and its reason.

use crate::common;
use crate::corpus;

use std::path::PathBuf;
use std::process::Command;

use common::workspace;
use corpus::{Case, Judge, OpenapiDiff};
use xtask::diff::Side;

/// openapi-diff, where `scripts/test.sh` installs it (or `NOX_OPENAPI_DIFF_BIN`); `None` (and
/// a note) when it is missing and not required.
fn openapi_diff() -> Option<PathBuf> {
    let found = std::env::var_os("NOX_OPENAPI_DIFF_BIN")
        .map(PathBuf::from)
        .or_else(|| Some(workspace().join("target/openapi-diff/node_modules/.bin/openapi-diff")))
        .filter(|p| p.is_file());
    if found.is_none() {
        let required = ["NOX_REQUIRE_OPENAPI_DIFF", "CI"]
            .iter()
            .any(|v| std::env::var_os(v).is_some());
        assert!(
            !required,
            "openapi-diff is missing; `bash scripts/test.sh` installs it (NOX_REQUIRE_OPENAPI_DIFF or CI is set)"
        );
        eprintln!("SKIPPED: openapi-diff is missing (`bash scripts/test.sh` installs it)");
    }
    found
}

/// What openapi-diff answers for one case (the two effective specs).
fn judge_with_openapi_diff(tool: &std::path::Path, case: &Case) -> OpenapiDiff {
    let built = case.build();
    let dir = tempfile::tempdir().unwrap();
    let (old, new) = (dir.path().join("old.json"), dir.path().join("new.json"));
    std::fs::write(&old, serde_json::to_string(&built.old_effective()).unwrap()).unwrap();
    std::fs::write(&new, serde_json::to_string(&built.new_effective()).unwrap()).unwrap();
    let out = Command::new(tool)
        .arg(&old)
        .arg(&new)
        .env("NO_UPDATE_NOTIFIER", "1")
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    if text.contains("No changes found") {
        return OpenapiDiff::default();
    }
    let json: serde_json::Value = text
        .find('{')
        .and_then(|i| serde_json::from_str(&text[i..]).ok())
        .unwrap_or_else(|| {
            panic!(
                "{}: openapi-diff said: {text}{}",
                case.name,
                String::from_utf8_lossy(&out.stderr)
            )
        });
    let codes = |key: &str| -> Vec<String> {
        let mut v: Vec<String> = json[key]
            .as_array()
            .into_iter()
            .flatten()
            .map(|d| d["code"].as_str().unwrap().to_owned())
            .collect();
        v.sort();
        v
    };
    let answer = OpenapiDiff {
        breaking: codes("breakingDifferences"),
        non_breaking: codes("nonBreakingDifferences"),
        unclassified: codes("unclassifiedDifferences"),
    };
    assert_eq!(
        out.status.success(),
        answer.breaking.is_empty(),
        "{}: exit status",
        case.name
    );
    answer
}

#[test]
fn openapi_diff_agrees_wherever_it_gives_a_verdict_and_each_difference_is_named() {
    let Some(tool) = openapi_diff() else { return };
    let cases = corpus::cases();
    // Two at a time: each is a Node process of about half a second.
    let answers: Vec<OpenapiDiff> = std::thread::scope(|s| {
        let chunks: Vec<_> = cases.chunks(cases.len().div_ceil(2)).collect();
        let handles: Vec<_> = chunks
            .into_iter()
            .map(|chunk| {
                s.spawn(|| {
                    chunk
                        .iter()
                        .map(|c| judge_with_openapi_diff(&tool, c))
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        handles
            .into_iter()
            .flat_map(|h| h.join().unwrap())
            .collect()
    });
    let mut failures = Vec::new();
    for (case, theirs) in cases.iter().zip(&answers) {
        if *theirs != case.openapi_diff {
            failures.push(format!(
                "{}: openapi-diff now answers {theirs:?}",
                case.name
            ));
            continue;
        }
        let ours = case.build().report();
        let we_break = ours.breaking;
        let they_break = !theirs.breaking.is_empty();
        match &case.judge {
            Judge::Agrees if !theirs.has_verdict() => {
                failures.push(format!(
                    "{}: `agrees`, but openapi-diff gives no verdict",
                    case.name
                ));
            }
            Judge::Agrees if we_break != they_break => {
                failures.push(format!(
                    "{}: we break: {we_break}, openapi-diff: {they_break}",
                    case.name
                ));
            }
            Judge::Agrees => {
                // Where openapi-diff sees a break, we see one on the same side.
                for code in &theirs.breaking {
                    let side = match code.split('.').next().unwrap() {
                        "request" => Side::Request,
                        "response" => Side::Response,
                        _ => Side::Operation,
                    };
                    if !ours
                        .changes
                        .iter()
                        .any(|c| c.side == side && c.verdict.breaks())
                    {
                        failures.push(format!(
                            "{}: no breaking change on the side of {code}",
                            case.name
                        ));
                    }
                }
            }
            Judge::Differs => {
                assert!(case.why.len() > 20, "{}: say why", case.name);
                if !theirs.has_verdict() || we_break == they_break {
                    failures.push(format!(
                        "{}: `differs`, but the verdicts are the same",
                        case.name
                    ));
                }
            }
            Judge::NoVerdict => {
                assert!(case.why.len() > 20, "{}: say why", case.name);
                if theirs.has_verdict() {
                    failures.push(format!(
                        "{}: `no_verdict`, but openapi-diff answers",
                        case.name
                    ));
                }
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
