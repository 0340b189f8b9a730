//! Comparing the operations of two effective specs: matched by method and path (path
//! parameter names aside), then by operationId for one that moved; then their parameters,
//! request bodies and responses.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::{Map, Value};

use crate::diff::bodies::{is_required, request_body, resolved, responses};
use crate::diff::model::{Facts, Found, Side};
use crate::diff::read::{DOC_KEYS, flatten};
use crate::diff::schema::{Compare, WHOLE};
use crate::kind::FindingKind as K;
use crate::openapi::METHODS;

/// One operation of a document.
pub(crate) struct Op<'a> {
    /// `POST`.
    pub method: String,
    /// The path template as written.
    pub path: String,
    /// The operationId, if it has one.
    pub id: Option<String>,
    /// The operation object.
    pub op: &'a Value,
    /// The path item's parameters (shared by its operations).
    pub shared_params: Option<&'a Value>,
}

impl Op<'_> {
    /// The one name (`create_supplier_link_session`), or `METHOD /path` without an operationId.
    pub fn name(&self) -> String {
        match &self.id {
            Some(id) => crate::operations::snake_case(id),
            None => self.route(),
        }
    }

    /// `METHOD /path`.
    pub fn route(&self) -> String {
        format!("{} {}", self.method, self.path)
    }

    /// Method and path with the path parameters' names left out: what identifies it.
    fn key(&self) -> String {
        format!("{} {}", self.method, template_shape(&self.path))
    }
}

/// `/users/{userId}/link` → `/users/{}/link`.
fn template_shape(path: &str) -> String {
    let mut out = String::new();
    let mut in_param = false;
    for c in path.chars() {
        match c {
            '{' => {
                in_param = true;
                out.push_str("{}");
            }
            '}' => in_param = false,
            _ if in_param => {}
            _ => out.push(c),
        }
    }
    out
}

/// The operations of a document, in its order.
pub(crate) fn operations(doc: &Value) -> Vec<Op<'_>> {
    let mut ops = Vec::new();
    let Some(paths) = doc.get("paths").and_then(Value::as_object) else {
        return ops;
    };
    for (path, item) in paths {
        for method in METHODS {
            let Some(op) = item.get(method) else { continue };
            ops.push(Op {
                method: method.to_ascii_uppercase(),
                path: path.clone(),
                id: op
                    .get("operationId")
                    .and_then(Value::as_str)
                    .map(str::to_owned),
                op,
                shared_params: item.get("parameters"),
            });
        }
    }
    ops
}

/// The pairs of operations (old, new) that are the same operation, and the ones only one
/// side has.
pub(crate) struct Matched<'a, 'b> {
    pub pairs: Vec<(&'a Op<'b>, &'a Op<'b>)>,
    pub removed: Vec<&'a Op<'b>>,
    pub added: Vec<&'a Op<'b>>,
}

pub(crate) fn match_operations<'a, 'b>(old: &'a [Op<'b>], new: &'a [Op<'b>]) -> Matched<'a, 'b> {
    let mut pairs = Vec::new();
    let mut used = BTreeSet::new();
    let mut removed = Vec::new();
    for o in old {
        match new.iter().position(|n| n.key() == o.key()) {
            Some(i) => {
                used.insert(i);
                pairs.push((o, &new[i]));
            }
            None => removed.push(o),
        }
    }
    // Moved: the same operationId at another method or path.
    let mut still_removed = Vec::new();
    for o in removed {
        let moved = new
            .iter()
            .enumerate()
            .position(|(i, n)| !used.contains(&i) && n.id.is_some() && n.id == o.id);
        match moved {
            Some(i) => {
                used.insert(i);
                pairs.push((o, &new[i]));
            }
            None => still_removed.push(o),
        }
    }
    let added = (0..new.len())
        .filter(|i| !used.contains(i))
        .map(|i| &new[i])
        .collect();
    Matched {
        pairs,
        removed: still_removed,
        added,
    }
}

