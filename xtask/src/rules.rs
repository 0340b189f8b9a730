//! Rules the generator applies to every spec, after its patch and before progenitor.
//!
//! The effective spec (`cargo xtask spec FILE`) says what NOX documents; these rules
//! say how a *client* should read it, so that a spec dropped in later gets the same
//! treatment without a patch per field (`specs/README.md`, "Generator rules"):
//!
//! 1. **Open enums in responses.** Every `enum` reachable from a response body
//!    becomes a plain string whose description lists the known values: a value NOX adds
//!    later is kept as text instead of failing the whole answer. Requests stay strict.
//!    A schema used by requests *and* responses is left as it is for requests; the
//!    response side gets an open copy (inlined for a plain enum, or a component named
//!    `<Name>InResponse` for an object that contains enums).
//! 2. **Nullable enums.** A component enum that lists `null` (the OpenAPI 3.0.3 way to
//!    say `enum<string> | null`) is read as the enum without `null`, and every schema
//!    that references it as an optional, nullable use of it: progenitor then generates
//!    `Option<Brand>` instead of a `NullableBrand(Option<…>)` wrapper.
//! 3. **Any 2xx is a success.** When every documented 2xx code of an operation has the
//!    same typed body, they are replaced by the range `2XX`, so that a 200 where a 201
//!    was documented still decodes as the success body.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::{Map, Value};

use crate::spec::METHODS;

const SCHEMAS: &str = "#/components/schemas/";

/// Applies every rule to an effective spec and returns what the generator reads.
pub fn client_view(effective: &Value) -> Value {
    let mut doc = effective.clone();
    nullable_enums(&mut doc);
    open_response_enums(&mut doc);
    widen_success_codes(&mut doc);
    doc
}

/// The operations of a document, as mutable JSON objects.
fn operations_mut(doc: &mut Value) -> Vec<&mut Value> {
    let Some(paths) = doc.get_mut("paths").and_then(Value::as_object_mut) else {
        return Vec::new();
    };
    let mut ops = Vec::new();
    for item in paths.values_mut() {
        let Some(item) = item.as_object_mut() else {
            continue;
        };
        for (method, op) in item.iter_mut() {
            if METHODS.contains(&method.as_str()) {
                ops.push(op);
            }
        }
    }
    ops
}

/// Rule 2: see the module docs.
fn nullable_enums(doc: &mut Value) {
    let Some(schemas) = doc
        .pointer_mut("/components/schemas")
        .and_then(Value::as_object_mut)
    else {
        return;
    };
    let mut nullable = BTreeSet::new();
    for (name, schema) in schemas.iter_mut() {
        let Some(Value::Array(values)) = schema.get_mut("enum") else {
            continue;
        };
        if !values.iter().any(Value::is_null) {
            continue;
        }
        values.retain(|v| !v.is_null());
        if let Some(obj) = schema.as_object_mut() {
            obj.remove("nullable");
        }
        nullable.insert(name.clone());
    }
    if !nullable.is_empty() {
        mark_nullable_uses(doc, &nullable);
    }
}

/// Makes every use of the named components optional and nullable: a direct `$ref`
/// becomes `allOf: [$ref]` with `nullable: true`; an `allOf` of that one reference gets
/// `nullable: true`.
fn mark_nullable_uses(value: &mut Value, names: &BTreeSet<String>) {
    let is_nullable_ref = |v: &Value| ref_name(v).is_some_and(|n| names.contains(n));
    match value {
        Value::Object(obj) => {
            if let Some(Value::Array(all_of)) = obj.get("allOf")
                && all_of.len() == 1
                && is_nullable_ref(&all_of[0])
            {
                obj.insert("nullable".into(), Value::Bool(true));
            }
            for (key, child) in obj.iter_mut() {
                if key == "allOf" {
                    continue;
                }
                if is_nullable_ref(child) {
                    let r = child.clone();
                    let mut wrapped = Map::new();
                    wrapped.insert("allOf".into(), Value::Array(vec![r]));
                    wrapped.insert("nullable".into(), Value::Bool(true));
                    *child = Value::Object(wrapped);
                } else {
                    mark_nullable_uses(child, names);
                }
            }
        }
        Value::Array(items) => {
            for item in items {
                mark_nullable_uses(item, names);
            }
        }
        _ => {}
    }
}

