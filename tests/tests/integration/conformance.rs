//! The mock conforms to our own specs: every JSON body it answers during a run of
//! success and error scenarios is judged by the one validator (`nox_contract::Validator`,
//! the same the contract check and the proxy use) against the effective spec of its
//! operation and status, objects closed: the mock cannot drift from the specs the clients
//! are generated from. Undocumented statuses (404, 405, 413 outside the operations'
//! limits) must still carry their version's error body.

use nox_contract::{Finding, FindingKind, Validator};
use serde_json::{Value, json};

/// The findings for one answer the mock logged. An answer outside the operations (an
/// unknown path or method) is judged as an undocumented status of its version's first
/// operation: its body must be that version's error body.
fn judge(v: &Validator, method: &str, path: &str, status: u16, body: &Value) -> Vec<Finding> {
    let bytes = body.to_string();
    let (method, path) = if v.operation(method, path).is_some() {
        (method, path)
    } else if path.starts_with("/v2/") {
        ("POST", "/v2/supplier/link-sessions")
    } else {
        ("POST", "/users/anyone/link")
    };
    v.check_response(
        method,
        path,
        status,
        Some("application/json"),
        bytes.as_bytes(),
    )
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
    let validator = Validator::embedded();
    let mock = nox_mock::MockServer::start().await.unwrap();
    exercise(&mock).await;

    let mut checked = 0;
    let mut failures = Vec::new();
    let requests = mock.requests();
    for r in &requests {
        let Some(body) = &r.response else { continue };
        for f in judge(&validator, &r.method, &r.path, r.status, body) {
            let allowed =
                f.kind == FindingKind::UndocumentedStatus && matches!(r.status, 404 | 405 | 413);
            if !allowed {
                failures.push(format!(
                    "{} {} {}: {f}\n  body: {body}",
                    r.method, r.path, r.status
                ));
            }
        }
        checked += 1;
    }
    assert!(
        failures.is_empty(),
        "{} findings in the mock's answers:\n{}",
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
fn the_validator_catches_drift() {
    // The check is only worth something if it fails on a drifted body.
    let v = Validator::embedded();
    let device = |body: Value| {
        v.check_response(
            "POST",
            "/v2/manufacturer/device-connections",
            201,
            Some("application/json"),
            body.to_string().as_bytes(),
        )
    };
    assert!(device(json!({"manufacturer_user_id": "m", "nox_user_id": "n"})).is_empty());
    assert_eq!(
        device(json!({"manufacturer_user_id": "m"}))[0].kind,
        FindingKind::MissingRequiredField
    );
    assert_eq!(
        device(json!({"manufacturer_user_id": "m", "nox_user_id": "n", "extra": 1}))[0].kind,
        FindingKind::NewField
    );
    let session = |body: &Value| {
        v.check_response(
            "POST",
            "/v2/supplier/link-sessions",
            201,
            Some("application/json"),
            body.to_string().as_bytes(),
        )
    };
    let mut body = json!({
        "link_url": "u", "link_token": "t", "language": "nl", "asset_type": "hp", "redirect_url": "https://e.com",
        "supplier": "s", "supplier_user_id": "u", "created_at": 1, "expires_at": 2, "brand": null, "completed_at": null
    });
    assert!(session(&body).is_empty());
    body["brand"] = json!("acme");
    assert_eq!(
        session(&body)[0].kind,
        FindingKind::NewEnumValue,
        "unknown brand"
    );
    body["brand"] = json!("daikin");
    body["language"] = json!("de");
    assert_eq!(
        session(&body)[0].kind,
        FindingKind::NewEnumValue,
        "unknown language"
    );
    let v1 = json!({"success": true, "timestamp": 1, "data": {"link_token": "t"}});
    assert!(
        v.check_response(
            "POST",
            "/users/abc/link",
            201,
            Some("application/json"),
            v1.to_string().as_bytes()
        )
        .is_empty()
    );
}
