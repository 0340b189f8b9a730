//! Comparing two schemas of one place (a body, a parameter), old against new, both read
//! from effective specs as [`crate::diff::read`] reads them; what they are made of besides
//! fields (`oneOf`, `anyOf`, `additionalProperties`, `not`) in `crate::diff::compose`.

use std::collections::BTreeMap;

use serde_json::{Map, Value};

use crate::diff::model::{Facts, Found, Side};
use crate::diff::read::{
    DOC_KEYS, Flat, MAX_REF_DEPTH, enum_values, flatten, nullable, required, show, type_of,
};
use crate::kind::FindingKind as K;

/// How deep schemas nest (fields of fields, items of items) before the comparison stops.
const MAX_NESTING: usize = 64;

/// Compares two schemas of the same place and collects what changed.
pub(crate) struct Compare<'a> {
    pub old_doc: &'a Value,
    pub new_doc: &'a Value,
    pub side: Side,
    pub out: Vec<Found>,
    /// The references of the schemas being compared (old, new), outermost first: a schema
    /// that refers to itself is compared once.
    stack: Vec<(Option<String>, Option<String>)>,
    /// Pairs of schemas compared already (as read, overlays merged in; and whether the place
    /// is a required field on each side): not compared again. A schema shared by many
    /// fields, or many times over, costs one comparison, its changes reported once, at the
    /// first place, with the number of other places.
    done: BTreeMap<Key, Done>,
    /// Whether a comparison under way was cut short at a depth limit: it is not cached.
    cut: bool,
}

/// What identifies a comparison: both schemas as read, and the field's required flags.
type Key = (String, String, bool, bool);

/// A comparison done: the range of its findings in `out`, and how many other places met it.
struct Done {
    start: usize,
    end: usize,
    repeats: usize,
}

/// Whether the place compared is a field of an object (and whether it is required there),
/// for the verdicts that depend on the generated field being an `Option`.
#[derive(Clone, Copy)]
pub(crate) struct Field {
    pub required_old: bool,
    pub required_new: bool,
}

/// A whole body or parameter value: required, as the generated type holds it.
pub(crate) const WHOLE: Field = Field {
    required_old: true,
    required_new: true,
};

impl<'a> Compare<'a> {
    pub fn new(old_doc: &'a Value, new_doc: &'a Value, side: Side) -> Self {
        Compare {
            old_doc,
            new_doc,
            side,
            out: Vec::new(),
            stack: Vec::new(),
            done: BTreeMap::new(),
            cut: false,
        }
    }

    /// What it found: each change of a comparison met again elsewhere says how many other
    /// places met it (those of the comparisons around it too).
    pub fn finish(mut self) -> Vec<Found> {
        let mut others = vec![0usize; self.out.len()];
        for d in self.done.values().filter(|d| d.repeats > 0) {
            for n in &mut others[d.start..d.end] {
                *n += d.repeats;
            }
        }
        for (found, n) in self.out.iter_mut().zip(others) {
            if n > 0 {
                let places = if n == 1 { "place" } else { "places" };
                let note = format!(" (and {n} other {places} with the same schemas)");
                found.location.push_str(&note);
            }
        }
        self.out
    }

    /// A comparison cut short at a depth limit, reported (never read as "no changes").
    fn too_deep(&mut self, at: &str, what: String) {
        self.cut = true;
        let found = Found::new(K::TypeDiffers, self.side, at).was("", what);
        self.push(found);
    }

    pub(crate) fn push(&mut self, found: Found) {
        self.out.push(found);
    }

    /// Compares `old` with `new` at `at` (`request body $.language`).
    pub fn schemas(&mut self, old: &Value, new: &Value, at: &str, field: Field) {
        let o = flatten(self.old_doc, old);
        let n = flatten(self.new_doc, new);
        if let (Some(a), Some(b)) = (&o.name, &n.name)
            && a != b
        {
            let found = Found::new(K::SchemaRenamed, self.side, at).was(a.clone(), b.clone());
            self.push(found);
        }
        // A schema that refers to itself (through its fields) is compared once; a pair of
        // schemas met before is not compared again; nothing is compared deeper than
        // MAX_NESTING, whatever the references do: that is reported.
        let pair = (o.reference.clone(), n.reference.clone());
        if pair.0.is_some() && pair.1.is_some() && self.stack.contains(&pair) {
            return;
        }
        let text = |m: &Map<String, Value>| serde_json::to_string(m).unwrap_or_default();
        let key = (
            text(&o.map),
            text(&n.map),
            field.required_old,
            field.required_new,
        );
        if let Some(done) = self.done.get_mut(&key) {
            if done.end > done.start {
                done.repeats += 1;
            }
            return;
        }
        if o.too_deep || n.too_deep {
            let what =
                format!("references that chain more than {MAX_REF_DEPTH} deep: not compared");
            return self.too_deep(at, what);
        }
        if self.stack.len() >= MAX_NESTING {
            let what = format!("schemas nested more than {MAX_NESTING} deep: not compared");
            return self.too_deep(at, what);
        }
        let (start, cut_before) = (self.out.len(), std::mem::take(&mut self.cut));
        self.stack.push(pair);
        self.compare_flat(&o, &n, at, field);
        self.stack.pop();
        if !self.cut {
            let end = self.out.len();
            let done = Done {
                start,
                end,
                repeats: 0,
            };
            self.done.insert(key, done);
        }
        self.cut |= cut_before;
    }

