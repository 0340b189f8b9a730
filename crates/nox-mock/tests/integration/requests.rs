//! The mock over real HTTP on 127.0.0.1, the rules of a request: the documented session
//! shape, validation (400 with an error body), the API key, and malformed requests (4xx,
//! never a 500).

use crate::common;

use common::{create_session, http, post, supplier_body};
use nox_mock::{MockConfig, MockServer};
use reqwest::StatusCode;
use serde_json::{Value, json};

#[tokio::test]
async fn v2_supplier_session_has_the_documented_shape() {
    let mock = MockServer::start().await.unwrap();
    let s = create_session(&mock, json!({"user_id": "u1", "asset_type": "pv", "redirect_url": "https://example.com/cb", "brand": "sma", "language": "fr"})).await;
    assert_eq!(s["asset_type"], "pv");
    assert_eq!(s["brand"], "sma");
    assert_eq!(s["language"], "fr");
    assert_eq!(s["supplier_user_id"], "u1");
    assert!(s["completed_at"].is_null());
    assert_eq!(
        s["expires_at"].as_u64().unwrap() - s["created_at"].as_u64().unwrap(),
        600
    );
    let token = s["link_token"].as_str().unwrap();
    assert!(token.len() >= 32, "unguessable token: {token}");
    assert_eq!(
        s["link_url"].as_str().unwrap(),
        format!("{}/ui?token={token}&language=fr", mock.base_url())
    );
    let s2 = create_session(&mock, supplier_body()).await;
    assert_ne!(s2["link_token"], s["link_token"]);
    assert_eq!(s2["language"], "nl", "default language");
}

