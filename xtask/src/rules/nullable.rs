//! Nullable enums, both ways: the one spelling the effective spec uses (so that every
//! outside tool reads "null or one of these"), and how the generator reads it back
//! (rule 2 of [`super`]).

use std::collections::BTreeSet;

use serde_json::{Map, Value};

use crate::openapi::{ref_name, visit_objects};

/// The spelling rule: every enum that allows `null` (`nullable: true` beside it, or `null`
/// among its values) is written as one form, `enum: [<values>…, null]` with neither
/// `nullable` nor `type`; everything else about the schema (description, default, …) is
/// kept. Why this form: `specs/README.md`, decision 22.
pub(super) fn spell_nullable_enums(doc: &mut Value) {
    visit_objects(doc, &mut |obj| {
        let nullable = match obj.get("enum") {
            Some(Value::Array(values)) => {
                obj.get("nullable") == Some(&Value::Bool(true)) || values.iter().any(Value::is_null)
            }
            _ => false,
        };
        if !nullable {
            return;
        }
        // `shift_remove`: the other keys keep their order in the written spec.
        obj.shift_remove("nullable");
        obj.shift_remove("type");
        if let Some(Value::Array(values)) = obj.get_mut("enum")
            && !values.iter().any(Value::is_null)
        {
            values.push(Value::Null);
        }
    });
}

/// The JSON type all of an enum's values (`null` aside) have, if they share one: the
/// `type` the spelling rule leaves out, for the generator.
pub(super) fn enum_type(values: &[Value]) -> Option<&'static str> {
    let mut types = values.iter().filter(|v| !v.is_null()).map(|v| match v {
        Value::String(_) => "string",
        Value::Bool(_) => "boolean",
        Value::Number(n) if n.is_i64() || n.is_u64() => "integer",
        Value::Number(_) => "number",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
        Value::Null => unreachable!("filtered out"),
    });
    let first = types.next()?;
    let mut all = first;
    for t in types {
        match (all, t) {
            (a, b) if a == b => {}
            ("integer", "number") | ("number", "integer") => all = "number",
            _ => return None,
        }
    }
    Some(all)
}

/// Gives back the `type` the spelling rule left out (from the enum's values), for the
/// generator.
fn restore_type(obj: &mut Map<String, Value>, values: &[Value]) {
    if !obj.contains_key("type")
        && let Some(t) = enum_type(values)
    {
        obj.insert("type".into(), Value::String(t.into()));
    }
}

/// Rule 2 of [`super`]: a component enum that lists `null` becomes the enum without it
/// (its `type` restored), and every use of it an optional, nullable use; an inline one
/// becomes `type` + `nullable: true` + the enum without `null`.
pub(super) fn nullable_enums(doc: &mut Value) {
    let mut nullable = BTreeSet::new();
    if let Some(schemas) = doc
        .pointer_mut("/components/schemas")
        .and_then(Value::as_object_mut)
    {
        for (name, schema) in schemas.iter_mut() {
            let Some(obj) = schema.as_object_mut() else {
                continue;
            };
            let Some(Value::Array(values)) = obj.get_mut("enum") else {
                continue;
            };
            if !values.iter().any(Value::is_null) {
                continue;
            }
            values.retain(|v| !v.is_null());
            let values = values.clone();
            restore_type(obj, &values);
            obj.remove("nullable");
            nullable.insert(name.clone());
        }
    }
    if !nullable.is_empty() {
        mark_nullable_uses(doc, &nullable);
    }
    nullable_inline_enums(doc);
}

/// The inline enums that list `null` (the components are done by then).
fn nullable_inline_enums(doc: &mut Value) {
    visit_objects(doc, &mut |obj| {
        if let Some(Value::Array(values)) = obj.get_mut("enum")
            && values.iter().any(Value::is_null)
        {
            values.retain(|v| !v.is_null());
            let values = values.clone();
            restore_type(obj, &values);
            obj.insert("nullable".into(), Value::Bool(true));
        }
    });
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
