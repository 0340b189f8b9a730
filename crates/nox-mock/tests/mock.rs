//! The mock over real HTTP on 127.0.0.1: validation and error rules, session rules,
//! the UI, and concurrency.

use std::collections::HashSet;
use std::sync::Arc;
use std::time::Duration;

use nox_auth::callback;
use nox_mock::{CompleteError, ManualClock, MockConfig, MockServer};
use reqwest::StatusCode;
use reqwest::redirect::Policy;
use serde_json::{Value, json};

fn http() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(Policy::none())
        .build()
        .unwrap()
}

async fn post(mock: &MockServer, path: &str, body: Value) -> (StatusCode, Value) {
    let resp = http()
        .post(format!("{}{path}", mock.base_url()))
        .header("x-api-key", mock.api_key())
        .json(&body)
        .send()
        .await
        .unwrap();
    let status = resp.status();
    (status, resp.json().await.unwrap_or(Value::Null))
}

fn supplier_body() -> Value {
    json!({"user_id": "u1", "asset_type": "hp", "redirect_url": "https://example.com/cb"})
}

async fn create_session(mock: &MockServer, body: Value) -> Value {
    let (status, resp) = post(mock, "/v2/supplier/link-sessions", body).await;
    assert_eq!(status, StatusCode::CREATED, "{resp}");
    resp
}

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

#[tokio::test]
async fn expiry_uses_the_injected_clock_and_ttl() {
    let clock = ManualClock::at_unix(1_703_123_456);
    let mock = MockServer::start_with(
        MockConfig::default()
            .clock(Arc::new(clock.clone()))
            .session_ttl(Duration::from_secs(120)),
    )
    .await
    .unwrap();
    let s = create_session(&mock, supplier_body()).await;
    assert_eq!(s["created_at"], 1_703_123_456);
    assert_eq!(s["expires_at"], 1_703_123_576);
    let (status, v1) = post(
        &mock,
        "/users/u1/link",
        json!({"redirect_uri": "https://e.com/cb"}),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED);
    assert_eq!(
        v1["timestamp"], 1_703_123_456,
        "v1 envelopes use the injected clock too"
    );
    for (path, body) in [
        ("/users/u1/link", json!({})),
        ("/users/u1/nothing", json!({})),
    ] {
        let (status, err) = post(&mock, path, body).await;
        assert!(status.is_client_error(), "{path}");
        assert_eq!(
            err["timestamp"], 1_703_123_456,
            "{path}: v1 error envelopes use the injected clock: {err}"
        );
    }
    let token = s["link_token"].as_str().unwrap();
    clock.advance(Duration::from_secs(119));
    let s2 = create_session(&mock, supplier_body()).await;
    assert!(
        mock.complete(
            s2["link_token"].as_str().unwrap(),
            nox_auth::Brand::Daikin,
            vec!["d".into()]
        )
        .is_ok()
    );
    clock.advance(Duration::from_secs(1));
    assert!(matches!(
        mock.complete(token, nox_auth::Brand::Daikin, vec!["d".into()]),
        Err(nox_mock::Error::Complete(nox_mock::CompleteError::Expired))
    ));
    // The UI refuses it too, with an error page and no redirect.
    let resp = http()
        .get(format!("{}/ui?token={token}&language=en", mock.base_url()))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::GONE);
    assert!(resp.headers().get("location").is_none());
    assert!(resp.text().await.unwrap().contains("This link has expired"));
}

