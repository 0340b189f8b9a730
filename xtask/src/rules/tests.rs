//! Tests of the generator rules (`cargo test -p xtask --lib rules`).

use super::{client_view, effective};
use serde_json::{Value, json};

fn spec() -> Value {
    json!({
        "openapi": "3.0.3",
        "paths": {"/x": {"post": {
            "operationId": "x",
            "requestBody": {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/Req"}}}},
            "responses": {
                "201": {"description": "ok", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Resp"}}}},
                "400": {"description": "bad", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Err"}}}}
            }
        }}},
        "components": {"schemas": {
            "Color": {"type": "string", "enum": ["red", "green"], "description": "A color."},
            "Req": {"type": "object", "properties": {"color": {"$ref": "#/components/schemas/Color"}}},
            "Resp": {"type": "object", "properties": {
                "color": {"allOf": [{"$ref": "#/components/schemas/Color"}], "nullable": true, "description": "Its color."},
                "shape": {"type": "string", "enum": ["round", "square"]},
                "tags": {"type": "array", "items": {"type": "string", "enum": ["a"]}}
            }},
            "Err": {"type": "object", "properties": {"kind": {"type": "string", "enum": ["x", "y"]}}}
        }}
    })
}

#[test]
fn response_enums_are_opened_and_requests_stay_strict() {
    let out = client_view(&spec());
    let s = &out["components"]["schemas"];
    assert_eq!(
        s["Color"]["enum"],
        json!(["red", "green"]),
        "request enum kept"
    );
    let color = &s["Resp"]["properties"]["color"];
    assert!(color.get("allOf").is_none(), "{color}");
    assert_eq!(color["type"], "string");
    assert_eq!(color["nullable"], true);
    let d = color["description"].as_str().unwrap();
    assert!(
        d.starts_with("Its color.") && d.contains("`red`, `green`"),
        "{d}"
    );
    assert!(s["Resp"]["properties"]["shape"].get("enum").is_none());
    assert!(
        s["Resp"]["properties"]["tags"]["items"]
            .get("enum")
            .is_none()
    );
    assert!(
        s["Err"]["properties"]["kind"].get("enum").is_none(),
        "error bodies too"
    );
}

#[test]
fn a_shared_object_gets_an_open_copy() {
    let mut doc = spec();
    doc["paths"]["/x"]["post"]["responses"]["201"]["content"]["application/json"]["schema"] =
        json!({"$ref": "#/components/schemas/Req"});
    let out = client_view(&doc);
    let s = &out["components"]["schemas"];
    assert_eq!(
        out["paths"]["/x"]["post"]["responses"]["2XX"]["content"]["application/json"]["schema"]["$ref"],
        "#/components/schemas/ReqInResponse"
    );
    assert_eq!(
        s["Req"]["properties"]["color"]["$ref"],
        "#/components/schemas/Color"
    );
    assert_eq!(s["ReqInResponse"]["properties"]["color"]["type"], "string");
    assert!(
        s["ReqInResponse"]["properties"]["color"]
            .get("enum")
            .is_none()
    );
}

#[test]
fn success_codes_widen_to_2xx() {
    let out = client_view(&spec());
    let r = &out["paths"]["/x"]["post"]["responses"];
    assert!(r.get("201").is_none() && r.get("2XX").is_some() && r.get("400").is_some());
    // A 204 beside a typed 200 keeps both as they are.
    let mut doc = spec();
    doc["paths"]["/x"]["post"]["responses"]["204"] = json!({"description": "none"});
    let out = client_view(&doc);
    let r = &out["paths"]["/x"]["post"]["responses"];
    assert!(r.get("201").is_some() && r.get("204").is_some() && r.get("2XX").is_none());
}

/// `spec()` after the spelling rule, as `spec::load` hands it to `client_view`.
fn effective_of(mut doc: Value) -> Value {
    effective(&mut doc);
    doc
}

#[test]
fn every_spelling_of_a_nullable_enum_becomes_one() {
    let one = json!({"enum": ["red", "green", null], "description": "A color."});
    // The OpenAPI 3.0.3 spelling (what the supplier patch writes for `Brand`), `nullable`
    // without `null` listed, and `null` listed without `nullable`.
    for spelling in [
        json!({"type": "string", "nullable": true, "enum": ["red", "green", null], "description": "A color."}),
        json!({"type": "string", "nullable": true, "enum": ["red", "green"], "description": "A color."}),
        json!({"type": "string", "enum": ["red", "green", null], "description": "A color."}),
        one.clone(),
    ] {
        let mut doc = spec();
        let s = &mut doc["components"]["schemas"];
        s["Color"] = spelling.clone();
        s["Resp"]["properties"]["tags"]["items"] = spelling.clone();
        // A property named like a keyword is still a schema.
        s["Resp"]["properties"]["default"] = spelling;
        let out = effective_of(doc);
        let o = &out["components"]["schemas"];
        assert_eq!(o["Color"], one);
        assert_eq!(o["Resp"]["properties"]["tags"]["items"], one);
        assert_eq!(o["Resp"]["properties"]["default"], one);
        assert_eq!(effective_of(out.clone()), out, "the rule is idempotent");
    }
}

#[test]
fn the_spelling_rule_leaves_everything_else_alone() {
    let mut doc = spec();
    let s = &mut doc["components"]["schemas"];
    s["Req"]["properties"]["at"] = json!({"type": "integer", "nullable": true});
    // Data that looks like a nullable enum is data.
    s["Req"]["example"] = json!({"x": {"type": "string", "nullable": true, "enum": ["a"]}});
    s["Req"]["properties"]["mode"] =
        json!({"type": "string", "nullable": false, "enum": ["a"], "default": "a"});
    let before = doc.clone();
    assert_eq!(effective_of(doc), before);
}

#[test]
fn nullable_enums_become_optional_references() {
    for color in [
        json!({"enum": ["red", "green", null]}),
        json!({"type": "string", "nullable": true, "enum": ["red", "green", null]}),
    ] {
        let mut doc = spec();
        doc["components"]["schemas"]["Color"] = color;
        doc["components"]["schemas"]["Req"]["properties"]["other"] =
            json!({"allOf": [{"$ref": "#/components/schemas/Color"}], "description": "d"});
        let out = client_view(&effective_of(doc));
        let s = &out["components"]["schemas"];
        assert_eq!(
            s["Color"],
            json!({"type": "string", "enum": ["red", "green"]}),
            "the type comes back from the values"
        );
        assert_eq!(
            s["Req"]["properties"]["color"],
            json!({"allOf": [{"$ref": "#/components/schemas/Color"}], "nullable": true})
        );
        assert_eq!(s["Req"]["properties"]["other"]["nullable"], true);
        assert_eq!(s["Req"]["properties"]["other"]["description"], "d");
        // The response side: an open, optional string.
        let color = &s["Resp"]["properties"]["color"];
        assert_eq!(color["type"], "string");
        assert_eq!(color["nullable"], true);
        assert!(color.get("enum").is_none() && color.get("allOf").is_none());
    }
}

#[test]
fn inline_nullable_enums_become_optional_values() {
    let mut doc = spec();
    let s = &mut doc["components"]["schemas"];
    s["Req"]["properties"]["size"] = json!({"enum": [1, 2, null]});
    s["Resp"]["properties"]["shape"] = json!({"enum": ["round", "square", null]});
    let out = client_view(&effective_of(doc));
    let s = &out["components"]["schemas"];
    assert_eq!(
        s["Req"]["properties"]["size"],
        json!({"enum": [1, 2], "type": "integer", "nullable": true})
    );
    let shape = &s["Resp"]["properties"]["shape"];
    assert_eq!(
        (&shape["type"], &shape["nullable"]),
        (&json!("string"), &json!(true))
    );
    assert!(shape.get("enum").is_none());
}

#[test]
fn the_effective_spec_is_not_changed() {
    let doc = spec();
    let before = doc.clone();
    let _ = client_view(&doc);
    assert_eq!(doc, before);
}

#[test]
fn error_codes_without_a_body_leave_the_client_view() {
    let mut doc = spec();
    let r = &mut doc["paths"]["/x"]["post"]["responses"];
    r["401"] = json!({"description": "shape unknown"});
    r["403"] = json!({"$ref": "#/components/responses/Forbidden"});
    r["500"] = json!({"description": "text", "content": {"text/plain": {}}});
    r["422"] = json!({"$ref": "#/components/responses/Invalid"});
    doc["components"]["responses"] = json!({
        "Forbidden": {"description": "shape unknown"},
        "Invalid": {"description": "typed", "content": {"application/json; charset=utf-8": {"schema": {"$ref": "#/components/schemas/Err"}}}}
    });
    let out = client_view(&doc);
    let r = out["paths"]["/x"]["post"]["responses"].as_object().unwrap();
    let mut codes: Vec<&str> = r.keys().map(String::as_str).collect();
    codes.sort_unstable();
    assert_eq!(codes, ["2XX", "400", "422"], "{r:?}");
    // The effective spec keeps them for the other tools.
    assert!(doc["paths"]["/x"]["post"]["responses"].get("401").is_some());

    // Without a typed error body too: progenitor would answer them with an empty
    // `ErrorResponse`, the body (NOX's message) dropped. `default` stays (both sides).
    let mut doc = spec();
    let r = doc["paths"]["/x"]["post"]["responses"]
        .as_object_mut()
        .unwrap();
    r.remove("400");
    r.insert("401".into(), json!({"description": "shape unknown"}));
    r.insert("default".into(), json!({"description": "anything"}));
    let out = client_view(&doc);
    let r = &out["paths"]["/x"]["post"]["responses"];
    assert!(r.get("401").is_none() && r.get("default").is_some(), "{r}");
}
