//! The schema walker: a JSON value against an OpenAPI 3.0 schema of the effective specs,
//! objects closed, `$ref` and `allOf` followed; each difference an [`Issue`].

use serde_json::{Map, Value};

use crate::finding::{FindingKind, value_text};

/// Follows a local `$ref`.
pub(crate) fn resolve<'a>(doc: &'a Value, v: &'a Value) -> &'a Value {
    let mut v = v;
    for _ in 0..32 {
        match v.get("$ref").and_then(Value::as_str) {
            Some(r) if r.starts_with("#/") => match doc.pointer(&r[1..]) {
                Some(target) => v = target,
                None => return v,
            },
            _ => return v,
        }
    }
    v
}

/// One schema with its `allOf` members folded in (the specs use `allOf` to attach a
/// description or `nullable` to a shared schema).
fn flatten<'a>(doc: &'a Value, schema: &'a Value) -> Map<String, Value> {
    let schema = resolve(doc, schema);
    let mut out = schema.as_object().cloned().unwrap_or_default();
    if let Some(Value::Array(members)) = out.remove("allOf") {
        for member in &members {
            for (k, v) in flatten(doc, member) {
                match (k.as_str(), out.get_mut(&k)) {
                    ("properties", Some(Value::Object(own))) => {
                        if let Value::Object(more) = v {
                            own.extend(more);
                        }
                    }
                    ("required", Some(Value::Array(own))) => {
                        if let Value::Array(more) = v {
                            own.extend(more);
                        }
                    }
                    (_, Some(_)) => {}
                    (_, None) => {
                        out.insert(k, v);
                    }
                }
            }
        }
    }
    out
}

/// A difference: its kind, JSON path, what was seen, what the schema says.
pub(crate) type Issue = (FindingKind, String, String, String);

fn type_name(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(n) if n.is_i64() || n.is_u64() => "integer",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

/// Checks `value` against an OpenAPI 3.0 schema, objects closed.
pub(crate) fn check_value(
    doc: &Value,
    schema: &Value,
    value: &Value,
    path: &str,
    out: &mut Vec<Issue>,
) {
    let s = flatten(doc, schema);
    let enum_values = s.get("enum").and_then(Value::as_array);
    let nullable = s.get("nullable") == Some(&Value::Bool(true))
        || enum_values.is_some_and(|e| e.iter().any(Value::is_null));
    // A nullable enum is written without `type` (`enum: [..., null]`, specs/README.md
    // decision 22): its type is that of its values.
    let expected_type = s
        .get("type")
        .and_then(Value::as_str)
        .or_else(|| enum_values.and_then(|e| e.iter().find(|v| !v.is_null()).map(type_name)));
    if value.is_null() {
        if !nullable && (expected_type.is_some() || enum_values.is_some()) {
            out.push((
                FindingKind::TypeDiffers,
                path.to_owned(),
                "null".into(),
                expected_type.unwrap_or("a value").to_owned(),
            ));
        }
        return;
    }
    if let Some(expected) = expected_type {
        let seen = type_name(value);
        let fits = seen == expected || (expected == "number" && seen == "integer");
        if !fits {
            out.push((
                FindingKind::TypeDiffers,
                path.to_owned(),
                format!("{seen} {}", value_text(value)),
                expected.to_owned(),
            ));
            return;
        }
    }
    if let Some(values) = enum_values
        && !values.contains(value)
    {
        let known: Vec<String> = values
            .iter()
            .filter(|v| !v.is_null())
            .take(8)
            .map(|v| v.to_string())
            .collect();
        let more = if values.len() > 8 { ", …" } else { "" };
        out.push((
            FindingKind::NewEnumValue,
            path.to_owned(),
            value_text(value),
            format!("one of {}{more}", known.join(", ")),
        ));
    }
    match value {
        Value::Object(fields) => {
            let props = s.get("properties").and_then(Value::as_object);
            if let Some(Value::Array(required)) = s.get("required") {
                for name in required.iter().filter_map(Value::as_str) {
                    if !fields.contains_key(name) {
                        out.push((
                            FindingKind::MissingRequiredField,
                            format!("{path}.{name}"),
                            "(absent)".into(),
                            "a required field".into(),
                        ));
                    }
                }
            }
            for (name, v) in fields {
                let child = format!("{path}.{name}");
                match props.and_then(|p| p.get(name)) {
                    Some(sub) => check_value(doc, sub, v, &child, out),
                    // Objects are closed unless the schema says otherwise.
                    None if props.is_some()
                        && s.get("additionalProperties") != Some(&Value::Bool(true)) =>
                    {
                        out.push((
                            FindingKind::NewField,
                            child,
                            value_text(v),
                            "no such field".into(),
                        ));
                    }
                    None => {}
                }
            }
        }
        Value::Array(items) => {
            if let Some(item_schema) = s.get("items") {
                for (i, v) in items.iter().enumerate() {
                    check_value(doc, item_schema, v, &format!("{path}[{i}]"), out);
                }
            }
        }
        _ => {}
    }
}
