//! A schema of the effective specs read for what it expects (`$ref` and `allOf` followed),
//! and a scalar checked against it; each difference an [`Issue`]. Objects and arrays are
//! walked over their JSON text by [`crate::walk`].

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

pub(crate) fn type_name(v: &Value) -> &'static str {
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

/// What a schema expects of a value: the schema with its `allOf` folded in, read for its
/// type, its enum and whether `null` is allowed.
pub(crate) struct Expected {
    pub(crate) schema: Map<String, Value>,
}

impl Expected {
    pub(crate) fn new(doc: &Value, schema: &Value) -> Self {
        Expected {
            schema: flatten(doc, schema),
        }
    }

    pub(crate) fn enum_values(&self) -> Option<&Vec<Value>> {
        self.schema.get("enum").and_then(Value::as_array)
    }

    fn nullable(&self) -> bool {
        self.schema.get("nullable") == Some(&Value::Bool(true))
            || self
                .enum_values()
                .is_some_and(|e| e.iter().any(Value::is_null))
    }

    /// The type a value must have. A nullable enum is written without `type` (`enum:
    /// [..., null]`, specs/README.md decision 22): its type is that of its values.
    pub(crate) fn type_name(&self) -> Option<&str> {
        self.schema.get("type").and_then(Value::as_str).or_else(|| {
            self.enum_values()
                .and_then(|e| e.iter().find(|v| !v.is_null()).map(type_name))
        })
    }

    /// `one of "a", "b"…`: what an enum lists (its first eight values).
    pub(crate) fn listed(values: &[Value]) -> String {
        let known: Vec<String> = values
            .iter()
            .filter(|v| !v.is_null())
            .take(8)
            .map(|v| v.to_string())
            .collect();
        let more = if values.len() > 8 { ", …" } else { "" };
        format!("one of {}{more}", known.join(", "))
    }
}

/// Whether a value of type `seen` is what `expected` asks for (an integer is a number).
pub(crate) fn fits(seen: &str, expected: &str) -> bool {
    seen == expected || (expected == "number" && seen == "integer")
}

/// Checks a scalar `value` (or `null`) against an OpenAPI 3.0 schema: its type and enum.
/// Objects and arrays are walked over their JSON text ([`crate::walk`]).
pub(crate) fn check_scalar(
    doc: &Value,
    schema: &Value,
    value: &Value,
    path: &str,
    out: &mut Vec<Issue>,
) {
    let x = Expected::new(doc, schema);
    let enum_values = x.enum_values();
    let expected_type = x.type_name();
    if value.is_null() {
        if !x.nullable() && (expected_type.is_some() || enum_values.is_some()) {
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
        if !fits(seen, expected) {
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
        out.push((
            FindingKind::NewEnumValue,
            path.to_owned(),
            value_text(value),
            Expected::listed(values),
        ));
    }
}