/// Compares one operation of the old spec with the same operation of the new one.
pub(crate) fn compare_operation(old_doc: &Value, new_doc: &Value, o: &Op, n: &Op) -> Vec<Found> {
    let mut out = Vec::new();
    if o.key() != n.key() {
        out.push(Found::new(K::PathChanged, Side::Operation, "").was(o.route(), n.route()));
    } else if o.id != n.id {
        let show = |id: &Option<String>| id.clone().unwrap_or_else(|| "(none)".into());
        out.push(
            Found::new(K::OperationRenamed, Side::Operation, "").was(show(&o.id), show(&n.id)),
        );
    }
    if ["summary", "description"]
        .iter()
        .any(|k| o.op.get(k) != n.op.get(k))
    {
        out.push(Found::new(K::DocsChanged, Side::Operation, "").was("", "summary or description"));
    }
    out.extend(crate::diff::security::compare(old_doc, new_doc, o.op, n.op));
    out.extend(parameters(old_doc, new_doc, o, n));
    out.extend(request_body(old_doc, new_doc, o.op, n.op));
    out.extend(responses(old_doc, new_doc, o.op, n.op));
    out
}

/// The parameters of an operation, keyed by (`in`, name), the path item's included.
fn params_of<'a>(doc: &'a Value, op: &'a Op) -> BTreeMap<(String, String), &'a Value> {
    let mut out = BTreeMap::new();
    for list in [op.shared_params, op.op.get("parameters")]
        .into_iter()
        .flatten()
    {
        for p in list.as_array().into_iter().flatten() {
            let p = resolved(doc, p);
            let text = |k: &str| {
                p.get(k)
                    .and_then(Value::as_str)
                    .unwrap_or_default()
                    .to_owned()
            };
            out.insert((text("in"), text("name")), p);
        }
    }
    out
}

/// A parameter's schema without its docs: what a rename must keep.
fn shape(doc: &Value, p: &Value) -> Map<String, Value> {
    let mut m = flatten(doc, p.get("schema").unwrap_or(&Value::Null)).map;
    for k in DOC_KEYS {
        m.remove(k);
    }
    m
}

fn place((location, name): &(String, String)) -> String {
    format!("parameter {name} ({location})")
}

fn parameters(old_doc: &Value, new_doc: &Value, o: &Op, n: &Op) -> Vec<Found> {
    let (op, np) = (params_of(old_doc, o), params_of(new_doc, n));
    let mut compare = Compare::new(old_doc, new_doc, Side::Request);
    let mut out = Vec::new();
    let mut removed: Vec<_> = op.keys().filter(|k| !np.contains_key(*k)).collect();
    let mut added: Vec<_> = np.keys().filter(|k| !op.contains_key(*k)).collect();
    // Renamed: one removed and one added in the same place with the same schema and flag.
    removed.retain(|r| {
        let same = added.iter().position(|a| {
            a.0 == r.0
                && is_required(op[*r]) == is_required(np[*a])
                && shape(old_doc, op[*r]) == shape(new_doc, np[*a])
        });
        match same {
            Some(i) => {
                let a = added.remove(i);
                out.push(Found::new(K::ParameterRenamed, Side::Request, &place(a)).was(&r.1, &a.1));
                false
            }
            None => true,
        }
    });
    for r in removed {
        let facts = Facts {
            required: is_required(op[r]),
            ..Facts::default()
        };
        out.push(
            Found::new(K::ParameterRemoved, Side::Request, &place(r))
                .was(&r.1, "")
                .facts(facts),
        );
    }
    for a in added {
        let required = is_required(np[a]);
        let facts = Facts {
            required,
            ..Facts::default()
        };
        let words = if required { "required" } else { "optional" };
        out.push(
            Found::new(K::ParameterAdded, Side::Request, &place(a))
                .was("", words)
                .facts(facts),
        );
    }
    for (key, old) in &op {
        let Some(new) = np.get(key) else { continue };
        let (ro, rn) = (is_required(old), is_required(new));
        if ro != rn {
            let facts = Facts {
                required: rn,
                ..Facts::default()
            };
            let (kind, a, b) = if rn {
                (K::FieldRequired, "optional", "required")
            } else {
                (K::FieldOptional, "required", "optional")
            };
            out.push(
                Found::new(kind, Side::Request, &place(key))
                    .was(a, b)
                    .facts(facts),
            );
        }
        if old.get("description") != new.get("description") {
            out.push(Found::new(K::DocsChanged, Side::Request, &place(key)).was("", "description"));
        }
        let null = Value::Null;
        let (os, ns) = (
            old.get("schema").unwrap_or(&null),
            new.get("schema").unwrap_or(&null),
        );
        compare.schemas(os, ns, &place(key), WHOLE);
    }
    out.extend(compare.finish());
    out
}
