//! Reading a schema for a comparison: `$ref`s followed, a one-element `allOf` with siblings
//! (how the specs attach a description or `nullable` to a shared enum) read as one schema, a
//! longer `allOf` merged as typify merges it (one struct of all the members' fields), `null`
//! allowed by `nullable: true` or by `null` among the enum values.

use std::collections::BTreeSet;

use serde_json::{Map, Value};

const SCHEMAS: &str = "#/components/schemas/";
/// How deep `$ref`s are followed before a schema is taken as it stands.
pub(crate) const MAX_REF_DEPTH: usize = 16;

/// A schema as the comparison reads it.
pub(crate) struct Flat {
    /// The component it names, when it is a reference (or a one-element `allOf` of one).
    pub name: Option<String>,
    /// The last `$ref` followed to it, if any: what identifies it when it refers to itself.
    pub reference: Option<String>,
    /// The schema with references and a one-element `allOf` merged in.
    pub map: Map<String, Value>,
    /// Whether a `$ref` was still to follow after [`MAX_REF_DEPTH`] steps.
    pub too_deep: bool,
}

impl Flat {
    /// Its type in a few words, with the component it names: `Brand (string)`, `string`.
    pub fn words(&self) -> String {
        match &self.name {
            Some(name) => format!("{name} ({})", type_of(&self.map)),
            None => type_of(&self.map),
        }
    }
}

/// Reads a schema: references followed, a one-element `allOf` merged with its siblings (the
/// siblings win). At most [`MAX_REF_DEPTH`] steps: a loop of references is refused before
/// a diff (`crate::wellformed`), and never followed for ever here.
pub(crate) fn flatten(doc: &Value, schema: &Value) -> Flat {
    flatten_at(doc, schema, 0)
}

/// [`flatten`], `depth` levels of a longer `allOf` deep.
fn flatten_at(doc: &Value, schema: &Value, depth: usize) -> Flat {
    let mut name = None;
    let mut reference = None;
    let mut current = schema;
    let mut overlays: Vec<&Map<String, Value>> = Vec::new();
    for _ in 0..MAX_REF_DEPTH {
        if let Some(r) = current.get("$ref").and_then(Value::as_str) {
            current = r
                .strip_prefix('#')
                .and_then(|p| doc.pointer(p))
                .unwrap_or(&Value::Null);
            name = r.strip_prefix(SCHEMAS).map(str::to_owned);
            reference = Some(r.to_owned());
            continue;
        }
        match (current.get("allOf"), current.as_object()) {
            (Some(Value::Array(all_of)), Some(outer)) if all_of.len() == 1 => {
                overlays.push(outer);
                current = &all_of[0];
            }
            _ => break,
        }
    }
    let mut too_deep = current.get("$ref").is_some();
    let mut map = current.as_object().cloned().unwrap_or_default();
    if let Some(Value::Array(members)) = map.remove("allOf") {
        too_deep |= depth >= MAX_REF_DEPTH;
        if !too_deep {
            for member in &members {
                let member = flatten_at(doc, member, depth + 1);
                too_deep |= member.too_deep;
                merge(&mut map, member.map);
            }
        }
    }
    for outer in overlays.into_iter().rev() {
        for (k, v) in outer {
            if k != "allOf" {
                map.insert(k.clone(), v.clone());
            }
        }
    }
    Flat {
        name,
        reference,
        map,
        too_deep,
    }
}

/// Merges a member of an `allOf` into `into`, as typify makes one struct of them: the fields
/// and required names of both; any other keyword the schema does not say itself.
fn merge(into: &mut Map<String, Value>, member: Map<String, Value>) {
    for (k, v) in member {
        match (k.as_str(), into.get_mut(&k), v) {
            ("properties", Some(Value::Object(mine)), Value::Object(theirs)) => {
                for (name, schema) in theirs {
                    mine.entry(name).or_insert(schema);
                }
            }
            ("required", Some(Value::Array(mine)), Value::Array(theirs)) => {
                for name in theirs {
                    if !mine.contains(&name) {
                        mine.push(name);
                    }
                }
            }
            (_, Some(_), _) => {}
            (_, None, v) => {
                into.insert(k, v);
            }
        }
    }
}

/// Whether a schema allows `null`.
pub(crate) fn nullable(m: &Map<String, Value>) -> bool {
    m.get("nullable") == Some(&Value::Bool(true))
        || matches!(m.get("enum"), Some(Value::Array(v)) if v.iter().any(Value::is_null))
}

/// The JSON type a schema says, in a few words: its `type` (with its `format`), or the
/// type its enum values or keywords imply, or `any`.
pub(crate) fn type_of(m: &Map<String, Value>) -> String {
    let base = match m.get("type").and_then(Value::as_str) {
        Some(t) => t.to_owned(),
        None => match m.get("enum") {
            Some(Value::Array(values)) => values
                .iter()
                .find(|v| !v.is_null())
                .map(|v| match v {
                    Value::String(_) => "string",
                    Value::Bool(_) => "boolean",
                    Value::Number(n) if n.is_f64() => "number",
                    Value::Number(_) => "integer",
                    Value::Array(_) => "array",
                    _ => "object",
                })
                .unwrap_or("any")
                .to_owned(),
            _ if m.contains_key("properties") => "object".to_owned(),
            _ if m.contains_key("items") => "array".to_owned(),
            _ if m.contains_key("oneOf") || m.contains_key("anyOf") || m.contains_key("allOf") => {
                "composed".to_owned()
            }
            _ => "any".to_owned(),
        },
    };
    match m.get("format").and_then(Value::as_str) {
        Some(f) => format!("{base} ({f})"),
        None => base,
    }
}

pub(crate) fn enum_values(m: &Map<String, Value>) -> Option<Vec<&Value>> {
    match m.get("enum") {
        Some(Value::Array(v)) => Some(v.iter().filter(|v| !v.is_null()).collect()),
        _ => None,
    }
}

pub(crate) fn required(m: &Map<String, Value>) -> BTreeSet<&str> {
    match m.get("required") {
        Some(Value::Array(v)) => v.iter().filter_map(Value::as_str).collect(),
        _ => BTreeSet::new(),
    }
}

/// Words of a value for a report: a string as `"text"`, others as JSON.
pub(crate) fn show(v: &Value) -> String {
    v.to_string()
}

/// The documentation keywords: what changes only the docs.
pub(crate) const DOC_KEYS: [&str; 5] = ["description", "summary", "title", "example", "examples"];
