//! `spec diff` on the changes a hostile review found it missed: a success status replaced
//! with another body, a shared schema whose wrapper changed, compositions, `not`,
//! `additionalProperties` schemas, defaults, and documents that would take for ever.

use serde_json::{Value, json};
use xtask::diff::{Change, Verdict, diff};
use xtask::kind::FindingKind as K;

use Verdict::{BreakingForCallers as Callers, BreakingForClient as Client, Safe};

/// A one-operation document: `POST /x` sends `request` and answers `responses`, with the
/// component schemas `schemas`.
fn doc(request: Value, responses: Value, schemas: Value) -> Value {
    json!({
        "openapi": "3.0.3",
        "info": {"title": "t", "version": "1"},
        "paths": {"/x": {"post": {
            "operationId": "postX",
            "requestBody": {"required": true, "content": {"application/json": {"schema": request}}},
            "responses": responses
        }}},
        "components": {"schemas": schemas}
    })
}

fn body(schema: Value) -> Value {
    json!({"description": "ok", "content": {"application/json": {"schema": schema}}})
}

fn obj(props: Value, required: &[&str]) -> Value {
    json!({"type": "object", "properties": props, "required": required})
}

/// The (kind, verdict, location) of each change.
fn summary(changes: &[Change]) -> Vec<(K, Verdict, String)> {
    changes
        .iter()
        .map(|c| (c.kind, c.verdict, c.location.clone()))
        .collect()
}

#[test]
fn a_success_status_replaced_or_joined_by_another_compares_their_bodies() {
    let old_body = obj(
        json!({"id": {"type": "string"}, "n": {"type": "integer"}}),
        &["id"],
    );
    let new_body = obj(json!({"n": {"type": "integer"}}), &[]);
    let req = json!({"type": "string"});
    let old = doc(
        req.clone(),
        json!({"201": body(old_body.clone())}),
        json!({}),
    );
    // 201 becomes 200 and loses a required field.
    let moved = doc(
        req.clone(),
        json!({"200": body(new_body.clone())}),
        json!({}),
    );
    let got = summary(&diff(&old, &moved));
    assert!(
        got.contains(&(K::FieldRemoved, Client, "response 201 now 200 $.id".into())),
        "{got:#?}"
    );
    // Same body: the status change alone, safe.
    let same = doc(
        req.clone(),
        json!({"200": body(old_body.clone())}),
        json!({}),
    );
    assert!(diff(&old, &same).iter().all(|c| c.verdict == Safe));
    // 200 added next to 201, with another body: the client reads both with one type.
    let two = doc(
        req.clone(),
        json!({"201": body(old_body.clone()), "200": body(new_body.clone())}),
        json!({}),
    );
    let got = summary(&diff(&old, &two));
    assert!(
        got.contains(&(
            K::FieldRemoved,
            Client,
            "response 201 now also 200 $.id".into()
        )),
        "{got:#?}"
    );
    // An error status replaced by another: its body compared too.
    let e = |code: &str, b: Value| {
        doc(
            req.clone(),
            json!({"201": body(old_body.clone()), code: body(b)}),
            json!({}),
        )
    };
    let errs = diff(
        &e("400", old_body.clone()),
        &e("422", json!({"type": "string"})),
    );
    assert!(
        errs.iter()
            .any(|c| c.kind == K::TypeDiffers && c.location == "response 400 now 422 $"),
        "{errs:#?}"
    );
    let _ = Callers;
}

fn r(name: &str) -> Value {
    json!({"$ref": format!("#/components/schemas/{name}")})
}

#[test]
fn a_shared_schema_met_again_under_another_wrapper_is_compared_again() {
    let lang = json!({"type": "string", "enum": ["en", "nl"]});
    let wrap = |extra: Value| {
        let mut m = json!({"allOf": [r("Lang")], "description": "fallback"});
        m.as_object_mut()
            .unwrap()
            .extend(extra.as_object().unwrap().clone());
        m
    };
    let req = |second: Value| obj(json!({"a": r("Lang"), "b": second}), &[]);
    let schemas = json!({"Lang": lang});
    let ok = json!({"200": body(json!({"type": "string"}))});
    let old = doc(req(wrap(json!({}))), ok.clone(), schemas.clone());
    for (extra, kind) in [
        (json!({"enum": ["nl"]}), K::EnumValueRemoved),
        (json!({"maxLength": 1}), K::ConstraintTightened),
        (json!({"nullable": true}), K::FieldNullable),
    ] {
        let new = doc(req(wrap(extra.clone())), ok.clone(), schemas.clone());
        let got = summary(&diff(&old, &new));
        assert!(
            got.iter()
                .any(|(k, _, at)| *k == kind && at == "request body $.b"),
            "{extra}: {got:#?}"
        );
    }
}

