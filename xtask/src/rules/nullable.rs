//! Rule 2, nullable enums: see [`super`].

use std::collections::BTreeSet;

use serde_json::{Map, Value};

use crate::openapi::ref_name;

/// Rule 2: see the module docs.
pub(super) fn nullable_enums(doc: &mut Value) {
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