#[tokio::test]
async fn completion_rules_and_relinking() {
    let mock = MockServer::start().await.unwrap();
    let s = create_session(&mock, json!({"user_id": "u1", "asset_type": "hp", "redirect_url": "https://example.com/cb?state=abc", "brand": "vaillant"})).await;
    let token = s["link_token"].as_str().unwrap();
    assert!(
        matches!(
            mock.complete(token, nox_auth::Brand::Daikin, vec!["d".into()]),
            Err(nox_mock::Error::Complete(CompleteError::InvalidBrand(_)))
        ),
        "pre-selection honoured"
    );
    assert!(matches!(
        mock.complete(token, nox_auth::Brand::Vaillant, vec![]),
        Err(nox_mock::Error::Complete(
            nox_mock::CompleteError::NoDevices
        ))
    ));
    assert!(matches!(
        mock.complete("nope", nox_auth::Brand::Vaillant, vec!["d".into()]),
        Err(nox_mock::Error::Complete(
            nox_mock::CompleteError::UnknownToken
        ))
    ));
    let url = mock
        .complete(token, nox_auth::Brand::Vaillant, vec!["dev-A".into()])
        .unwrap();
    assert!(
        url.starts_with("https://example.com/cb?state=abc&data="),
        "{url}"
    );
    let first = callback::decode(&url).unwrap();
    assert_eq!(first.device_ids, vec!["dev-A"]);
    assert!(matches!(
        mock.complete(token, nox_auth::Brand::Vaillant, vec!["dev-A".into()]),
        Err(nox_mock::Error::Complete(
            nox_mock::CompleteError::AlreadyCompleted
        ))
    ));
    assert!(mock.session(token).unwrap().completed_at.is_some());

    // Re-link with the same user id: same NOX user, the new device replaces the old.
    let s2 = create_session(&mock, supplier_body()).await;
    let url = mock
        .complete(
            s2["link_token"].as_str().unwrap(),
            nox_auth::Brand::Daikin,
            vec!["dev-B".into()],
        )
        .unwrap();
    let second = callback::decode(&url).unwrap();
    assert_eq!(second.nox_user_id, first.nox_user_id);
    assert_eq!(mock.user("u1").unwrap().device_ids, vec!["dev-B"]);
    // Another user id is another NOX user.
    let s3 = create_session(
        &mock,
        json!({"user_id": "u2", "asset_type": "pv", "redirect_url": "https://example.com/cb"}),
    )
    .await;
    let pv_brand_on_hp = mock.complete(
        s3["link_token"].as_str().unwrap(),
        nox_auth::Brand::Daikin,
        vec!["x".into()],
    );
    assert!(
        matches!(
            pv_brand_on_hp,
            Err(nox_mock::Error::Complete(CompleteError::InvalidBrand(_)))
        ),
        "asset type checked on completion"
    );
    let url = mock
        .complete(
            s3["link_token"].as_str().unwrap(),
            nox_auth::Brand::Sma,
            vec!["x".into()],
        )
        .unwrap();
    assert_ne!(
        callback::decode(&url).unwrap().nox_user_id,
        first.nox_user_id
    );
}

#[tokio::test]
async fn v1_sessions_redirect_with_plain_parameters() {
    let mock = MockServer::start().await.unwrap();
    let (status, resp) = post(
        &mock,
        "/users/user_123/link",
        json!({"redirect_uri": "https://e.com/cb", "brand": "saunier-duval"}),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED);
    assert_eq!(resp["success"], true);
    assert_eq!(resp["data"]["brand"], "saunier-duval");
    assert_eq!(resp["data"]["supplier_user_id"], "user_123");
    let url = mock
        .complete(
            resp["data"]["link_token"].as_str().unwrap(),
            nox_auth::Brand::SaunierDuval,
            vec!["d1".into()],
        )
        .unwrap();
    let v1 = callback::decode_v1(&url).unwrap();
    assert_eq!(v1.supplier_user_id, "user_123");
    assert_eq!(v1.manufacturer, "saunier-duval");
    assert_eq!(v1.connection_status, "connected");
}

#[tokio::test]
async fn ui_shows_the_brands_of_the_asset_type_in_the_chosen_language() {
    let mock = MockServer::start().await.unwrap();
    let pv = create_session(
        &mock,
        json!({"user_id": "u", "asset_type": "pv", "redirect_url": "https://e.com/cb"}),
    )
    .await;
    let page = http()
        .get(pv["link_url"].as_str().unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), StatusCode::OK);
    let html = page.text().await.unwrap();
    assert!(
        html.contains("value=\"sma\"") && !html.contains("value=\"daikin\""),
        "pv brands only"
    );
    assert!(
        html.contains("Kies het merk van je omvormer"),
        "Dutch by default"
    );
    for (lang, text) in [
        ("en", "Choose the brand of your inverter"),
        ("fr", "Choisissez la marque de votre onduleur"),
        ("es", "Elige la marca de tu inversor"),
    ] {
        let url = format!(
            "{}/ui?token={}&language={lang}",
            mock.base_url(),
            pv["link_token"].as_str().unwrap()
        );
        assert!(
            http()
                .get(url)
                .send()
                .await
                .unwrap()
                .text()
                .await
                .unwrap()
                .contains(text),
            "{lang}"
        );
    }
    let pre = create_session(&mock, json!({"user_id": "u", "asset_type": "hp", "redirect_url": "https://e.com/cb", "brand": "nibe"})).await;
    let html = http()
        .get(pre["link_url"].as_str().unwrap())
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        html.contains("value=\"nibe\" id=\"brand-nibe\" required checked"),
        "{html}"
    );
    assert_eq!(
        html.matches("type=\"radio\"").count(),
        1,
        "pre-selected brand only"
    );
}

