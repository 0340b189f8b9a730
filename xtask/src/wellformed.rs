//! What `cargo xtask spec diff` and `spec update` refuse before they compare a document (bad
//! input, exit status 2), each problem named with the file and the place: a document without
//! `info` or `paths`, a `$ref` that points at nothing or into another file, references that
//! loop with no schema between them (`A: {$ref: A}`, an `allOf` of itself), a security
//! requirement naming a scheme the document does not define, and anything else that is not
//! an OpenAPI 3.0 document (read as progenitor reads it).
//!
//! A schema that refers to itself through a field or an item (a tree) is fine: the
//! comparison sees each pair of schemas once.

use std::collections::BTreeMap;
use std::path::Path;

use serde_json::Value;

use crate::CodegenError;
use crate::openapi::METHODS;

/// Marks a `$ref` whose value is not text (what follows is the value, as JSON).
const NOT_TEXT: &str = "\u{0}";

/// How many problems one message names.
const MAX_PROBLEMS: usize = 5;

/// Checks `doc` (read from `path`) and names every problem found, up to [`MAX_PROBLEMS`].
pub(crate) fn check(path: &Path, doc: &Value) -> Result<(), CodegenError> {
    let mut problems = structure(doc);
    if problems.is_empty() {
        let refs = references(doc);
        for (at, r) in &refs {
            if let Some(value) = r.strip_prefix(NOT_TEXT) {
                problems.push(format!("`$ref` at {at} is {value}, not a reference"));
            } else if !r.starts_with('#') {
                problems.push(format!(
                    "`$ref` `{r}` at {at} points into another file: spec diff and spec update read one self-contained file (bundle it first, e.g. `redocly bundle`)"
                ));
            } else if doc.pointer(&r[1..]).is_none() {
                problems.push(format!(
                    "`$ref` `{r}` at {at} points at nothing in the file"
                ));
            } else if r[1..].trim_matches('/').is_empty() {
                problems.push(format!(
                    "`$ref` `{r}` at {at} points at the whole document, not a schema"
                ));
            } else if !doc.pointer(&r[1..]).is_some_and(Value::is_object) {
                problems.push(format!(
                    "`$ref` `{r}` at {at} points at a value, not a schema (or another object)"
                ));
            }
        }
        if problems.is_empty() {
            problems.extend(loops(doc, &refs));
        }
        problems.extend(undefined_schemes(doc));
    }
    if problems.is_empty()
        && let Err(e) = serde_json::from_value::<openapiv3::OpenAPI>(doc.clone())
    {
        problems.push(e.to_string());
    }
    if problems.is_empty() {
        return Ok(());
    }
    let more = problems.len().saturating_sub(MAX_PROBLEMS);
    problems.truncate(MAX_PROBLEMS);
    let mut message = problems.join("; ");
    if more > 0 {
        message.push_str(&format!("; and {more} more"));
    }
    Err(CodegenError::InvalidDocument {
        path: path.to_owned(),
        message,
    })
}

/// The fields every OpenAPI document has: `info` (with `title` and `version`) and `paths`.
fn structure(doc: &Value) -> Vec<String> {
    let mut problems = Vec::new();
    match doc.get("info") {
        Some(Value::Object(info)) => {
            for key in ["title", "version"] {
                if !info.get(key).is_some_and(Value::is_string) {
                    problems.push(format!("`info.{key}` is missing or not a string"));
                }
            }
        }
        _ => problems.push("it has no `info` object (title and version)".to_owned()),
    }
    match doc.get("paths") {
        Some(Value::Object(paths)) => {
            for (route, item) in paths {
                let Some(item) = item.as_object() else {
                    problems.push(format!("path `{route}` is not an object"));
                    continue;
                };
                for method in METHODS {
                    if item.get(method).is_some_and(|op| !op.is_object()) {
                        problems.push(format!("`{method} {route}` is not an object"));
                    }
                }
            }
        }
        _ => problems.push("it has no `paths` object".to_owned()),
    }
    problems
}

/// A JSON Pointer token.
fn token(key: &str) -> String {
    key.replace('~', "~0").replace('/', "~1")
}

