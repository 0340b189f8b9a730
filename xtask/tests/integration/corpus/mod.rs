//! The corpus of spec revisions in `xtask/tests/spec_corpus/`: frozen copies of NOX's files
//! (`base/`, with the supplier file's patch) and one revision per case (`cases/*.yaml`: the
//! JSON Patch edits that turn a base into the revision, what `spec diff` must answer, what
//! Atlassian's `openapi-diff` answers, and how the two relate).
#![allow(dead_code)]

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Deserialize;
use serde_json::Value;
use xtask::patch::{self, PatchOp};

pub fn corpus_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/spec_corpus")
}

/// How `spec diff`'s verdict relates to openapi-diff's on one case.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Judge {
    /// openapi-diff gives a verdict and we agree (both break, or neither does).
    Agrees,
    /// openapi-diff gives a verdict and we deliberately differ (`why` says why).
    Differs,
    /// openapi-diff reports nothing: it does not read what changed (`why` says what).
    NoVerdict,
}

/// What openapi-diff answers, by its codes (`request.body.scope.remove`).
#[derive(Debug, Default, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct OpenapiDiff {
    #[serde(default)]
    pub breaking: Vec<String>,
    #[serde(default)]
    pub non_breaking: Vec<String>,
    #[serde(default)]
    pub unclassified: Vec<String>,
}

impl OpenapiDiff {
    pub fn has_verdict(&self) -> bool {
        !self.breaking.is_empty() || !self.non_breaking.is_empty()
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Case {
    #[serde(skip)]
    pub name: String,
    pub about: String,
    /// The base file's stem in `base/`.
    pub base: String,
    /// Edits that make the old side (the base when absent).
    #[serde(default)]
    pub old_edit: Vec<Value>,
    /// Edits that make the new side from the base.
    pub edit: Vec<Value>,
    /// `kind side verdict location`, one per change, in the report's order.
    pub expect: Vec<String>,
    /// The patch operations the new side does not simply apply: index → `redundant`, `stale`,
    /// or `overrides` (applied over a value NOX changed).
    #[serde(default)]
    pub patch: BTreeMap<usize, String>,
    pub openapi_diff: OpenapiDiff,
    pub judge: Judge,
    /// Why we differ, or why openapi-diff gives no verdict.
    #[serde(default)]
    pub why: String,
}

pub fn cases() -> Vec<Case> {
    let mut paths: Vec<PathBuf> = std::fs::read_dir(corpus_dir().join("cases"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "yaml"))
        .collect();
    paths.sort();
    paths
        .into_iter()
        .map(|p| {
            let text = std::fs::read_to_string(&p).unwrap();
            let mut case: Case =
                serde_yaml_ng::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", p.display()));
            case.name = p.file_stem().unwrap().to_string_lossy().into_owned();
            case
        })
        .collect()
}

/// The two sides of a case, built.
pub struct Built {
    /// NOX's base file, with the old edits.
    pub old_upstream: Value,
    /// NOX's base file, with the new edits: the revision.
    pub new_upstream: Value,
    /// The base's patch file (empty when it has none).
    pub patch: Vec<PatchOp>,
    /// The base file's path (for messages).
    pub base_path: PathBuf,
}

fn edited(doc: &Value, edits: &[Value], what: &str) -> Value {
    let mut doc = doc.clone();
    let ops: json_patch::Patch = serde_json::from_value(Value::Array(edits.to_vec()))
        .unwrap_or_else(|e| panic!("{what}: not JSON Patch: {e}"));
    json_patch::patch(&mut doc, &ops).unwrap_or_else(|e| panic!("{what}: does not apply: {e}"));
    doc
}

impl Case {
    pub fn build(&self) -> Built {
        let base_path = corpus_dir()
            .join("base")
            .join(format!("{}.json", self.base));
        let base = xtask::spec::read_document(&base_path).unwrap();
        let patch_path = xtask::spec::patch_path(&base_path);
        let patch = if patch_path.exists() {
            patch::read(&patch_path).unwrap()
        } else {
            Vec::new()
        };
        Built {
            old_upstream: edited(&base, &self.old_edit, &format!("{}: old_edit", self.name)),
            new_upstream: edited(&base, &self.edit, &format!("{}: edit", self.name)),
            patch,
            base_path,
        }
    }
}

impl Built {
    /// The old side as an effective spec: the patch applies to it in full.
    pub fn old_effective(&self) -> Value {
        let mut doc = self.old_upstream.clone();
        patch::apply(&self.base_path, &self.patch, &mut doc).unwrap();
        xtask::spec::effective_of(&self.base_path, doc).unwrap()
    }

    /// The new side as an effective spec: the patch applied where it applies.
    pub fn new_effective(&self) -> Value {
        let mut doc = self.new_upstream.clone();
        patch::apply_reporting(&self.patch, &mut doc, None);
        xtask::spec::effective_of(&self.base_path, doc).unwrap()
    }

    pub fn report(&self) -> xtask::diff::Report {
        xtask::diff::against_patched(
            &self.old_effective(),
            Some(&self.old_upstream),
            "old".into(),
            self.new_upstream.clone(),
            "new".into(),
            &self.base_path,
            &self.patch,
        )
        .unwrap()
    }
}

/// The snake_case word serde gives a unit variant (`field_required`).
pub fn word<T: serde::Serialize>(v: &T) -> String {
    serde_json::to_value(v)
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_default()
}

/// One change as a case's `expect` line: `kind side verdict location`.
pub fn line(c: &xtask::diff::Change) -> String {
    let text = format!(
        "{} {} {} {}",
        word(&c.kind),
        word(&c.side),
        word(&c.verdict),
        c.location
    );
    text.trim_end().to_owned()
}
