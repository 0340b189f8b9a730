//! The mock conforms to our own specs: every JSON body it answers during a run of
//! success and error scenarios validates against the response schema the spec gives
//! for that operation and status (the error schema for statuses the spec does not
//! list). The check is stricter than the spec: objects may not carry fields the spec
//! does not name, so the mock cannot drift from the specs the clients are generated from.

use std::path::Path;

use serde_json::{Map, Value, json};

struct Spec {
    prefix: &'static str,
    doc: Value,
}

fn load_specs() -> Vec<Spec> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap();
    [
        ("", "specs/v1/openapi-supplier-auth.json"),
        ("", "specs/v1/openapi-manufacturer-auth.json"),
        ("/v2", "specs/v2/openapi-supplier-auth-v2.json"),
        ("/v2", "specs/v2/openapi-manufacturer-auth-v2.json"),
    ]
    .into_iter()
    .map(|(prefix, file)| Spec {
        prefix,
        doc: xtask::spec::load(&root.join(file))
            .expect("spec loads")
            .json,
    })
    .collect()
}

/// OpenAPI 3.0 schema → JSON Schema: `nullable` becomes a `null` alternative, and every
/// object is closed (`additionalProperties: false`) to catch undocumented fields.
fn to_json_schema(v: &Value) -> Value {
    match v {
        Value::Object(map) => {
            let mut out: Map<String, Value> = map
                .iter()
                .filter(|(k, _)| !matches!(k.as_str(), "nullable" | "example" | "deprecated"))
                .map(|(k, v)| (k.clone(), to_json_schema(v)))
                .collect();
            if out.get("type") == Some(&json!("object")) && out.contains_key("properties") {
                out.entry("additionalProperties").or_insert(json!(false));
            }
            if map.get("nullable") == Some(&json!(true)) {
                return json!({"anyOf": [Value::Object(out), {"type": "null"}]});
            }
            Value::Object(out)
        }
        Value::Array(items) => Value::Array(items.iter().map(to_json_schema).collect()),
        other => other.clone(),
    }
}

/// Does `path` (a concrete path) match the OpenAPI template (`/users/{userId}/link`)?
fn matches_template(template: &str, path: &str) -> bool {
    let (t, p): (Vec<_>, Vec<_>) = (template.split('/').collect(), path.split('/').collect());
    t.len() == p.len()
        && t.iter()
            .zip(&p)
            .all(|(a, b)| (a.starts_with('{') && a.ends_with('}') && !b.is_empty()) || a == b)
}

