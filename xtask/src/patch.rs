//! Patch files: `<spec>.patch.yaml` next to a spec, a YAML list of JSON Patch (RFC 6902)
//! operations, each carrying a non-empty `why` that says what defect of NOX's file it fixes.
//!
//! [`apply`] is what `cargo xtask codegen` does: every operation applies, or the spec is
//! refused. [`apply_reporting`] is what `cargo xtask spec update` and `spec diff` do with a
//! new upstream file: each operation is *applied* (it still fixes something), *redundant*
//! (upstream now says the same: the operation can go) or *stale* (its target is gone: the
//! update stops until someone decides what the fix means now).

use std::path::Path;

use serde::Serialize;
use serde_json::Value;

use crate::CodegenError;

/// One operation of a patch file.
#[derive(Debug, Clone)]
pub struct PatchOp {
    /// Its position in the file, from 0 (`operation #0`).
    pub index: usize,
    /// Why it exists.
    pub why: String,
    /// The operation.
    pub op: json_patch::PatchOperation,
}

impl PatchOp {
    /// `add`, `remove`, `replace`, `move`, `copy` or `test`.
    pub fn name(&self) -> &'static str {
        use json_patch::PatchOperation as P;
        match &self.op {
            P::Add(_) => "add",
            P::Remove(_) => "remove",
            P::Replace(_) => "replace",
            P::Move(_) => "move",
            P::Copy(_) => "copy",
            P::Test(_) => "test",
        }
    }

    /// The JSON Pointer it targets.
    pub fn target(&self) -> String {
        use json_patch::PatchOperation as P;
        match &self.op {
            P::Add(o) => o.path.to_string(),
            P::Remove(o) => o.path.to_string(),
            P::Replace(o) => o.path.to_string(),
            P::Move(o) => o.path.to_string(),
            P::Copy(o) => o.path.to_string(),
            P::Test(o) => o.path.to_string(),
        }
    }
}

/// Reads a patch file; every operation must have a `why` and be a JSON Patch operation.
pub fn read(path: &Path) -> Result<Vec<PatchOp>, CodegenError> {
    let text = crate::input::read_text(path)?;
    parse(path, &text)
}

/// Reads the text of a patch file (`path` names it in errors), as [`read`].
pub fn parse(path: &Path, text: &str) -> Result<Vec<PatchOp>, CodegenError> {
    let err = |message: String| CodegenError::Patch {
        path: path.to_owned(),
        message,
    };
    let entries: Vec<Value> = serde_yaml_ng::from_str(text)
        .map_err(|e| err(format!("not a YAML list of patch operations: {e}")))?;
    let mut ops = Vec::new();
    for (index, mut entry) in entries.into_iter().enumerate() {
        let Some(map) = entry.as_object_mut() else {
            return Err(err(format!("operation #{index} is not a mapping")));
        };
        let why = match map.remove("why") {
            Some(Value::String(why)) if !why.trim().is_empty() => why,
            _ => {
                return Err(err(format!(
                    "operation #{index} has no `why`: every fix must say what it fixes and why"
                )));
            }
        };
        let op: json_patch::PatchOperation = serde_json::from_value(entry).map_err(|e| {
            err(format!(
                "operation #{index} ({why}) is not a JSON Patch operation: {e}"
            ))
        })?;
        ops.push(PatchOp { index, why, op });
    }
    Ok(ops)
}

/// Applies every operation in order; the first one that does not apply refuses the spec.
pub fn apply(path: &Path, ops: &[PatchOp], doc: &mut Value) -> Result<(), CodegenError> {
    for op in ops {
        json_patch::patch(doc, std::slice::from_ref(&op.op)).map_err(|e| CodegenError::Patch {
            path: path.to_owned(),
            message: format!("operation #{} ({}) does not apply: {e}", op.index, op.why),
        })?;
    }
    Ok(())
}

/// What one operation does to a new upstream document.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "status", content = "detail", rename_all = "snake_case")]
pub enum Status {
    /// It changes the document: the fix is still needed.
    Applied,
    /// The document already says what it would make it say: upstream fixed it; propose
    /// deleting the operation.
    Redundant,
    /// It cannot apply: its target (or the target's parent) is gone, or a `test` fails.
    Stale(String),
}