/// Every `$ref` of the document outside data (`example`, `examples`, `default`, `enum`,
/// extensions), with the JSON Pointer of the object that holds it.
fn references(doc: &Value) -> Vec<(String, String)> {
    fn walk(v: &Value, at: &str, out: &mut Vec<(String, String)>) {
        match v {
            Value::Object(m) => {
                let place = if at.is_empty() { "/" } else { at }.to_owned();
                match m.get("$ref") {
                    Some(Value::String(r)) => out.push((place, r.clone())),
                    Some(other) => out.push((place, format!("{NOT_TEXT}{other}"))),
                    None => {}
                }
                for (k, child) in m {
                    let here = format!("{at}/{}", token(k));
                    match (k.as_str(), child) {
                        ("properties" | "patternProperties", Value::Object(props)) => {
                            for (name, prop) in props {
                                walk(prop, &format!("{here}/{}", token(name)), out);
                            }
                        }
                        ("enum" | "example" | "examples" | "default", _) => {}
                        (k, _) if k.starts_with("x-") => {}
                        _ => walk(child, &here, out),
                    }
                }
            }
            Value::Array(items) => {
                for (i, item) in items.iter().enumerate() {
                    walk(item, &format!("{at}/{i}"), out);
                }
            }
            _ => {}
        }
    }
    let mut out = Vec::new();
    walk(doc, "", &mut out);
    out
}

/// The references a schema *is* (not those of its fields or items): its own `$ref`, or
/// those of the members of its `allOf`, `oneOf`, `anyOf` and `not`.
fn immediate(schema: &Value, out: &mut Vec<String>) {
    if let Some(r) = schema.get("$ref").and_then(Value::as_str) {
        out.push(r.to_owned());
        return;
    }
    for key in ["allOf", "oneOf", "anyOf"] {
        for member in schema
            .get(key)
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            immediate(member, out);
        }
    }
    if let Some(not) = schema.get("not") {
        immediate(not, out);
    }
}

/// References that come back to themselves with no schema between them: the comparison
/// (and the generator) would follow them for ever. One loop is named per problem.
fn loops(doc: &Value, refs: &[(String, String)]) -> Vec<String> {
    let mut edges: BTreeMap<&str, Vec<String>> = BTreeMap::new();
    for (_, r) in refs {
        let mut next = Vec::new();
        if let Some(target) = doc.pointer(&r[1..]) {
            immediate(target, &mut next);
        }
        next.retain(|n| n.starts_with('#') && doc.pointer(&n[1..]).is_some());
        edges.insert(r.as_str(), next);
    }
    // Depth-first, without recursion: 1 on the path, 2 done.
    let mut state: BTreeMap<&str, u8> = BTreeMap::new();
    let mut problems = Vec::new();
    for start in edges.keys().copied() {
        if state.contains_key(start) {
            continue;
        }
        let mut path: Vec<(&str, usize)> = vec![(start, 0)];
        state.insert(start, 1);
        while let Some((node, i)) = path.last_mut() {
            let node = *node;
            let next = edges.get(node).and_then(|e| e.get(*i));
            *i += 1;
            let Some(next) = next else {
                state.insert(node, 2);
                path.pop();
                continue;
            };
            let next = edges.get_key_value(next.as_str()).map(|(k, _)| *k);
            let Some(next) = next else { continue };
            match state.get(next) {
                Some(1) => {
                    let from = path.iter().position(|(n, _)| *n == next).unwrap_or(0);
                    let mut names: Vec<&str> = path[from..].iter().map(|(n, _)| *n).collect();
                    names.push(next);
                    problems.push(format!(
                        "`$ref`s loop with no schema between them: {} (a schema that is only a reference to itself, or an allOf, oneOf or anyOf of itself)",
                        names.join(" -> ")
                    ));
                }
                Some(_) => {}
                None => {
                    state.insert(next, 1);
                    path.push((next, 0));
                }
            }
        }
    }
    problems
}

/// Security requirements (the document's and each operation's) that name a scheme
/// `components.securitySchemes` does not define.
fn undefined_schemes(doc: &Value) -> Vec<String> {
    let defined = doc.pointer("/components/securitySchemes");
    let mut lists = vec![("the document".to_owned(), doc.get("security"))];
    for (route, item) in doc
        .get("paths")
        .and_then(Value::as_object)
        .into_iter()
        .flatten()
    {
        for method in METHODS {
            if let Some(op) = item.get(method) {
                let name = format!("`{} {route}`", method.to_ascii_uppercase());
                lists.push((name, op.get("security")));
            }
        }
    }
    let mut problems = Vec::new();
    for (whose, list) in lists {
        let alternatives = list.and_then(Value::as_array).into_iter().flatten();
        for name in alternatives
            .filter_map(Value::as_object)
            .flat_map(|m| m.keys())
        {
            if defined.and_then(|d| d.get(name)).is_none() {
                problems.push(format!(
                    "the security requirement of {whose} names `{name}`, which components.securitySchemes does not define"
                ));
            }
        }
    }
    problems
}
