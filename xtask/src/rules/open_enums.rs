//! Rule 1, open enums in responses: see [`super`].

use std::collections::{BTreeMap, BTreeSet};

use serde_json::{Map, Value};

use crate::openapi::{operations_mut, ref_name, reference};

/// Rule 1: see the module docs.
pub(super) fn open_response_enums(doc: &mut Value) {
    let components = doc
        .pointer("/components/schemas")
        .and_then(Value::as_object)
        .cloned()
        .unwrap_or_default();
    // Component schemas a request reaches (bodies and parameters), transitively.
    let mut request_side = BTreeSet::new();
    for op in operations_mut(doc) {
        let mut roots = Vec::new();
        if let Some(body) = op.get("requestBody") {
            roots.push(body.clone());
        }
        if let Some(params) = op.get("parameters") {
            roots.push(params.clone());
        }
        for root in roots {
            collect_refs(&root, &components, &mut request_side);
        }
    }
    let mut opener = Opener {
        components,
        request_side,
        opened: BTreeMap::new(),
    };
    for op in operations_mut(doc) {
        let Some(responses) = op.get_mut("responses").and_then(Value::as_object_mut) else {
            continue;
        };
        for response in responses.values_mut() {
            let Some(content) = response.get_mut("content").and_then(Value::as_object_mut) else {
                continue;
            };
            for media in content.values_mut() {
                if let Some(schema) = media.get_mut("schema") {
                    opener.open(schema);
                }
            }
        }
    }
    if let Some(schemas) = doc
        .pointer_mut("/components/schemas")
        .and_then(Value::as_object_mut)
    {
        schemas.extend(opener.opened);
    }
}

const IN_RESPONSE: &str = "InResponse";

struct Opener {
    /// The components as the effective spec has them.
    components: Map<String, Value>,
    /// Components that requests use: never changed in place.
    request_side: BTreeSet<String>,
    /// Components (or `<Name>InResponse` copies), opened, to write back.
    opened: BTreeMap<String, Value>,
}

impl Opener {
    /// Opens one schema found on the response side.
    fn open(&mut self, schema: &mut Value) {
        if let Some(name) = ref_name(schema).map(str::to_owned) {
            let Some(target) = self.components.get(&name).cloned() else {
                return;
            };
            if !contains_enum(&target, &self.components, &mut BTreeSet::new()) {
                return;
            }
            if !self.request_side.contains(&name) {
                self.open_component(&name, target);
            } else if target.get("enum").is_some() {
                // A plain enum shared with requests: the response side gets an open
                // copy in place of the reference.
                let mut copy = target;
                self.open_inline(&mut copy);
                *schema = copy;
            } else {
                let copy = format!("{name}{IN_RESPONSE}");
                self.open_component(&copy, target);
                *schema = reference(&copy);
            }
            return;
        }
        self.open_inline(schema);
    }

    /// Records the opened version of a component under `name` (once).
    fn open_component(&mut self, name: &str, mut schema: Value) {
        if self.opened.contains_key(name) {
            return;
        }
        // A placeholder first, so that a schema that refers to itself ends.
        self.opened.insert(name.to_owned(), Value::Null);
        self.open_inline(&mut schema);
        self.opened.insert(name.to_owned(), schema);
    }

    /// Opens an inline schema and everything below it.
    fn open_inline(&mut self, schema: &mut Value) {
        let Some(obj) = schema.as_object_mut() else {
            return;
        };
        if let Some(Value::Array(values)) = obj.remove("enum") {
            let known: Vec<String> = values
                .iter()
                .filter(|v| !v.is_null())
                .map(|v| match v {
                    Value::String(s) => format!("`{s}`"),
                    other => format!("`{other}`"),
                })
                .collect();
            if values.iter().any(Value::is_null) {
                obj.insert("nullable".into(), Value::Bool(true));
            }
            if !obj.contains_key("type")
                && let Some(t) = super::nullable::enum_type(&values)
            {
                obj.insert("type".into(), Value::String(t.into()));
            }
            let note = format!(
                "Known values: {}. Any other value NOX sends is kept as it is.",
                known.join(", ")
            );
            let description = match obj.get("description").and_then(Value::as_str) {
                Some(d) if !d.trim().is_empty() => format!("{}\n\n{note}", d.trim_end()),
                _ => note,
            };
            obj.insert("description".into(), Value::String(description));
        }
        for key in ["properties", "patternProperties"] {
            if let Some(Value::Object(props)) = obj.get_mut(key) {
                for prop in props.values_mut() {
                    self.open(prop);
                }
            }
        }
        for key in ["items", "additionalProperties", "not"] {
            if let Some(child) = obj.get_mut(key)
                && child.is_object()
            {
                self.open(child);
            }
        }
        for key in ["allOf", "anyOf", "oneOf"] {
            if let Some(Value::Array(children)) = obj.get_mut(key) {
                for child in children.iter_mut() {
                    self.open(child);
                }
            }
        }
        // `allOf: [<one inline schema>]` next to a description or `nullable` is how the
        // specs attach those to a shared enum; once opened, fold it into one schema.
        if let Some(Value::Array(all_of)) = obj.get("allOf")
            && all_of.len() == 1
            && ref_name(&all_of[0]).is_none()
            && let Some(Value::Object(inner)) = obj.remove("allOf").and_then(|a| match a {
                Value::Array(mut v) => v.pop(),
                _ => None,
            })
        {
            for (key, value) in inner {
                match (key.as_str(), obj.get(&key)) {
                    // The property's own description comes first; the known values last.
                    ("description", Some(Value::String(own))) => {
                        let inner_text = value.as_str().unwrap_or_default();
                        let known = inner_text
                            .find("Known values:")
                            .map(|i| &inner_text[i..])
                            .unwrap_or_default();
                        if !known.is_empty() && !own.contains("Known values:") {
                            let merged = format!("{}\n\n{known}", own.trim_end());
                            obj.insert(key, Value::String(merged));
                        }
                    }
                    (_, Some(_)) => {}
                    (_, None) => {
                        obj.insert(key, value);
                    }
                }
            }
        }
    }
}

/// Every component schema `value` reaches through `$ref`, transitively.
fn collect_refs(value: &Value, components: &Map<String, Value>, out: &mut BTreeSet<String>) {
    match value {
        Value::Object(obj) => {
            if let Some(name) = ref_name(value)
                && out.insert(name.to_owned())
                && let Some(target) = components.get(name)
            {
                collect_refs(target, components, out);
            }
            for child in obj.values() {
                collect_refs(child, components, out);
            }
        }
        Value::Array(items) => {
            for child in items {
                collect_refs(child, components, out);
            }
        }
        _ => {}
    }
}

/// Whether a schema has an `enum` anywhere in it or in what it references.
fn contains_enum(
    value: &Value,
    components: &Map<String, Value>,
    seen: &mut BTreeSet<String>,
) -> bool {
    match value {
        Value::Object(obj) => {
            if obj.contains_key("enum") {
                return true;
            }
            if let Some(name) = ref_name(value)
                && seen.insert(name.to_owned())
                && let Some(target) = components.get(name)
                && contains_enum(target, components, seen)
            {
                return true;
            }
            obj.iter()
                .filter(|(k, _)| *k != "example" && *k != "default")
                .any(|(_, v)| contains_enum(v, components, seen))
        }
        Value::Array(items) => items.iter().any(|v| contains_enum(v, components, seen)),
        _ => false,
    }
}