/// Rule 1: see the module docs.
fn open_response_enums(doc: &mut Value) {
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

fn ref_name(schema: &Value) -> Option<&str> {
    schema
        .get("$ref")
        .and_then(Value::as_str)
        .and_then(|r| r.strip_prefix(SCHEMAS))
}

fn reference(name: &str) -> Value {
    let mut m = Map::new();
    m.insert("$ref".into(), Value::String(format!("{SCHEMAS}{name}")));
    Value::Object(m)
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

/// Rule 3: see the module docs.
fn widen_success_codes(doc: &mut Value) {
    for op in operations_mut(doc) {
        let Some(responses) = op.get_mut("responses").and_then(Value::as_object_mut) else {
            continue;
        };
        let success: Vec<String> = responses
            .keys()
            .filter(|code| code.len() == 3 && code.starts_with('2') && code != &"2XX")
            .cloned()
            .collect();
        if success.is_empty() || responses.contains_key("2XX") {
            continue;
        }
        let bodies: BTreeSet<String> = success
            .iter()
            .map(|code| {
                responses[code]
                    .get("content")
                    .map(|c| c.to_string())
                    .unwrap_or_default()
            })
            .collect();
        // Only one typed body, and no code without a body beside it (a 204 stays a 204).
        if bodies.len() != 1 || bodies.contains("") {
            continue;
        }
        let mut first = None;
        for code in &success {
            let response = responses.remove(code);
            first = first.or(response);
        }
        if let Some(mut response) = first {
            if let Some(Value::String(d)) = response.get_mut("description") {
                *d = format!(
                    "{d} (documented as {}; any 2xx is read as this answer)",
                    success.join(", ")
                );
            }
            responses.insert("2XX".into(), response);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn spec() -> Value {
        json!({
            "openapi": "3.0.3",
            "paths": {"/x": {"post": {
                "operationId": "x",
                "requestBody": {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/Req"}}}},
                "responses": {
                    "201": {"description": "ok", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Resp"}}}},
                    "400": {"description": "bad", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Err"}}}}
                }
            }}},
            "components": {"schemas": {
                "Color": {"type": "string", "enum": ["red", "green"], "description": "A color."},
                "Req": {"type": "object", "properties": {"color": {"$ref": "#/components/schemas/Color"}}},
                "Resp": {"type": "object", "properties": {
                    "color": {"allOf": [{"$ref": "#/components/schemas/Color"}], "nullable": true, "description": "Its color."},
                    "shape": {"type": "string", "enum": ["round", "square"]},
                    "tags": {"type": "array", "items": {"type": "string", "enum": ["a"]}}
                }},
                "Err": {"type": "object", "properties": {"kind": {"type": "string", "enum": ["x", "y"]}}}
            }}
        })
    }

    #[test]
    fn response_enums_are_opened_and_requests_stay_strict() {
        let out = client_view(&spec());
        let s = &out["components"]["schemas"];
        assert_eq!(
            s["Color"]["enum"],
            json!(["red", "green"]),
            "request enum kept"
        );
        let color = &s["Resp"]["properties"]["color"];
        assert!(color.get("allOf").is_none(), "{color}");
        assert_eq!(color["type"], "string");
        assert_eq!(color["nullable"], true);
        let d = color["description"].as_str().unwrap();
        assert!(
            d.starts_with("Its color.") && d.contains("`red`, `green`"),
            "{d}"
        );
        assert!(s["Resp"]["properties"]["shape"].get("enum").is_none());
        assert!(
            s["Resp"]["properties"]["tags"]["items"]
                .get("enum")
                .is_none()
        );
        assert!(
            s["Err"]["properties"]["kind"].get("enum").is_none(),
            "error bodies too"
        );
    }

    #[test]
    fn a_shared_object_gets_an_open_copy() {
        let mut doc = spec();
        doc["paths"]["/x"]["post"]["responses"]["201"]["content"]["application/json"]["schema"] =
            json!({"$ref": "#/components/schemas/Req"});
        let out = client_view(&doc);
        let s = &out["components"]["schemas"];
        assert_eq!(
            out["paths"]["/x"]["post"]["responses"]["2XX"]["content"]["application/json"]["schema"]
                ["$ref"],
            "#/components/schemas/ReqInResponse"
        );
        assert_eq!(
            s["Req"]["properties"]["color"]["$ref"],
            "#/components/schemas/Color"
        );
        assert_eq!(s["ReqInResponse"]["properties"]["color"]["type"], "string");
        assert!(
            s["ReqInResponse"]["properties"]["color"]
                .get("enum")
                .is_none()
        );
    }

    #[test]
    fn success_codes_widen_to_2xx() {
        let out = client_view(&spec());
        let r = &out["paths"]["/x"]["post"]["responses"];
        assert!(r.get("201").is_none() && r.get("2XX").is_some() && r.get("400").is_some());
        // A 204 beside a typed 200 keeps both as they are.
        let mut doc = spec();
        doc["paths"]["/x"]["post"]["responses"]["204"] = json!({"description": "none"});
        let out = client_view(&doc);
        let r = &out["paths"]["/x"]["post"]["responses"];
        assert!(r.get("201").is_some() && r.get("204").is_some() && r.get("2XX").is_none());
    }

    #[test]
    fn nullable_enums_become_optional_references() {
        let mut doc = spec();
        doc["components"]["schemas"]["Color"] =
            json!({"type": "string", "nullable": true, "enum": ["red", "green", null]});
        doc["components"]["schemas"]["Req"]["properties"]["other"] =
            json!({"allOf": [{"$ref": "#/components/schemas/Color"}], "description": "d"});
        let out = client_view(&doc);
        let s = &out["components"]["schemas"];
        assert_eq!(
            s["Color"],
            json!({"type": "string", "enum": ["red", "green"]})
        );
        assert_eq!(
            s["Req"]["properties"]["color"],
            json!({"allOf": [{"$ref": "#/components/schemas/Color"}], "nullable": true})
        );
        assert_eq!(s["Req"]["properties"]["other"]["nullable"], true);
        assert_eq!(s["Req"]["properties"]["other"]["description"], "d");
    }

    #[test]
    fn the_effective_spec_is_not_changed() {
        let doc = spec();
        let before = doc.clone();
        let _ = client_view(&doc);
        assert_eq!(doc, before);
    }
}
