//! The schema walker: a JSON text against an OpenAPI 3.0 schema of the effective specs,
//! objects closed; each difference an [`Issue`], at most
//! [`MAX_FINDINGS`](crate::MAX_FINDINGS).
//!
//! It walks the text, not a parsed tree: an object's fields and an array's items are read
//! one at a time (each as its raw JSON text) and checked as they come, so that a body costs
//! memory for the depth of its nesting and its findings, not for its values (a megabyte of
//! small values parsed into a `serde_json::Value` takes 10 to 20 MB). Each level of nesting
//! the schema goes into reads its part of the text once more. Findings come in the order a
//! parsed tree gave them: a value's own, then an object's missing required fields, then its
//! fields' in the order of their names; a field named twice is checked twice.

use std::collections::BTreeMap;
use std::fmt;

use serde::de::{Deserializer as _, MapAccess, SeqAccess, Visitor};
use serde_json::Value;
use serde_json::value::RawValue;

use crate::finding::{FindingKind, OBSERVED_LIMIT, observed, value_text};
use crate::schema::{Expected, Issue, check_scalar, fits};

/// How long a JSON text may be to be shown as a parsed tree shows it (compact); longer
/// ones are shown as written.
const PARSED_TEXT: usize = 4096;

/// Checks the JSON text `raw` (valid JSON: read from a `RawValue`) against `schema`,
/// adding at most `room` issues to `out`.
pub(crate) fn check_json(
    doc: &Value,
    schema: &Value,
    raw: &str,
    path: &str,
    out: &mut Vec<Issue>,
    room: usize,
) {
    if room == 0 {
        return;
    }
    let start = out.len();
    let seen = match raw.trim_start().as_bytes().first() {
        Some(b'{') => "object",
        Some(b'[') => "array",
        _ => {
            // A scalar: small once parsed (a string as long as the text at most).
            if let Ok(value) = serde_json::from_str::<Value>(raw) {
                check_scalar(doc, schema, &value, path, out);
            }
            return;
        }
    };
    let x = Expected::new(doc, schema);
    if let Some(expected) = x.type_name()
        && !fits(seen, expected)
    {
        out.push((
            FindingKind::TypeDiffers,
            path.to_owned(),
            format!("{seen} {}", text(raw)),
            expected.to_owned(),
        ));
        return;
    }
    if let Some(values) = x.enum_values() {
        let listed = raw.len() <= PARSED_TEXT
            && serde_json::from_str::<Value>(raw).is_ok_and(|v| values.contains(&v));
        if !listed {
            out.push((
                FindingKind::NewEnumValue,
                path.to_owned(),
                text(raw),
                Expected::listed(values),
            ));
        }
    }
    let room = room - (out.len() - start);
    if seen == "object" {
        check_object(doc, &x, raw, path, out, room);
    } else if let Some(items) = x.schema.get("items") {
        let mut i = 0usize;
        let from = out.len();
        each_item(raw, |item| {
            let used = out.len() - from;
            check_json(
                doc,
                items,
                item.get(),
                &format!("{path}[{i}]"),
                out,
                room - used,
            );
            i += 1;
        });
    }
}