/// One operation's outcome on a new upstream document.
#[derive(Debug, Clone, Serialize)]
pub struct Outcome {
    /// `operation #index` of the patch file.
    pub index: usize,
    /// `add`, `remove`, …
    pub op: &'static str,
    /// The JSON Pointer it targets.
    pub path: String,
    /// Its `why`, on one line.
    pub why: String,
    /// Applied, redundant or stale.
    #[serde(flatten)]
    pub status: Status,
    /// Applied, but NOX's file changed the value it replaces or removes since the last
    /// version: check that the fix still says what NOX means now (it may undo NOX's edit).
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub upstream_changed: bool,
}

/// Applies what applies, in order, and says for each operation whether it was needed. A
/// stale operation is skipped (the later ones are still judged). With `previous`, NOX's file
/// the patch applied to until now, an applied operation whose target NOX has changed since is
/// marked ([`Outcome::upstream_changed`]).
pub fn apply_reporting(ops: &[PatchOp], doc: &mut Value, previous: Option<&Value>) -> Vec<Outcome> {
    let mut previous = previous.cloned();
    ops.iter()
        .map(|op| {
            let changed = previous
                .as_ref()
                .is_some_and(|p| overrides_a_change(op, p, doc));
            let status = judge_and_apply(op, doc);
            if let Some(p) = previous.as_mut() {
                let _ = json_patch::patch(p, std::slice::from_ref(&op.op));
            }
            Outcome {
                index: op.index,
                op: op.name(),
                path: op.target(),
                why: op.why.split_whitespace().collect::<Vec<_>>().join(" "),
                upstream_changed: changed && status == Status::Applied,
                status,
            }
        })
        .collect()
}

/// Whether the value an operation replaces (or removes, or sets by `add`) differs between
/// NOX's previous file and the new one, both as the earlier operations left them.
fn overrides_a_change(op: &PatchOp, previous: &Value, new: &Value) -> bool {
    use json_patch::PatchOperation as P;
    let target = op.target();
    match &op.op {
        P::Replace(_) | P::Remove(_) => previous.pointer(&target) != new.pointer(&target),
        P::Add(_) if !target.ends_with("/-") => previous.pointer(&target) != new.pointer(&target),
        _ => false,
    }
}

fn judge_and_apply(op: &PatchOp, doc: &mut Value) -> Status {
    use json_patch::PatchOperation as P;
    let parent_exists = |doc: &Value, pointer: &str| {
        let parent = pointer.rfind('/').map(|i| &pointer[..i]).unwrap_or("");
        doc.pointer(parent).is_some()
    };
    match &op.op {
        P::Add(o) => {
            let pointer = o.path.to_string();
            if let Some(parent) = pointer.strip_suffix("/-")
                && let Some(Value::Array(items)) = doc.pointer(parent)
                && items.contains(&o.value)
            {
                return Status::Redundant;
            }
            if doc.pointer(&pointer) == Some(&o.value) {
                return Status::Redundant;
            }
        }
        P::Replace(o) if doc.pointer(o.path.as_str()) == Some(&o.value) => {
            return Status::Redundant;
        }
        P::Remove(o) => {
            let pointer = o.path.to_string();
            if doc.pointer(&pointer).is_none() && parent_exists(doc, &pointer) {
                return Status::Redundant;
            }
        }
        _ => {}
    }
    let before = doc.clone();
    match json_patch::patch(doc, std::slice::from_ref(&op.op)) {
        Ok(()) if *doc == before && !matches!(op.op, P::Test(_)) => Status::Redundant,
        Ok(()) => Status::Applied,
        Err(e) => {
            *doc = before;
            Status::Stale(stale_reason(op, doc, &e.to_string()))
        }
    }
}

/// Why an operation does not apply, in the words of a spec: which place is gone.
fn stale_reason(op: &PatchOp, doc: &Value, error: &str) -> String {
    use json_patch::PatchOperation as P;
    let target = op.target();
    let parent = target.rfind('/').map(|i| &target[..i]).unwrap_or("");
    match &op.op {
        P::Test(_) => format!("the new file has another value at `{target}`"),
        P::Add(_) if doc.pointer(parent).is_none() => format!("`{parent}` is gone"),
        P::Move(json_patch::MoveOperation { from, .. })
        | P::Copy(json_patch::CopyOperation { from, .. })
            if doc.pointer(from.as_str()).is_none() =>
        {
            format!("`{from}` is gone")
        }
        P::Remove(_) | P::Replace(_) if doc.pointer(&target).is_none() => {
            format!("`{target}` is gone")
        }
        _ => error.to_owned(),
    }
}