/// The schema for `method path` answering `status`, with the spec's components, or None
/// if the path is not an API path of any spec.
fn schema_for(specs: &[Spec], method: &str, path: &str, status: u16) -> Option<(Value, String)> {
    for spec in specs {
        let Some(rest) = path.strip_prefix(spec.prefix) else {
            continue;
        };
        if spec.prefix.is_empty() && path.starts_with("/v2/") {
            continue;
        }
        let paths = spec.doc["paths"].as_object().unwrap();
        let Some((template, item)) = paths.iter().find(|(t, _)| matches_template(t, rest)) else {
            continue;
        };
        let responses = &item[method.to_lowercase()]["responses"];
        let documented = responses.get(status.to_string());
        let (response, label) = match documented {
            Some(r) => (r.clone(), format!("{method} {template} {status}")),
            // Undocumented status (404, 413, 415…): the body must still be the error body.
            None => (
                json!({"content": {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorResponse"}}}}),
                format!("{method} {template} {status} (undocumented; ErrorResponse)"),
            ),
        };
        let schema = response["content"]["application/json"]["schema"].clone();
        let mut root = to_json_schema(&schema);
        root.as_object_mut()
            .unwrap()
            .insert("components".into(), to_json_schema(&spec.doc["components"]));
        return Some((root, label));
    }
    None
}

/// Runs success and error scenarios for every operation against the mock.
async fn exercise(mock: &nox_mock::MockServer) {
    let http = reqwest::Client::new();
    let key = mock.api_key().to_owned();
    let base = mock.base_url().to_owned();
    let send = |path: &str, body: Value, with_key: bool| {
        let mut req = http.post(format!("{base}{path}")).json(&body);
        if with_key {
            req = req.header("x-api-key", &key);
        }
        req.send()
    };
    let ok_bodies: Vec<(&str, Value)> = vec![
        (
            "/v2/supplier/link-sessions",
            json!({"user_id": "u1", "asset_type": "hp", "redirect_url": "https://e.com/cb"}),
        ),
        (
            "/v2/supplier/link-sessions",
            json!({"user_id": "u1", "asset_type": "pv", "redirect_url": "https://e.com/cb", "brand": "sma", "language": "es"}),
        ),
        (
            "/v2/manufacturer/link-sessions",
            json!({"user_id": "m1", "redirect_url": "https://e.com/cb", "language": "en"}),
        ),
        (
            "/v2/manufacturer/device-connections",
            json!({"user_id": "m1"}),
        ),
        (
            "/users/user_123/link",
            json!({"redirect_uri": "https://e.com/cb", "language": "en", "brand": "daikin"}),
        ),
        (
            "/users/user_123/link",
            json!({"redirect_uri": "https://e.com/cb"}),
        ),
        (
            "/manufacturers/nox",
            json!({"manufacturer_user_id": "m2", "device_ids": ["d1", "d2"]}),
        ),
        (
            "/manufacturers/suppliers",
            json!({"manufacturer_user_id": "m3", "redirect_url": "https://e.com/cb"}),
        ),
    ];
    for (path, body) in &ok_bodies {
        let resp = send(path, body.clone(), true).await.unwrap();
        assert_eq!(resp.status(), 201, "{path}");
        // And the error answers of the same operation.
        assert_eq!(send(path, body.clone(), false).await.unwrap().status(), 401);
        assert_eq!(
            send(path, json!({"redirect_url": 5}), true)
                .await
                .unwrap()
                .status(),
            400
        );
        let raw = http
            .post(format!("{base}{path}"))
            .header("x-api-key", &key)
            .header("content-type", "text/plain")
            .body("x")
            .send()
            .await
            .unwrap();
        assert_eq!(raw.status(), 400, "documented, unlike 415");
    }
    assert_eq!(
        http.get(format!("{base}/v2/supplier/link-sessions"))
            .send()
            .await
            .unwrap()
            .status(),
        405
    );
    assert_eq!(
        http.post(format!("{base}/v2/unknown"))
            .send()
            .await
            .unwrap()
            .status(),
        404
    );
}

#[tokio::test]
async fn every_mock_response_matches_the_spec() {
    let specs = load_specs();
    let mock = nox_mock::MockServer::start().await.unwrap();
    exercise(&mock).await;

    let mut checked = 0;
    let mut failures = Vec::new();
    let requests = mock.requests();
    for r in &requests {
        let Some(body) = &r.response else { continue };
        let Some((schema, label)) = schema_for(&specs, &r.method, &r.path, r.status) else {
            // /v2/unknown and similar: no spec names the path; the body is still checked
            // against the error body of its version.
            let v2 = r.path.starts_with("/v2/");
            let spec = &specs[if v2 { 2 } else { 0 }];
            let mut root = to_json_schema(&spec.doc["components"]["schemas"]["ErrorResponse"]);
            root.as_object_mut()
                .unwrap()
                .insert("components".into(), to_json_schema(&spec.doc["components"]));
            let validator = jsonschema::validator_for(&root).unwrap();
            if let Err(e) = validator.validate(body) {
                failures.push(format!(
                    "{} {} {}: {e}\n  body: {body}",
                    r.method, r.path, r.status
                ));
            }
            checked += 1;
            continue;
        };
        let validator =
            jsonschema::validator_for(&schema).unwrap_or_else(|e| panic!("{label}: {e}"));
        for e in validator.iter_errors(body) {
            failures.push(format!(
                "{label}: {e} at {}\n  body: {body}",
                e.instance_path()
            ));
        }
        checked += 1;
    }
    assert!(
        failures.is_empty(),
        "{} responses do not match the spec:\n{}",
        failures.len(),
        failures.join("\n")
    );
    assert_eq!(
        checked,
        requests.len(),
        "every answer had a JSON body and was checked"
    );
    assert_eq!(checked, 8 * 4 + 2, "the scenarios ran");
}

#[test]
fn the_strict_schema_catches_drift() {
    // The check is only worth something if it fails on a drifted body.
    let specs = load_specs();
    let (schema, _) =
        schema_for(&specs, "POST", "/v2/manufacturer/device-connections", 201).unwrap();
    let validator = jsonschema::validator_for(&schema).unwrap();
    assert!(validator.is_valid(&json!({"manufacturer_user_id": "m", "nox_user_id": "n"})));
    assert!(
        !validator.is_valid(&json!({"manufacturer_user_id": "m"})),
        "missing field"
    );
    assert!(
        !validator.is_valid(&json!({"manufacturer_user_id": "m", "nox_user_id": "n", "extra": 1})),
        "undocumented field"
    );
    let (schema, _) = schema_for(&specs, "POST", "/v2/supplier/link-sessions", 201).unwrap();
    let validator = jsonschema::validator_for(&schema).unwrap();
    let mut body = json!({
        "link_url": "u", "link_token": "t", "language": "nl", "asset_type": "hp", "redirect_url": "https://e.com",
        "supplier": "s", "supplier_user_id": "u", "created_at": 1, "expires_at": 2, "brand": null, "completed_at": null
    });
    assert!(validator.is_valid(&body));
    body["brand"] = json!("acme");
    assert!(!validator.is_valid(&body), "unknown brand");
    body["brand"] = json!("daikin");
    body["language"] = json!("de");
    assert!(!validator.is_valid(&body), "unknown language");
    let (schema, _) = schema_for(&specs, "POST", "/users/abc/link", 201).unwrap();
    assert!(
        jsonschema::validator_for(&schema)
            .unwrap()
            .is_valid(&json!({"success": true, "timestamp": 1, "data": {"link_token": "t"}}))
    );
}
