//! Comparing what a schema is made of besides its fields: the members of a `oneOf` or
//! `anyOf` (typify's enum of them), the schema of `additionalProperties` (the generated
//! map's values) and `not`. A longer `allOf` is merged before (`crate::diff::read`).

use serde_json::{Map, Value};

use crate::diff::model::Found;
use crate::diff::schema::{Compare, WHOLE};
use crate::kind::FindingKind as K;

impl Compare<'_> {
    /// `oneOf` and `anyOf`: the same number of members compared one by one, in order;
    /// another number is a type change (the generated enum gains or loses a variant).
    pub(crate) fn compositions(
        &mut self,
        o: &Map<String, Value>,
        n: &Map<String, Value>,
        at: &str,
    ) {
        for key in ["oneOf", "anyOf"] {
            match (o.get(key), n.get(key)) {
                (Some(Value::Array(a)), Some(Value::Array(b))) if a.len() == b.len() => {
                    for (i, (a, b)) in a.iter().zip(b).enumerate() {
                        self.schemas(a, b, &format!("{at}<{key} {i}>"), WHOLE);
                    }
                }
                (a, b) if a != b => {
                    let count = |v: Option<&Value>| match v {
                        Some(Value::Array(m)) => format!("{key} of {} members", m.len()),
                        _ => format!("no {key}"),
                    };
                    let found = Found::new(K::TypeDiffers, self.side, at).was(count(a), count(b));
                    self.push(found);
                }
                _ => {}
            }
        }
        self.additional(o, n, at);
        self.not(o, n, at);
    }

    /// The schema of `additionalProperties`: compared as the map's values (`{at}{*}`); a
    /// schema that comes or goes is a type change (a map of values, or not). `false` is a
    /// bound (`crate::diff::constraints`).
    fn additional(&mut self, o: &Map<String, Value>, n: &Map<String, Value>, at: &str) {
        let key = "additionalProperties";
        match (o.get(key), n.get(key)) {
            (Some(a @ Value::Object(_)), Some(b @ Value::Object(_))) => {
                self.schemas(a, b, &format!("{at}{{*}}"), WHOLE);
            }
            (a @ Some(Value::Object(_)), b) | (a, b @ Some(Value::Object(_))) => {
                let words = |v: Option<&Value>| match v {
                    Some(Value::Object(_)) => "a map of values of a schema".to_owned(),
                    Some(other) => format!("{key}: {other}"),
                    None => format!("no {key}"),
                };
                let found = Found::new(K::TypeDiffers, self.side, at).was(words(a), words(b));
                self.push(found);
            }
            _ => {}
        }
    }

    /// `not`: one added allows fewer values, one removed more; one changed is read as a
    /// type change (neither includes the other, as far as this comparison knows).
    fn not(&mut self, o: &Map<String, Value>, n: &Map<String, Value>, at: &str) {
        let (a, b) = (o.get("not"), n.get("not"));
        let kind = match (a, b) {
            (None, Some(_)) => K::ConstraintTightened,
            (Some(_), None) => K::ConstraintLoosened,
            (Some(x), Some(y)) if x != y => K::TypeDiffers,
            _ => return,
        };
        let words = |v: Option<&Value>| v.map(|v| format!("not {v}")).unwrap_or_default();
        let found = Found::new(kind, self.side, at).was(words(a), words(b));
        self.push(found);
    }
}
