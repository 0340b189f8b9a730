//! Walking an OpenAPI 3.0 document held as JSON: what [`crate::spec`] (loading and
//! checking) and [`crate::rules`] (rewriting) both need. It depends on neither, so the
//! dependencies point one way: `spec` → `rules` → `openapi`.

use serde_json::{Map, Value};

/// HTTP methods an OpenAPI path item can hold, in the order we report them.
pub(crate) const METHODS: [&str; 8] = [
    "get", "put", "post", "delete", "options", "head", "patch", "trace",
];

/// How a reference to a component schema starts.
pub(crate) const SCHEMAS: &str = "#/components/schemas/";

/// The operations of a document, as mutable JSON objects.
pub(crate) fn operations_mut(doc: &mut Value) -> Vec<&mut Value> {
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

/// The component name a schema refers to (`{"$ref": "#/components/schemas/Brand"}` →
/// `Brand`), if it is such a reference.
pub(crate) fn ref_name(schema: &Value) -> Option<&str> {
    schema
        .get("$ref")
        .and_then(Value::as_str)
        .and_then(|r| r.strip_prefix(SCHEMAS))
}

/// A reference to the component schema `name`.
pub(crate) fn reference(name: &str) -> Value {
    let mut m = Map::new();
    m.insert("$ref".into(), Value::String(format!("{SCHEMAS}{name}")));
    Value::Object(m)
}

/// Follows a local `$ref` (`#/components/...`); anything else is returned as is.
pub(crate) fn resolve_ref<'a>(doc: &'a Value, value: &'a Value) -> &'a Value {
    match value.get("$ref").and_then(Value::as_str) {
        Some(r) if r.starts_with("#/") => doc.pointer(&r[1..]).unwrap_or(value),
        _ => value,
    }
}

/// Calls `f` on every JSON object of a document that can be a schema (and on the other
/// objects around them), parents before children; never inside data: `enum`, `example`,
/// `examples`, `default`. A property that happens to be named like one of those is still
/// visited.
pub(crate) fn visit_objects(value: &mut Value, f: &mut dyn FnMut(&mut Map<String, Value>)) {
    match value {
        Value::Object(obj) => {
            f(obj);
            for (key, child) in obj.iter_mut() {
                match (key.as_str(), child) {
                    ("properties" | "patternProperties", Value::Object(props)) => {
                        for prop in props.values_mut() {
                            visit_objects(prop, f);
                        }
                    }
                    ("enum" | "example" | "examples" | "default", _) => {}
                    (_, child) => visit_objects(child, f),
                }
            }
        }
        Value::Array(items) => {
            for item in items {
                visit_objects(item, f);
            }
        }
        _ => {}
    }
}
