//! Comparing the bounds of two schemas of one place: lengths, counts, ranges, `pattern`,
//! `multipleOf`, `uniqueItems` and `additionalProperties: false`. Each bound that changed is
//! one finding, tightened (fewer values allowed) or loosened (more), with two facts the
//! verdict needs: whether the generated Rust type changes with it, and whether the generated
//! type of the old side checks the bound when it decodes.
//!
//! What the generator does with bounds (typify 0.8, read in its source and checked on our
//! specs): a string with `maxLength`, `minLength` or `pattern` (and no format typify maps to
//! another type) becomes a newtype that checks them when it is built *and when it is
//! decoded*; an integer's bounds choose its Rust type (`minimum: 1` is `NonZeroU64`,
//! `minimum: 0` `u64`, a format `int32` `i32`, …), which decoding checks; an object with
//! `additionalProperties: false` is `deny_unknown_fields`; an array with `minItems` equal to
//! `maxItems` is a fixed-size array. Nothing else is checked: `maximum` inside the Rust
//! type's range, `maxItems`, `multipleOf`, `uniqueItems` (a set keeps one of each).

use serde_json::{Map, Value};

use crate::diff::model::{Facts, Found, Side};
use crate::kind::FindingKind as K;

/// The bounds compared, with the direction that allows fewer values.
const UPPER: [&str; 4] = ["maxLength", "maxItems", "maxProperties", "maximum"];
const LOWER: [&str; 4] = ["minLength", "minItems", "minProperties", "minimum"];

fn number(m: &Map<String, Value>, key: &str) -> Option<f64> {
    m.get(key).and_then(Value::as_f64)
}

fn flag(m: &Map<String, Value>, key: &str) -> bool {
    m.get(key) == Some(&Value::Bool(true))
}

/// A bound in words: `maxLength 64`, `maximum 10 (exclusive)`, `none`.
fn words(key: &str, value: Option<f64>, exclusive: bool) -> String {
    match value {
        None => "none".to_owned(),
        Some(v) => {
            let v = serde_json::Number::from_f64(v)
                .map(|n| match n.as_f64() {
                    Some(f) if f.fract() == 0.0 && f.abs() < 1e15 => format!("{}", f as i64),
                    _ => n.to_string(),
                })
                .unwrap_or_default();
            let excl = if exclusive { " (exclusive)" } else { "" };
            format!("{key} {v}{excl}")
        }
    }
}