    fn compare_flat(&mut self, o: &Flat, n: &Flat, at: &str, field: Field) {
        self.docs(&o.map, &n.map, at);
        let (ot, nt) = (type_of(&o.map), type_of(&n.map));
        if ot != nt {
            self.push(Found::new(K::TypeDiffers, self.side, at).was(ot, nt));
            return;
        }
        self.nullability(&o.map, &n.map, at, field);
        if o.map.get("default") != n.map.get("default") {
            let words = |m: &Map<String, Value>| m.get("default").map(show).unwrap_or_default();
            let found =
                Found::new(K::DefaultChanged, self.side, at).was(words(&o.map), words(&n.map));
            self.push(found);
        }
        self.enums(&o.map, &n.map, at);
        let bounds = crate::diff::constraints::compare(&o.map, &n.map, self.side, at);
        self.out.extend(bounds);
        self.compositions(&o.map, &n.map, at);
        self.properties(&o.map, &n.map, at);
        if let (Some(oi), Some(ni)) = (o.map.get("items"), n.map.get("items")) {
            self.schemas(oi, ni, &format!("{at}[]"), WHOLE);
        }
    }

    fn docs(&mut self, o: &Map<String, Value>, n: &Map<String, Value>, at: &str) {
        for key in DOC_KEYS {
            if o.get(key) != n.get(key) {
                let found = Found::new(K::DocsChanged, self.side, at).was("", key);
                self.push(found);
                return;
            }
        }
    }

    fn nullability(&mut self, o: &Map<String, Value>, n: &Map<String, Value>, at: &str, f: Field) {
        let (a, b) = (nullable(o), nullable(n));
        if a == b {
            return;
        }
        let kind = if b {
            K::FieldNullable
        } else {
            K::FieldNotNullable
        };
        let facts = Facts {
            required: f.required_new,
            option_before: !f.required_old || a,
            option_after: !f.required_new || b,
            ..Facts::default()
        };
        let words = |x: bool| if x { "nullable" } else { "not nullable" };
        let found = Found::new(kind, self.side, at)
            .was(words(a), words(b))
            .facts(facts);
        self.push(found);
    }

    fn enums(&mut self, o: &Map<String, Value>, n: &Map<String, Value>, at: &str) {
        match (enum_values(o), enum_values(n)) {
            (Some(a), Some(b)) => {
                for v in b.iter().filter(|v| !a.contains(v)) {
                    self.push(Found::new(K::NewEnumValue, self.side, at).was("", show(v)));
                }
                for v in a.iter().filter(|v| !b.contains(v)) {
                    self.push(Found::new(K::EnumValueRemoved, self.side, at).was(show(v), ""));
                }
            }
            (None, None) => {}
            (a, b) => {
                let words = |e: &Option<Vec<&Value>>| match e {
                    Some(values) => format!("one of {} values", values.len()),
                    None => "any value".to_owned(),
                };
                let found = Found::new(K::TypeDiffers, self.side, at).was(words(&a), words(&b));
                self.push(found);
            }
        }
    }

    fn properties(&mut self, o: &Map<String, Value>, n: &Map<String, Value>, at: &str) {
        let empty = Map::new();
        let op = o
            .get("properties")
            .and_then(Value::as_object)
            .unwrap_or(&empty);
        let np = n
            .get("properties")
            .and_then(Value::as_object)
            .unwrap_or(&empty);
        let (or, nr) = (required(o), required(n));
        for (name, old) in op {
            let place = format!("{at}.{name}");
            let req_old = or.contains(name.as_str());
            let Some(new) = np.get(name) else {
                let old_nullable = nullable(&flatten(self.old_doc, old).map);
                let facts = Facts {
                    required: req_old,
                    option_before: !req_old || old_nullable,
                    ..Facts::default()
                };
                let words = if req_old { "required" } else { "optional" };
                let found = Found::new(K::FieldRemoved, self.side, &place)
                    .was(
                        format!("{words} {}", flatten(self.old_doc, old).words()),
                        "",
                    )
                    .facts(facts);
                self.push(found);
                continue;
            };
            let req_new = nr.contains(name.as_str());
            if req_old != req_new {
                let new_nullable = nullable(&flatten(self.new_doc, new).map);
                let old_nullable = nullable(&flatten(self.old_doc, old).map);
                let facts = Facts {
                    required: req_new,
                    option_before: !req_old || old_nullable,
                    option_after: !req_new || new_nullable,
                    ..Facts::default()
                };
                let (kind, a, b) = if req_new {
                    (K::FieldRequired, "optional", "required")
                } else {
                    (K::FieldOptional, "required", "optional")
                };
                self.push(Found::new(kind, self.side, &place).was(a, b).facts(facts));
            }
            let field = Field {
                required_old: req_old,
                required_new: req_new,
            };
            self.schemas(old, new, &place, field);
        }
        for (name, new) in np.iter().filter(|(k, _)| !op.contains_key(*k)) {
            let req = nr.contains(name.as_str());
            let facts = Facts {
                required: req,
                ..Facts::default()
            };
            let words = if req { "required" } else { "optional" };
            let found = Found::new(K::NewField, self.side, &format!("{at}.{name}"))
                .was(
                    "",
                    format!("{words} {}", flatten(self.new_doc, new).words()),
                )
                .facts(facts);
            self.push(found);
        }
        // A name newly required without a property of its own: any value, but there.
        for name in nr
            .difference(&or)
            .filter(|n| !op.contains_key(**n) && !np.contains_key(**n))
        {
            let facts = Facts {
                required: true,
                ..Facts::default()
            };
            let found = Found::new(K::FieldRequired, self.side, &format!("{at}.{name}"))
                .was("optional", "required")
                .facts(facts);
            self.push(found);
        }
    }
}