#[tokio::test]
async fn validation_rules_answer_400_with_an_error_body() {
    let mock = MockServer::start().await.unwrap();
    let cases: Vec<(Value, &str)> = vec![
        (
            json!({"asset_type": "hp", "redirect_url": "https://e.com/cb"}),
            "user_id is required and must be a string",
        ),
        (
            json!({"user_id": 5, "asset_type": "hp", "redirect_url": "https://e.com/cb"}),
            "user_id is required and must be a string",
        ),
        (
            json!({"user_id": "u", "redirect_url": "https://e.com/cb"}),
            "asset_type is required and must be one of hp, pv",
        ),
        (
            json!({"user_id": "u", "asset_type": "wind", "redirect_url": "https://e.com/cb"}),
            "asset_type is required and must be one of hp, pv",
        ),
        (
            json!({"user_id": "u", "asset_type": "hp"}),
            "redirect_url is required and must be a string",
        ),
        (
            json!({"user_id": "u", "asset_type": "hp", "redirect_url": "not a url"}),
            "redirect_url must be a valid URL",
        ),
        (
            json!({"user_id": "u", "asset_type": "hp", "redirect_url": "https://e.com/cb", "brand": "acme"}),
            "brand `acme` is not a supported brand",
        ),
        (
            json!({"user_id": "u", "asset_type": "hp", "redirect_url": "https://e.com/cb", "brand": "saunier duval"}),
            "brand `saunier duval` is not a supported brand",
        ),
        (
            json!({"user_id": "u", "asset_type": "pv", "redirect_url": "https://e.com/cb", "brand": "daikin"}),
            "brand `daikin` is not valid for asset_type `pv`",
        ),
        (
            json!({"user_id": "u", "asset_type": "hp", "redirect_url": "https://e.com/cb", "language": "de"}),
            "language must be one of nl, en, fr, es",
        ),
        (json!([1, 2]), "request body must be a JSON object"),
    ];
    for (body, message) in cases {
        let (status, resp) = post(&mock, "/v2/supplier/link-sessions", body.clone()).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
        assert_eq!(resp, json!({"error": message}), "{body}");
    }
    // Schemes a browser would run or read locally are no place to send a user back to:
    // refused before a session exists, so the UI can never answer `303 Location: javascript:…`.
    for bad in [
        "javascript://%0aalert(1)",
        "data://text/html,<script>alert(1)</script>",
        "file:///etc/passwd",
        "vbscript://x",
        "blob:https://e.com/1",
        "https:///cb",
    ] {
        for (route, field, body) in [
            (
                "/v2/supplier/link-sessions",
                "redirect_url",
                json!({"user_id": "u", "asset_type": "hp", "redirect_url": bad}),
            ),
            (
                "/v2/manufacturer/link-sessions",
                "redirect_url",
                json!({"user_id": "u", "redirect_url": bad}),
            ),
            (
                "/users/u1/link",
                "redirect_uri",
                json!({"redirect_uri": bad}),
            ),
        ] {
            let (status, resp) = post(&mock, route, body).await;
            assert_eq!(status, StatusCode::BAD_REQUEST, "{route} {bad}");
            let message = resp
                .get("error")
                .or_else(|| resp.get("message"))
                .unwrap()
                .as_str()
                .unwrap()
                .to_owned();
            assert!(
                message.contains(&format!("{field} must be a valid URL")),
                "{route} {bad}: {resp}"
            );
        }
    }
    assert!(
        mock.sessions().is_empty(),
        "no session was created for a refused URL"
    );
    // App schemes keep working.
    create_session(
        &mock,
        json!({"user_id": "u", "asset_type": "hp", "redirect_url": "myapp://nox/callback"}),
    )
    .await;
    // The spec and the mock agree on empty strings (decision 19): allowed.
    let s = create_session(
        &mock,
        json!({"user_id": "", "asset_type": "hp", "redirect_url": "https://e.com/cb"}),
    )
    .await;
    assert_eq!(s["supplier_user_id"], "");
    // `null` only where the spec says nullable (v2 brand); elsewhere it is a wrong type.
    for (route, body, message) in [
        (
            "/v2/supplier/link-sessions",
            json!({"user_id": "u", "asset_type": "hp", "redirect_url": "https://e.com/cb", "language": null}),
            "language must be a string",
        ),
        (
            "/users/u1/link",
            json!({"redirect_uri": "https://e.com/cb", "brand": null}),
            "brand must be a string",
        ),
        (
            "/manufacturers/nox",
            json!({"manufacturer_user_id": "m", "device_ids": null}),
            "device_ids must be an array of strings",
        ),
    ] {
        let (status, resp) = post(&mock, route, body).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{route}");
        assert_eq!(resp["error"], message, "{route}: {resp}");
    }
    // null brand is "no brand".
    create_session(&mock, json!({"user_id": "u", "asset_type": "hp", "redirect_url": "https://e.com/cb", "brand": null})).await;
    // Manufacturer endpoints validate too.
    let (status, resp) = post(&mock, "/v2/manufacturer/device-connections", json!({})).await;
    assert_eq!(
        (status, resp),
        (
            StatusCode::BAD_REQUEST,
            json!({"error": "user_id is required and must be a string"})
        )
    );
    let (status, _) = post(
        &mock,
        "/v2/manufacturer/link-sessions",
        json!({"user_id": "m"}),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let (status, resp) = post(
        &mock,
        "/users/u1/link",
        json!({"redirect_uri": "https://e.com/cb", "brand": "sma"}),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(resp["error_code"], "validation_error");
    assert_eq!(resp["success"], false);
    assert!(
        mock.sessions().len() == 3,
        "only the three valid requests (app scheme, empty user id, null brand) created a session"
    );
}

#[tokio::test]
async fn api_key_rules() {
    let mock = MockServer::start_with(MockConfig::default().api_key("right-key"))
        .await
        .unwrap();
    let url = format!("{}/v2/supplier/link-sessions", mock.base_url());
    let no_key = http()
        .post(&url)
        .json(&supplier_body())
        .send()
        .await
        .unwrap();
    assert_eq!(no_key.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(
        no_key.json::<Value>().await.unwrap(),
        json!({"error": "Missing API key"})
    );
    let wrong = http()
        .post(&url)
        .header("x-api-key", "wrong")
        .json(&supplier_body())
        .send()
        .await
        .unwrap();
    assert_eq!(wrong.status(), StatusCode::UNAUTHORIZED);
    // v2 does not document `Authorization: ApiKey`; v1 does.
    let v2_auth = http()
        .post(&url)
        .header("authorization", "ApiKey right-key")
        .json(&supplier_body())
        .send()
        .await
        .unwrap();
    assert_eq!(v2_auth.status(), StatusCode::UNAUTHORIZED);
    let v1 = http()
        .post(format!("{}/users/u1/link", mock.base_url()))
        .header("authorization", "ApiKey right-key")
        .json(&json!({"redirect_uri": "https://e.com/cb"}))
        .send()
        .await
        .unwrap();
    assert_eq!(v1.status(), StatusCode::CREATED);
    let v1_wrong = http()
        .post(format!("{}/manufacturers/nox", mock.base_url()))
        .json(&json!({"manufacturer_user_id": "m"}))
        .send()
        .await
        .unwrap();
    assert_eq!(v1_wrong.status(), StatusCode::UNAUTHORIZED);
    let body: Value = v1_wrong.json().await.unwrap();
    assert_eq!(body["error_code"], "missing_api_key");
    for r in mock.requests() {
        let text = serde_json::to_string(&r).unwrap();
        assert!(
            !text.contains("right-key"),
            "the request log never holds the key"
        );
    }
}

#[tokio::test]
async fn malformed_requests_get_4xx_with_an_error_body_never_500() {
    let mock = MockServer::start().await.unwrap();
    let url = format!("{}/v2/supplier/link-sessions", mock.base_url());
    let send = |body: Vec<u8>, content_type: &'static str| {
        let url = url.clone();
        let key = mock.api_key().to_owned();
        async move {
            let resp = http()
                .post(url)
                .header("x-api-key", key)
                .header("content-type", content_type)
                .body(body)
                .send()
                .await
                .unwrap();
            (resp.status(), resp.json::<Value>().await.unwrap())
        }
    };
    let (s, b) = send(b"{\"user_id\": ".to_vec(), "application/json").await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    assert!(
        b["error"]
            .as_str()
            .unwrap()
            .starts_with("request body is not valid JSON"),
        "{b}"
    );
    let (s, b) = send(b"user_id=u1".to_vec(), "application/x-www-form-urlencoded").await;
    assert_eq!(s, StatusCode::BAD_REQUEST, "a status the spec documents");
    assert_eq!(b["error"], "Content-Type must be application/json");
    let (s, b) = send(vec![b' '; nox_mock::MAX_BODY_BYTES + 1], "application/json").await;
    assert_eq!(s, StatusCode::PAYLOAD_TOO_LARGE);
    assert!(b["error"].as_str().unwrap().contains("larger than"), "{b}");
    let (s, b) = send(vec![0xff, 0xfe, 0x00], "application/json").await;
    assert_eq!(s, StatusCode::BAD_REQUEST, "{b}");
    let resp = http().get(&url).send().await.unwrap();
    assert_eq!(resp.status(), StatusCode::METHOD_NOT_ALLOWED);
    assert!(
        resp.json::<Value>().await.unwrap()["error"]
            .as_str()
            .unwrap()
            .contains("GET is not allowed")
    );
    let resp = http()
        .post(format!("{}/v2/nope", mock.base_url()))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::NOT_FOUND);
    assert_eq!(
        resp.json::<Value>().await.unwrap(),
        json!({"error": "no such endpoint: POST /v2/nope"})
    );
    assert!(mock.requests().iter().all(|r| r.status < 500));
    // Still alive.
    create_session(&mock, supplier_body()).await;
}