/// `L0` … `LN`, each with two fields `a` and `b` of the next; the last has a string `x`,
/// `leaf` its bounds: 2^N places reach `x`.
fn tree(n: usize, leaf: Value) -> Value {
    let mut schemas = serde_json::Map::new();
    for i in 0..n {
        let next = r(&format!("L{}", i + 1));
        schemas.insert(
            format!("L{i}"),
            obj(json!({"a": next.clone(), "b": next}), &[]),
        );
    }
    let mut x = json!({"type": "string"});
    x.as_object_mut()
        .unwrap()
        .extend(leaf.as_object().unwrap().clone());
    schemas.insert(format!("L{n}"), obj(json!({"x": x}), &[]));
    let ok = json!({"200": body(json!({"type": "string"}))});
    doc(
        obj(json!({"tree": r("L0")}), &[]),
        ok,
        Value::Object(schemas),
    )
}

#[test]
fn a_change_under_a_schema_shared_many_times_over_is_reported_once_and_fast() {
    let started = std::time::Instant::now();
    let (old, new) = (tree(30, json!({})), tree(30, json!({"maxLength": 3})));
    let changes = diff(&old, &new);
    assert!(started.elapsed().as_secs() < 10, "{:?}", started.elapsed());
    assert_eq!(changes.len(), 1, "{changes:#?}");
    let at = &changes[0].location;
    assert!(at.starts_with("request body $.tree.a.a.a"), "{at}");
    assert!(
        at.ends_with("(and 30 other places with the same schemas)"),
        "{at}"
    );
}

#[test]
fn a_comparison_cut_at_a_depth_limit_is_reported_and_not_remembered() {
    // 70 levels of `a`: deeper than the comparison goes; a change there is not "no change".
    let deep = |n: usize, leaf: Value| {
        let mut s = json!({"type": "string"});
        s.as_object_mut()
            .unwrap()
            .extend(leaf.as_object().unwrap().clone());
        for _ in 0..n {
            s = obj(json!({"a": s}), &[]);
        }
        s
    };
    let ok = json!({"200": body(json!({"type": "string"}))});
    let make = |leaf: Value| doc(deep(70, leaf), ok.clone(), json!({}));
    let changes = diff(&make(json!({})), &make(json!({"maxLength": 3})));
    assert_eq!(changes.len(), 1, "{changes:#?}");
    assert!(
        changes[0].new.contains("nested more than 64 deep"),
        "{changes:#?}"
    );
    assert!(changes[0].verdict.breaks());
    // A chain of 20 references: reported, not read as an empty schema.
    let mut schemas = serde_json::Map::new();
    for i in 0..20 {
        schemas.insert(format!("R{i}"), r(&format!("R{}", i + 1)));
    }
    schemas.insert("R20".into(), json!({"type": "string"}));
    let chained = doc(r("R0"), ok.clone(), Value::Object(schemas));
    let changes = diff(&chained, &chained);
    assert!(
        changes
            .iter()
            .any(|c| c.new.contains("chain more than 16 deep")),
        "{changes:#?}"
    );
    // A shared schema first met near the limit (cut short) and then near the top: the
    // second place is compared in full.
    let shared = |leaf: Value| {
        let mut s = json!({"type": "string"});
        s.as_object_mut()
            .unwrap()
            .extend(leaf.as_object().unwrap().clone());
        obj(
            json!({"a": obj(json!({"a": obj(json!({"x": s}), &[])}), &[])}),
            &[],
        )
    };
    let make = |leaf: Value| {
        let mut deep_side = r("S");
        for _ in 0..62 {
            deep_side = obj(json!({"a": deep_side}), &[]);
        }
        let req = obj(json!({"deep": deep_side, "shallow": r("S")}), &[]);
        doc(req, ok.clone(), json!({"S": shared(leaf)}))
    };
    let got = summary(&diff(&make(json!({})), &make(json!({"maxLength": 3}))));
    assert!(
        got.iter().any(|(k, _, at)| *k == K::ConstraintTightened
            && at.starts_with("request body $.shallow.a.a.x")),
        "{got:#?}"
    );
}