/// An object's fields: the required ones present, each known one against its schema,
/// unknown ones reported when the schema is closed; at most `room` issues.
fn check_object(
    doc: &Value,
    x: &Expected,
    raw: &str,
    path: &str,
    out: &mut Vec<Issue>,
    room: usize,
) {
    let s = &x.schema;
    let props = s.get("properties").and_then(Value::as_object);
    let closed = props.is_some() && s.get("additionalProperties") != Some(&Value::Bool(true));
    let required: Vec<&str> = match s.get("required") {
        Some(Value::Array(names)) => names.iter().filter_map(Value::as_str).collect(),
        _ => Vec::new(),
    };
    let mut present = vec![false; required.len()];
    // The fields' findings by field name, to give them in name order.
    let mut by_name: BTreeMap<String, Vec<Issue>> = BTreeMap::new();
    let mut used = 0;
    each_field(raw, |name, value| {
        if let Some(i) = required.iter().position(|r| *r == name) {
            present[i] = true;
        }
        if used >= room {
            return;
        }
        let child = format!("{path}.{name}");
        let mut found = Vec::new();
        match props.and_then(|p| p.get(&name)) {
            Some(sub) => check_json(doc, sub, value.get(), &child, &mut found, room - used),
            None if closed => found.push((
                FindingKind::NewField,
                child,
                text(value.get()),
                "no such field".into(),
            )),
            None => {}
        }
        used += found.len();
        if !found.is_empty() {
            by_name.entry(name).or_default().extend(found);
        }
    });
    let start = out.len();
    for (name, _) in required.iter().zip(&present).filter(|(_, p)| !**p) {
        out.push((
            FindingKind::MissingRequiredField,
            format!("{path}.{name}"),
            "(absent)".into(),
            "a required field".into(),
        ));
    }
    out.extend(by_name.into_values().flatten());
    out.truncate(start + room);
}

/// A JSON text as a finding shows it: compact when short (as a parsed value prints),
/// cut otherwise, its `\u` escapes decoded as a parsed value's are: what a finding shows
/// is scrubbed of the client's key, and `\u0073k_live_…` must read as the key it spells.
fn text(raw: &str) -> String {
    if raw.len() <= PARSED_TEXT
        && let Ok(value) = serde_json::from_str::<Value>(raw)
    {
        return value_text(&value);
    }
    let raw = raw.trim();
    // Enough of it to be cut however densely escaped (a character in 12 bytes at most).
    let mut end = raw.len().min(12 * (OBSERVED_LIMIT + 1));
    while !raw.is_char_boundary(end) {
        end -= 1;
    }
    observed(&decode_escapes(&raw[..end]))
}

/// `s` (JSON text) with its `\uXXXX` escapes (surrogate pairs too) and `\/` decoded; the
/// other escapes (`\"`, `\\`, `\n`…) and any broken one kept as written.
fn decode_escapes(s: &str) -> String {
    fn hex4(s: &str, at: usize) -> Option<u32> {
        let h = s.get(at..at + 4)?;
        h.bytes()
            .all(|b| b.is_ascii_hexdigit())
            .then(|| u32::from_str_radix(h, 16).ok())?
    }
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(i) = rest.find('\\') {
        out.push_str(&rest[..i]);
        rest = &rest[i..];
        let (decoded, used) = match rest.as_bytes().get(1) {
            Some(b'u') => match hex4(rest, 2) {
                Some(hi @ 0xD800..=0xDBFF) => match (rest.get(6..8), hex4(rest, 8)) {
                    (Some("\\u"), Some(lo @ 0xDC00..=0xDFFF)) => (
                        char::from_u32(0x10000 + ((hi - 0xD800) << 10) + (lo - 0xDC00)),
                        12,
                    ),
                    _ => (None, 6),
                },
                Some(c) => (char::from_u32(c), 6),
                None => (None, 2),
            },
            Some(b'/') => (Some('/'), 2),
            Some(b) if b.is_ascii() => (None, 2),
            _ => (None, 1),
        };
        match decoded {
            Some(c) => out.push(c),
            None => out.push_str(&rest[..used]),
        }
        rest = &rest[used..];
    }
    out.push_str(rest);
    out
}

/// Calls `f` with each field of the JSON object `raw` (name, raw value), in text order.
fn each_field<'a>(raw: &'a str, f: impl FnMut(String, &'a RawValue)) {
    struct Fields<F>(F);
    impl<'de, F: FnMut(String, &'de RawValue)> Visitor<'de> for Fields<F> {
        type Value = ();
        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("an object")
        }
        fn visit_map<M: MapAccess<'de>>(mut self, mut map: M) -> Result<(), M::Error> {
            while let Some(name) = map.next_key::<String>()? {
                let value: &'de RawValue = map.next_value()?;
                (self.0)(name, value);
            }
            Ok(())
        }
    }
    let _ = serde_json::Deserializer::from_str(raw).deserialize_map(Fields(f));
}