/// The changes of bounds between two schemas of one place, on `side`, at `at`.
pub(crate) fn compare(
    o: &Map<String, Value>,
    n: &Map<String, Value>,
    side: Side,
    at: &str,
) -> Vec<Found> {
    let mut changes: Vec<(bool, String, String)> = Vec::new();
    for key in UPPER {
        let excl = (key == "maximum").then_some("exclusiveMaximum");
        let e = |m: &Map<String, Value>| excl.is_some_and(|k| flag(m, k));
        let (a, b) = ((number(o, key), e(o)), (number(n, key), e(n)));
        if a == b {
            continue;
        }
        // Lower is tighter; absent is no bound; at the same value, exclusive is tighter.
        let tighter = match (a.0, b.0) {
            (None, Some(_)) => true,
            (Some(_), None) => false,
            (Some(x), Some(y)) if x != y => y < x,
            _ => b.1,
        };
        changes.push((tighter, words(key, a.0, a.1), words(key, b.0, b.1)));
    }
    for key in LOWER {
        let excl = (key == "minimum").then_some("exclusiveMinimum");
        let e = |m: &Map<String, Value>| excl.is_some_and(|k| flag(m, k));
        // A count's absent lower bound is 0.
        let floor = |m: &Map<String, Value>| match (number(m, key), key) {
            (None, "minimum") => None,
            (v, "minimum") => v,
            (v, _) => v.or(Some(0.0)),
        };
        let (a, b) = ((floor(o), e(o)), (floor(n), e(n)));
        if a == b {
            continue;
        }
        let tighter = match (a.0, b.0) {
            (None, Some(_)) => true,
            (Some(_), None) => false,
            (Some(x), Some(y)) if x != y => y > x,
            _ => b.1,
        };
        changes.push((tighter, words(key, a.0, a.1), words(key, b.0, b.1)));
    }
    match (number(o, "multipleOf"), number(n, "multipleOf")) {
        (a, b) if a == b => {}
        (a, b) => {
            // Every multiple of 6 is one of 3: from 6 to 3 allows more.
            let looser = matches!((a, b), (Some(x), Some(y)) if y != 0.0 && (x / y).fract() == 0.0)
                || b.is_none();
            changes.push((
                !looser,
                words("multipleOf", a, false),
                words("multipleOf", b, false),
            ));
        }
    }
    let pattern =
        |m: &Map<String, Value>| m.get("pattern").and_then(Value::as_str).map(str::to_owned);
    match (pattern(o), pattern(n)) {
        (a, b) if a == b => {}
        (a, b) => {
            let show = |p: &Option<String>| {
                p.as_ref()
                    .map_or("none".to_owned(), |p| format!("pattern {p}"))
            };
            // Another pattern may refuse a value the old one allowed.
            changes.push((b.is_some(), show(&a), show(&b)));
        }
    }
    if flag(o, "uniqueItems") != flag(n, "uniqueItems") {
        let show = |u: bool| if u { "uniqueItems" } else { "none" }.to_owned();
        changes.push((
            flag(n, "uniqueItems"),
            show(flag(o, "uniqueItems")),
            show(flag(n, "uniqueItems")),
        ));
    }
    let closed =
        |m: &Map<String, Value>| m.get("additionalProperties") == Some(&Value::Bool(false));
    if closed(o) != closed(n) {
        let show = |c: bool| {
            if c {
                "additionalProperties: false"
            } else {
                "other fields allowed"
            }
            .to_owned()
        };
        changes.push((closed(n), show(closed(o)), show(closed(n))));
    }
    if changes.is_empty() {
        return Vec::new();
    }
    let retyped = rust_type(o) != rust_type(n);
    changes
        .into_iter()
        .map(|(tighter, old, new)| {
            let kind = if tighter {
                K::ConstraintTightened
            } else {
                K::ConstraintLoosened
            };
            let facts = Facts {
                retyped,
                checked: !tighter && checked_on_decode(o, n),
                ..Facts::default()
            };
            Found::new(kind, side, at).was(old, new).facts(facts)
        })
        .collect()
}

/// String formats typify maps to a type of their own (no length or pattern newtype).
const TYPED_FORMATS: [&str; 6] = ["uuid", "date", "date-time", "ip", "ipv4", "ipv6"];

/// The Rust type typify generates for a scalar or array schema, as far as its bounds decide
/// it: `String` or `newtype`, the integer type, `Vec`, `set` or `[_; N]`; empty for others.
pub(crate) fn rust_type(m: &Map<String, Value>) -> String {
    let format = m.get("format").and_then(Value::as_str);
    match m.get("type").and_then(Value::as_str) {
        _ if m.contains_key("enum") => "enum".to_owned(),
        Some("string") if format.is_some_and(|f| TYPED_FORMATS.contains(&f)) => String::new(),
        Some("string") => match ["maxLength", "minLength", "pattern"]
            .iter()
            .any(|k| m.contains_key(*k))
        {
            true => "newtype".to_owned(),
            false => "String".to_owned(),
        },
        Some("integer") => integer(m).0.to_owned(),
        Some("array") => match (number(m, "minItems"), number(m, "maxItems")) {
            (Some(a), Some(b)) if a == b && a > 0.0 && !flag(m, "uniqueItems") => {
                format!("[_; {a}]")
            }
            _ if flag(m, "uniqueItems") => "set".to_owned(),
            _ => "Vec".to_owned(),
        },
        _ => String::new(),
    }
}

