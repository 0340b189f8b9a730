//! Loading a spec: parse JSON or YAML, apply the patch file next to it, and
//! check what progenitor needs before it ever sees the document.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::CodegenError;
use crate::openapi::{METHODS, resolve_ref};

/// A spec after its patch was applied and every check passed.
#[derive(Debug)]
pub struct LoadedSpec {
    /// The spec file it came from.
    pub path: PathBuf,
    /// The patch file that was applied, if there is one.
    pub patch: Option<PathBuf>,
    /// The effective document as JSON: NOX's file with its patch and the spelling rule of
    /// [`crate::rules::effective`] applied. This is what `cargo xtask spec` prints and what
    /// linters, validators and Prism judge.
    pub json: Value,
    /// What the generator reads: the effective document with the generator rules of
    /// [`crate::rules`] applied (open enums in responses, any 2xx a success), typed.
    pub openapi: openapiv3::OpenAPI,
}

/// The patch file that belongs to `spec`: `<stem>.patch.yaml` in the same folder.
pub fn patch_path(spec: &Path) -> PathBuf {
    let stem = spec
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    spec.with_file_name(format!("{stem}.patch.yaml"))
}

/// Reads, patches and validates one spec, and applies the spelling rule
/// ([`crate::rules::effective`]).
pub fn load(path: &Path) -> Result<LoadedSpec, CodegenError> {
    let text = crate::input::read_text(path)?;
    let mut json = parse_document(path, &text)?;
    let patch = patch_path(path);
    let patch = if patch.exists() {
        crate::patch::apply(&patch, &crate::patch::read(&patch)?, &mut json)?;
        Some(patch)
    } else {
        None
    };
    check_version(path, &json)?;
    crate::rules::effective(&mut json);
    check_operations(path, &json)?;
    let openapi: openapiv3::OpenAPI = serde_json::from_value(crate::rules::client_view(&json))
        .map_err(|e| CodegenError::InvalidDocument {
            path: path.to_owned(),
            message: e.to_string(),
        })?;
    Ok(LoadedSpec {
        path: path.to_owned(),
        patch,
        json,
        openapi,
    })
}

/// Reads a document (JSON or YAML, by extension) as it is: no patch, no rule, no check.
pub fn read_document(path: &Path) -> Result<Value, CodegenError> {
    let text = crate::input::read_text(path)?;
    parse_document(path, &text)
}

/// The effective document of an upstream document whose patch was applied already: the
/// version checked (OpenAPI 3.0.x), the document checked as a diff needs it (`info` and
/// `paths`, every `$ref` local and pointing at something, no loop of references, every
/// security scheme defined: `wellformed.rs`) and the spelling rule applied, as
/// [`load`] does, but without the checks only the generator needs (a spec diff reads a
/// document with two success bodies too).
pub fn effective_of(path: &Path, mut json: Value) -> Result<Value, CodegenError> {
    check_version(path, &json)?;
    crate::wellformed::check(path, &json)?;
    crate::rules::effective(&mut json);
    Ok(json)
}

/// Parses JSON or YAML by the file's extension (`.json`, `.yaml`, `.yml`).
pub fn parse_document(path: &Path, text: &str) -> Result<Value, CodegenError> {
    let is_json = path
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("json"));
    if is_json {
        serde_json::from_str(text).map_err(|e| CodegenError::Parse {
            path: path.to_owned(),
            format: "JSON",
            message: e.to_string(),
        })
    } else {
        serde_yaml_ng::from_str(text).map_err(|e| CodegenError::Parse {
            path: path.to_owned(),
            format: "YAML",
            message: e.to_string(),
        })
    }
}

fn check_version(path: &Path, doc: &Value) -> Result<(), CodegenError> {
    let unsupported = |found: String, hint: &'static str| CodegenError::UnsupportedVersion {
        path: path.to_owned(),
        found,
        hint,
    };
    match doc.get("openapi") {
        Some(Value::String(v)) if v.starts_with("3.0.") => Ok(()),
        Some(Value::String(v)) if v.starts_with("3.1") => Err(unsupported(
            v.clone(),
            " (convert it to 3.0.3, e.g. `type: [string, 'null']` becomes `type: string, nullable: true`)",
        )),
        Some(Value::String(v)) => Err(unsupported(v.clone(), "")),
        Some(other) => Err(unsupported(format!("{other} (not a string)"), "")),
        None if doc.get("swagger").is_some() => Err(unsupported(
            "swagger 2.0".into(),
            " (convert the Swagger 2.0 document to OpenAPI 3.0.3)",
        )),
        None => Err(unsupported("missing `openapi` field".into(), "")),
    }
}

/// Every operation has a unique operationId and at most one distinct typed body
/// on its success side (2xx and `default`) and on its error side (4xx, 5xx and
/// `default`): progenitor panics on more.
fn check_operations(path: &Path, doc: &Value) -> Result<(), CodegenError> {
    let mut seen: BTreeMap<String, String> = BTreeMap::new();
    let Some(paths) = doc.get("paths").and_then(Value::as_object) else {
        return Ok(());
    };
    for (route, item) in paths {
        for method in METHODS {
            let Some(op) = item.get(method) else { continue };
            let operation = format!("{} {route}", method.to_uppercase());
            let Some(id) = op.get("operationId").and_then(Value::as_str) else {
                return Err(CodegenError::MissingOperationId {
                    path: path.to_owned(),
                    operation,
                });
            };
            if let Some(first) = seen.insert(id.to_owned(), operation.clone()) {
                return Err(CodegenError::DuplicateOperationId {
                    path: path.to_owned(),
                    operation_id: id.to_owned(),
                    first,
                    second: operation,
                });
            }
            check_response_types(path, doc, id, &operation, op)?;
        }
    }
    Ok(())
}

fn check_response_types(
    path: &Path,
    doc: &Value,
    operation_id: &str,
    operation: &str,
    op: &Value,
) -> Result<(), CodegenError> {
    let Some(responses) = op.get("responses").and_then(Value::as_object) else {
        return Ok(());
    };
    // side -> distinct body schema (as canonical JSON text) -> codes using it
    let mut sides: [(&'static str, BTreeMap<String, BTreeSet<String>>); 2] =
        [("success", BTreeMap::new()), ("error", BTreeMap::new())];
    for (code, response) in responses {
        let response = resolve_ref(doc, response);
        let Some(schema) = body_schema(response) else {
            continue;
        };
        let key = schema.to_string();
        let success = code.starts_with('2') || code == "default";
        let error = code.starts_with('4') || code.starts_with('5') || code == "default";
        for (enabled, side) in [(success, 0), (error, 1)] {
            if enabled {
                sides[side]
                    .1
                    .entry(key.clone())
                    .or_default()
                    .insert(code.clone());
            }
        }
    }
    for (side, schemas) in sides {
        if schemas.len() > 1 {
            let codes: BTreeSet<&String> = schemas.values().flatten().collect();
            return Err(CodegenError::MultipleResponseTypes {
                path: path.to_owned(),
                operation_id: operation_id.to_owned(),
                operation: operation.to_owned(),
                side,
                count: schemas.len(),
                codes: codes.into_iter().cloned().collect::<Vec<_>>().join(", "),
            });
        }
    }
    Ok(())
}

/// The schema of a response's body, if it has typed (JSON) content.
fn body_schema(response: &Value) -> Option<&Value> {
    let content = response.get("content")?.as_object()?;
    content
        .iter()
        .find(|(media, _)| media.starts_with("application/json"))
        .and_then(|(_, m)| m.get("schema"))
}