/// Calls `f` with each item of the JSON array `raw` (raw), in order.
fn each_item<'a>(raw: &'a str, f: impl FnMut(&'a RawValue)) {
    struct Items<F>(F);
    impl<'de, F: FnMut(&'de RawValue)> Visitor<'de> for Items<F> {
        type Value = ();
        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("an array")
        }
        fn visit_seq<S: SeqAccess<'de>>(mut self, mut seq: S) -> Result<(), S::Error> {
            while let Some(item) = seq.next_element::<&'de RawValue>()? {
                (self.0)(item);
            }
            Ok(())
        }
    }
    let _ = serde_json::Deserializer::from_str(raw).deserialize_seq(Items(f));
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::finding::MAX_FINDINGS;

    fn check(raw: &str) -> Vec<Issue> {
        let schema = json!({
            "type": "object",
            "required": ["a", "b"],
            "properties": {
                "a": {"type": "string"},
                "list": {"type": "array", "items": {"type": "object", "properties": {"x": {"type": "integer"}}}}
            }
        });
        let mut out = Vec::new();
        check_json(&json!({}), &schema, raw, "$", &mut out, MAX_FINDINGS);
        out
    }

    #[test]
    fn findings_come_as_a_parsed_tree_gave_them() {
        let out = check(r#"{"zeta": 1, "a": 2, "list": [{"x": "s"}, 3], "alpha": {"k": [1, 2]}}"#);
        let seen: Vec<_> = out.iter().map(|i| (i.0, i.1.as_str())).collect();
        use FindingKind::*;
        assert_eq!(
            seen,
            [
                (MissingRequiredField, "$.b"),
                (TypeDiffers, "$.a"),
                (NewField, "$.alpha"),
                (TypeDiffers, "$.list[0].x"),
                (TypeDiffers, "$.list[1]"),
                (NewField, "$.zeta"),
            ]
        );
        // Shown compact, as a parsed value prints.
        assert_eq!(out[2].2, r#"{"k":[1,2]}"#);
        assert_eq!(out[4].2, "integer 3");
    }

    #[test]
    fn a_body_of_wrong_values_stops_at_the_cap() {
        let raw = format!(
            r#"{{"a": "s", "list": [{}0], "zz": {{}}}}"#,
            "0,".repeat(200_000)
        );
        let out = check(&raw);
        assert_eq!(out.len(), MAX_FINDINGS);
        // The missing field first, then the items up to the cap.
        assert_eq!(out[0].1, "$.b");
        assert_eq!(
            out[MAX_FINDINGS - 1].1,
            format!("$.list[{}]", MAX_FINDINGS - 2)
        );
        // A long value is shown as written, cut.
        let long = format!(r#"{{"a": "s", "new": [{}1]}}"#, "1, ".repeat(5_000));
        let new = check(&long).into_iter().find(|i| i.1 == "$.new").unwrap();
        assert!(
            new.2.starts_with("[1, 1, 1") && new.2.ends_with('…'),
            "{}",
            new.2
        );
    }

    #[test]
    fn a_long_value_is_shown_with_its_escapes_decoded() {
        let long = format!(
            r#"{{"a": "s", "new": "\u0073k_l\u0069ve_\u0041BCD\/\"\\u0041\ud83d\ude00{}"}}"#,
            "x".repeat(5_000)
        );
        let new = check(&long).into_iter().find(|i| i.1 == "$.new").unwrap();
        assert!(
            new.2.starts_with(r#""sk_live_ABCD/\"\\u0041😀xx"#) && new.2.ends_with('…'),
            "{}",
            new.2
        );
    }
}