/// Whether the old side's generated type refuses, when it decodes, a value the new side's
/// bounds allow (what makes a loosened bound in a response break the released client).
fn checked_on_decode(o: &Map<String, Value>, n: &Map<String, Value>) -> bool {
    let closed =
        |m: &Map<String, Value>| m.get("additionalProperties") == Some(&Value::Bool(false));
    match rust_type(o).as_str() {
        "newtype" => ["maxLength", "minLength", "pattern"]
            .iter()
            .any(|k| o.get(*k) != n.get(*k)),
        t if t.starts_with("[_;") => rust_type(n) != t,
        _ if o.get("type").and_then(Value::as_str) == Some("integer") => {
            let (_, lo, hi) = integer(o);
            // What the new side allows: its bounds, else its own type's range.
            let (_, new_lo, new_hi) = integer(n);
            let (min, max) = bounds(n);
            min.unwrap_or(new_lo) < lo || max.unwrap_or(new_hi) > hi
        }
        _ => closed(o) && !closed(n),
    }
}

/// The smallest and largest integer a schema allows (`exclusive…` as typify reads them).
fn bounds(m: &Map<String, Value>) -> (Option<f64>, Option<f64>) {
    let step = |key: &str| if flag(m, key) { 1.0 } else { 0.0 };
    (
        number(m, "minimum").map(|v| v + step("exclusiveMinimum")),
        number(m, "maximum").map(|v| v - step("exclusiveMaximum")),
    )
}

/// typify's choice of integer type (`convert_integer`): by format when the bounds fit it,
/// else by bounds that are exactly a type's range, else `i64`; `minimum: 1` is a NonZero.
/// With the range the type decodes.
fn integer(m: &Map<String, Value>) -> (&'static str, f64, f64) {
    const TYPES: [(&str, &str, &str, f64, f64); 10] = [
        ("int8", "i8", "NonZeroU8", i8::MIN as f64, i8::MAX as f64),
        ("uint8", "u8", "NonZeroU8", 0.0, u8::MAX as f64),
        (
            "int16",
            "i16",
            "NonZeroU16",
            i16::MIN as f64,
            i16::MAX as f64,
        ),
        ("uint16", "u16", "NonZeroU16", 0.0, u16::MAX as f64),
        ("int", "i32", "NonZeroU32", i32::MIN as f64, i32::MAX as f64),
        (
            "int32",
            "i32",
            "NonZeroU32",
            i32::MIN as f64,
            i32::MAX as f64,
        ),
        ("uint", "u32", "NonZeroU32", 0.0, u32::MAX as f64),
        ("uint32", "u32", "NonZeroU32", 0.0, u32::MAX as f64),
        (
            "int64",
            "i64",
            "NonZeroU64",
            i64::MIN as f64,
            i64::MAX as f64,
        ),
        ("uint64", "u64", "NonZeroU64", 0.0, u64::MAX as f64),
    ];
    let range = |ty: &str| {
        let nz = ty.starts_with("NonZero");
        TYPES
            .iter()
            .find(|t| t.1 == ty || t.2 == ty)
            .map(|t| (if nz { 1.0 } else { t.3 }, t.4))
            .unwrap_or((i64::MIN as f64, i64::MAX as f64))
    };
    let pick = |ty: &'static str| {
        let (lo, hi) = range(ty);
        (ty, lo, hi)
    };
    let (min, max) = bounds(m);
    let format = m.get("format").and_then(Value::as_str);
    let plain = !m.contains_key("multipleOf");
    if let Some(t) = TYPES.iter().find(|t| Some(t.0) == format)
        && plain
        && min.is_none_or(|v| v >= t.3)
        && max.is_none_or(|v| v <= t.4)
    {
        return pick(if min == Some(1.0) { t.2 } else { t.1 });
    }
    let exact = |v: f64, w: f64| (v - w).abs() <= f64::EPSILON;
    let by_bounds = TYPES.iter().rev().find_map(|t| match (min, max) {
        (Some(1.0), _) => Some(t.2),
        (None, Some(hi)) => exact(t.4, hi).then_some(t.1),
        (Some(lo), None) => exact(t.3, lo).then_some(t.1),
        (Some(lo), Some(hi)) => (exact(t.3, lo) && exact(t.4, hi)).then_some(t.1),
        (None, None) => None,
    });
    pick(by_bounds.unwrap_or("i64"))
}