#[tokio::test]
async fn ui_form_redirects_with_data_and_refuses_reuse() {
    let mock = MockServer::start().await.unwrap();
    let s = create_session(
        &mock,
        json!({"user_id": "u9", "asset_type": "hp", "redirect_url": "myapp://nox/callback?keep=1"}),
    )
    .await;
    let token = s["link_token"].as_str().unwrap();
    let submit = || {
        http()
            .post(format!("{}/ui/connect", mock.base_url()))
            .form(&[
                ("token", token),
                ("brand", "daikin"),
                ("device_id", "dev-77"),
                ("language", "en"),
            ])
            .send()
    };
    let resp = submit().await.unwrap();
    assert_eq!(resp.status(), StatusCode::SEE_OTHER);
    let location = resp.headers()["location"].to_str().unwrap().to_owned();
    assert!(
        location.starts_with("myapp://nox/callback?keep=1&data="),
        "{location}"
    );
    let payload = callback::decode(&location).unwrap();
    assert_eq!(
        (payload.supplier_user_id.as_str(), payload.brand.as_str()),
        ("u9", "daikin")
    );
    assert_eq!(payload.device_ids, vec!["dev-77"]);

    let again = submit().await.unwrap();
    assert_eq!(again.status(), StatusCode::CONFLICT);
    assert!(again.headers().get("location").is_none());
    assert!(again.text().await.unwrap().contains("already been used"));
    let unknown = http()
        .get(format!("{}/ui?token=forged", mock.base_url()))
        .send()
        .await
        .unwrap();
    assert_eq!(unknown.status(), StatusCode::NOT_FOUND);
    assert!(
        unknown
            .text()
            .await
            .unwrap()
            .contains("Deze koppellink is onbekend")
    );
    let bad_brand = create_session(&mock, supplier_body()).await;
    let resp = http()
        .post(format!("{}/ui/connect", mock.base_url()))
        .form(&[
            ("token", bad_brand["link_token"].as_str().unwrap()),
            ("brand", "sma"),
            ("device_id", "d"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::BAD_REQUEST);
    assert!(resp.headers().get("location").is_none());
    let html = resp.text().await.unwrap();
    assert!(html.contains("not available for asset type"), "{html}");
}

#[tokio::test]
async fn html_is_escaped() {
    let mock = MockServer::start().await.unwrap();
    let resp = http()
        .post(format!("{}/ui/connect", mock.base_url()))
        .form(&[("token", "<script>"), ("brand", "x")])
        .send()
        .await
        .unwrap();
    assert!(!resp.text().await.unwrap().contains("<script>"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_creation_loses_nothing_and_each_session_completes_once() {
    let mock = Arc::new(MockServer::start().await.unwrap());
    let mut tasks = Vec::new();
    for t in 0..32 {
        let mock = mock.clone();
        tasks.push(tokio::spawn(async move {
            let client = nox_auth::Client::builder()
                .api_key(mock.api_key())
                .base_url(mock.base_url())
                .build()
                .unwrap();
            let mut tokens = Vec::new();
            for i in 0..8 {
                let req = nox_auth::SupplierLinkRequest::new(
                    format!("user-{t}-{i}"),
                    nox_auth::AssetType::Hp,
                    "https://e.com/cb",
                );
                tokens.push(
                    client
                        .create_supplier_link_session(req)
                        .await
                        .unwrap()
                        .link_token,
                );
            }
            tokens
        }));
    }
    let mut tokens = Vec::new();
    for t in tasks {
        tokens.extend(t.await.unwrap());
    }
    assert_eq!(tokens.len(), 256);
    assert_eq!(
        tokens.iter().collect::<HashSet<_>>().len(),
        256,
        "tokens are unique"
    );
    assert_eq!(mock.sessions().len(), 256, "nothing lost");

    // Two racing completions per token: exactly one wins.
    let mut racers = Vec::new();
    for token in &tokens {
        for _ in 0..2 {
            let mock = mock.clone();
            let token = token.clone();
            racers.push(tokio::spawn(async move {
                mock.complete(&token, nox_auth::Brand::Daikin, vec!["d".into()])
                    .is_ok()
            }));
        }
    }
    let mut wins = 0;
    for r in racers {
        wins += usize::from(r.await.unwrap());
    }
    assert_eq!(wins, 256);
    assert!(mock.sessions().iter().all(|s| s.completed_at.is_some()));
}
