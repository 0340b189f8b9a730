//! Comparing the bodies of two revisions of an operation: its request body, and its
//! responses status by status (a status replaced by another compared with it).

use serde_json::{Map, Value};

use crate::diff::model::{Facts, Found, Side};
use crate::diff::read::flatten;
use crate::diff::schema::{Compare, WHOLE};
use crate::kind::FindingKind as K;

/// Follows a `$ref` to `#/components/...`.
pub(crate) fn resolved<'a>(doc: &'a Value, v: &'a Value) -> &'a Value {
    crate::openapi::resolve_ref(doc, v)
}

pub(crate) fn is_required(p: &Value) -> bool {
    p.get("required") == Some(&Value::Bool(true))
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

pub(crate) fn request_body(old_doc: &Value, new_doc: &Value, o: &Value, n: &Value) -> Vec<Found> {
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

pub(crate) fn responses(old_doc: &Value, new_doc: &Value, o: &Value, n: &Value) -> Vec<Found> {
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
