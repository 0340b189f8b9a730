//! Comparing the operations of two effective specs: matched by method and path (path
//! parameter names aside), then by operationId for one that moved; then their parameters,
//! request bodies and responses.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::{Map, Value};

use crate::diff::model::{Facts, Found, Side};
use crate::diff::schema::{Compare, DOC_KEYS, WHOLE, flatten};
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

/// Follows a `$ref` to `#/components/...`.
fn resolved<'a>(doc: &'a Value, v: &'a Value) -> &'a Value {
    crate::openapi::resolve_ref(doc, v)
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

fn is_required(p: &Value) -> bool {
    p.get("required") == Some(&Value::Bool(true))
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

/// The JSON media type and its schema of a body (request body or response).
fn json_body(body: &Value) -> Option<(&str, &Value)> {
    let content = body.get("content")?.as_object()?;
    content
        .iter()
        .find(|(media, _)| media.starts_with("application/json") || media.ends_with("+json"))
        .map(|(media, m)| (media.as_str(), m.get("schema").unwrap_or(&Value::Null)))
}

fn media_words(body: &Value) -> String {
    match body.get("content").and_then(Value::as_object) {
        Some(c) if !c.is_empty() => c.keys().cloned().collect::<Vec<_>>().join(", "),
        _ => "no body".to_owned(),
    }
}

fn request_body(old_doc: &Value, new_doc: &Value, o: &Value, n: &Value) -> Vec<Found> {
    let at = "request body";
    let (ob, nb) = (o.get("requestBody"), n.get("requestBody"));
    let mut out = Vec::new();
    match (
        ob.map(|b| resolved(old_doc, b)),
        nb.map(|b| resolved(new_doc, b)),
    ) {
        (None, None) => {}
        (Some(ob), None) => {
            let facts = Facts {
                required: is_required(ob),
                ..Facts::default()
            };
            out.push(
                Found::new(K::FieldRemoved, Side::Request, at)
                    .was(media_words(ob), "")
                    .facts(facts),
            );
        }
        (None, Some(nb)) => {
            let facts = Facts {
                required: is_required(nb),
                ..Facts::default()
            };
            out.push(
                Found::new(K::NewField, Side::Request, at)
                    .was("", media_words(nb))
                    .facts(facts),
            );
        }
        (Some(ob), Some(nb)) => {
            let (ro, rn) = (is_required(ob), is_required(nb));
            if ro != rn {
                let facts = Facts {
                    required: rn,
                    ..Facts::default()
                };
                let kind = if rn {
                    K::FieldRequired
                } else {
                    K::FieldOptional
                };
                let words = |r: bool| if r { "required" } else { "optional" };
                out.push(
                    Found::new(kind, Side::Request, at)
                        .was(words(ro), words(rn))
                        .facts(facts),
                );
            }
            out.extend(bodies(old_doc, new_doc, ob, nb, Side::Request, at));
        }
    }
    out
}

/// Compares two bodies of one place: their media types, then their JSON schemas.
fn bodies(
    old_doc: &Value,
    new_doc: &Value,
    ob: &Value,
    nb: &Value,
    side: Side,
    at: &str,
) -> Vec<Found> {
    match (json_body(ob), json_body(nb)) {
        (Some((om, os)), Some((nm, ns))) => {
            let mut out = Vec::new();
            if om != nm {
                out.push(Found::new(K::ContentType, side, at).was(om, nm));
            }
            let mut compare = Compare::new(old_doc, new_doc, side);
            compare.schemas(os, ns, &format!("{at} $"), WHOLE);
            out.extend(compare.finish());
            out
        }
        (None, None) if media_words(ob) == media_words(nb) => Vec::new(),
        _ => vec![Found::new(K::ContentType, side, at).was(media_words(ob), media_words(nb))],
    }
}

fn responses(old_doc: &Value, new_doc: &Value, o: &Value, n: &Value) -> Vec<Found> {
    let empty = Map::new();
    let codes = |op: &'_ Value| -> Map<String, Value> {
        op.get("responses")
            .and_then(Value::as_object)
            .unwrap_or(&empty)
            .clone()
    };
    let (oc, nc) = (codes(o), codes(n));
    let is_success = |c: &str| c.starts_with('2');
    let mut out = Vec::new();
    for (code, old) in &oc {
        let old = resolved(old_doc, old);
        let Some(new) = nc.get(code) else {
            let facts = Facts {
                success: is_success(code),
                other_success: nc.keys().any(|c| is_success(c)),
                ..Facts::default()
            };
            let was = match json_body(old) {
                Some((_, s)) => format!("{code} with {}", flatten(old_doc, s).words()),
                None => code.clone(),
            };
            out.push(
                Found::new(K::StatusRemoved, Side::Response, &format!("status {code}"))
                    .was(was, "")
                    .facts(facts),
            );
            continue;
        };
        let new = resolved(new_doc, new);
        if old.get("description") != new.get("description") {
            let at = format!("response {code}");
            out.push(Found::new(K::DocsChanged, Side::Response, &at).was("", "description"));
        }
        out.extend(bodies(
            old_doc,
            new_doc,
            old,
            new,
            Side::Response,
            &format!("response {code}"),
        ));
    }
    let added: Vec<&String> = nc.keys().filter(|c| !oc.contains_key(*c)).collect();
    out.extend(moved_bodies(old_doc, new_doc, &oc, &nc, &added));
    for code in added {
        let facts = Facts {
            success: is_success(code),
            ..Facts::default()
        };
        out.push(
            Found::new(
                K::UndocumentedStatus,
                Side::Response,
                &format!("status {code}"),
            )
            .was("", code.clone())
            .facts(facts),
        );
    }
    out
}

/// The bodies a changed status carries, compared as any body: a removed status with the one
/// that takes its place (an added status of its class, 2xx or error, else a remaining 2xx for
/// a success), and an added 2xx with the old success body (the client reads every 2xx with
/// one type). The location names both statuses: `response 201 now 200 $.id`.
fn moved_bodies(
    old_doc: &Value,
    new_doc: &Value,
    oc: &Map<String, Value>,
    nc: &Map<String, Value>,
    added: &[&String],
) -> Vec<Found> {
    let is_success = |c: &str| c.starts_with('2');
    let mut out = Vec::new();
    let mut paired: Vec<&str> = Vec::new();
    for code in oc.keys().filter(|c| !nc.contains_key(*c)) {
        let success = is_success(code);
        let instead = added
            .iter()
            .map(|c| c.as_str())
            .find(|c| is_success(c) == success)
            .or_else(|| {
                let kept = nc.keys().find(|c| oc.contains_key(*c) && is_success(c));
                kept.map(String::as_str).filter(|_| success)
            });
        let Some(instead) = instead else { continue };
        paired.push(instead);
        let (ob, nb) = (
            resolved(old_doc, &oc[code]),
            resolved(new_doc, &nc[instead]),
        );
        let at = format!("response {code} now {instead}");
        out.extend(bodies(old_doc, new_doc, ob, nb, Side::Response, &at));
    }
    let kept = oc.keys().find(|c| nc.contains_key(*c) && is_success(c));
    for code in added
        .iter()
        .filter(|c| is_success(c) && !paired.contains(&c.as_str()))
    {
        let Some(kept) = kept else { continue };
        let (ob, nb) = (resolved(old_doc, &oc[kept]), resolved(new_doc, &nc[*code]));
        let at = format!("response {kept} now also {code}");
        out.extend(bodies(old_doc, new_doc, ob, nb, Side::Response, &at));
    }
    out
}