#[test]
fn members_of_compositions_map_values_and_not_are_compared() {
    let ok = json!({"200": body(json!({"type": "string"}))});
    let case = |req: Value, old: Value, new: Value| {
        let a = doc(
            req.clone(),
            ok.clone(),
            json!({"A": old, "B": {"type": "object"}}),
        );
        let b = doc(req, ok.clone(), json!({"A": new, "B": {"type": "object"}}));
        summary(&diff(&a, &b))
    };
    let x = |t: &str| obj(json!({"x": {"type": t}}), &["x"]);
    // A member of a oneOf that is a $ref, its component changed.
    let got = case(
        json!({"oneOf": [r("A"), r("B")]}),
        x("string"),
        x("integer"),
    );
    assert_eq!(
        got,
        [(
            K::TypeDiffers,
            Callers,
            "request body $<oneOf 0>.x".to_owned()
        )]
    );
    // A longer allOf of $refs, merged: a field of a member made required and bounded.
    let note = |extra: Value, req: &[&str]| {
        let mut s = json!({"type": "string"});
        s.as_object_mut()
            .unwrap()
            .extend(extra.as_object().unwrap().clone());
        obj(json!({"note": s}), req)
    };
    let got = case(
        json!({"allOf": [r("A"), r("B")]}),
        note(json!({}), &[]),
        note(json!({"maxLength": 5}), &["note"]),
    );
    let kinds: Vec<K> = got.iter().map(|g| g.0).collect();
    assert_eq!(
        kinds,
        [K::FieldRequired, K::ConstraintTightened],
        "{got:#?}"
    );
    // The schema of additionalProperties.
    let map = |t: &str| json!({"type": "object", "additionalProperties": {"type": t}});
    let got = case(r("A"), map("string"), map("integer"));
    assert_eq!(
        got,
        [(K::TypeDiffers, Callers, "request body ${*}".to_owned())]
    );
    // `not` added.
    let s = json!({"type": "string"});
    let mut not = s.clone();
    not["not"] = json!({"enum": ["admin"]});
    let got = case(r("A"), s.clone(), not.clone());
    assert_eq!(
        got,
        [(K::ConstraintTightened, Callers, "request body $".to_owned())]
    );
    let _ = Client;
}

#[test]
fn defaults_and_a_required_request_field_made_nullable_are_classified() {
    let ok = |schema: Value| json!({"200": body(schema)});
    let field = |extra: Value| {
        let mut s = json!({"type": "string"});
        s.as_object_mut()
            .unwrap()
            .extend(extra.as_object().unwrap().clone());
        obj(json!({"f": s}), &["f"])
    };
    let plain = json!({"type": "string"});
    let cases = [
        (json!({"default": "nl"}), json!({}), K::DefaultChanged),
        (
            json!({"default": "nl"}),
            json!({"default": "en"}),
            K::DefaultChanged,
        ),
        (json!({}), json!({"default": "en"}), K::DefaultChanged),
    ];
    for (old, new, kind) in cases {
        let req = diff(
            &doc(field(old.clone()), ok(plain.clone()), json!({})),
            &doc(field(new.clone()), ok(plain.clone()), json!({})),
        );
        let got = summary(&req);
        assert_eq!(
            got,
            [(kind, Callers, "request body $.f".to_owned())],
            "{old} -> {new}"
        );
        let resp = diff(
            &doc(plain.clone(), ok(field(old.clone())), json!({})),
            &doc(plain.clone(), ok(field(new.clone())), json!({})),
        );
        let got = summary(&resp);
        assert_eq!(
            got,
            [(kind, Safe, "response 200 $.f".to_owned())],
            "{old} -> {new}"
        );
    }
    // A required request field made nullable: T becomes Option<T>.
    let made = diff(
        &doc(field(json!({})), ok(plain.clone()), json!({})),
        &doc(
            field(json!({"nullable": true})),
            ok(plain.clone()),
            json!({}),
        ),
    );
    assert_eq!(
        summary(&made),
        [(K::FieldNullable, Callers, "request body $.f".to_owned())]
    );
    // An optional one: it was an Option already.
    let optional = |extra: Value| {
        let mut s = field(extra);
        s["required"] = json!([]);
        s
    };
    let made = diff(
        &doc(optional(json!({})), ok(plain.clone()), json!({})),
        &doc(
            optional(json!({"nullable": true})),
            ok(plain.clone()),
            json!({}),
        ),
    );
    assert_eq!(
        summary(&made),
        [(K::FieldNullable, Safe, "request body $.f".to_owned())]
    );
}
