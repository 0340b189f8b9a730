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
