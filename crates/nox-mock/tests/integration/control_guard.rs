//! The control API is its owner's (issue 20), over real sockets on 127.0.0.1: what a page
//! on another site can make a browser send (a `text/plain` or form POST, a request with
//! its `Origin`, a rebound `Host`) is refused before it is read; an optional control
//! token; faults used up only by requests whose key is accepted.

use nox_mock::{CONTROL_TOKEN_HEADER, Fault, MockConfig, MockServer, Operation};
use reqwest::StatusCode;
use reqwest::header::{CONTENT_TYPE, HOST, ORIGIN};
use serde_json::{Value, json};

fn http() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

async fn create(mock: &MockServer, key: Option<&str>) -> StatusCode {
    let mut req = http()
        .post(format!("{}/v2/supplier/link-sessions", mock.base_url()))
        .json(
            &json!({"user_id": "u1", "asset_type": "hp", "redirect_url": "https://example.com/cb"}),
        );
    if let Some(key) = key {
        req = req.header("x-api-key", key);
    }
    req.send().await.unwrap().status()
}

#[tokio::test]
async fn a_cross_site_text_plain_or_form_post_is_refused() {
    let mock = MockServer::start().await.unwrap();
    let url = |path: &str| format!("{}{path}", mock.base_url());
    let fault = r#"{"operation": "create_supplier_link_session", "kind": "status", "status": 503}"#;
    // What a page on another site can send without asking: text/plain, a form, multipart.
    for content_type in [
        "text/plain",
        "application/x-www-form-urlencoded",
        "multipart/form-data; boundary=x",
    ] {
        let resp = http()
            .post(url("/_mock/faults"))
            .header(CONTENT_TYPE, content_type)
            .body(fault)
            .send()
            .await
            .unwrap();
        assert_eq!(
            resp.status(),
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "{content_type}"
        );
        let body: Value = resp.json().await.unwrap();
        assert!(
            body["error"].as_str().unwrap().contains("application/json"),
            "{body}"
        );
    }
    assert!(mock.faults().is_empty(), "nothing armed");
    assert_eq!(
        create(&mock, Some(mock.api_key())).await,
        StatusCode::CREATED
    );
    let reset = http()
        .post(url("/_mock/reset"))
        .form(&[("x", "y")])
        .send()
        .await
        .unwrap();
    assert_eq!(reset.status(), StatusCode::UNSUPPORTED_MEDIA_TYPE);
    assert_eq!(mock.sessions().len(), 1, "not reset");

    // A browser's request from another site carries its Origin (or Sec-Fetch-Site): 403,
    // even as JSON or without a body.
    // A page on another port of this machine (a dev server, a notebook) is another origin:
    // a bodiless POST is a "simple" request a browser sends it without asking.
    let port = url::Url::parse(mock.base_url()).unwrap().port().unwrap();
    let other_port = format!("http://127.0.0.1:{}", port.wrapping_add(1).max(1));
    for (name, value) in [
        (ORIGIN.as_str(), "http://evil.example"),
        (ORIGIN.as_str(), "null"),
        (ORIGIN.as_str(), "http://localhost:1"),
        (ORIGIN.as_str(), other_port.as_str()),
        (ORIGIN.as_str(), "https://127.0.0.1"),
        ("sec-fetch-site", "cross-site"),
        ("sec-fetch-site", "same-site"),
    ] {
        let resp = http()
            .post(url("/_mock/reset"))
            .header(name, value)
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), StatusCode::FORBIDDEN, "{name}: {value}");
    }
    // Every Origin sent counts, not the first one.
    let resp = http()
        .post(url("/_mock/reset"))
        .header(ORIGIN, mock.base_url())
        .header(ORIGIN, "http://evil.example")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::FORBIDDEN, "a second Origin");
    assert_eq!(mock.sessions().len(), 1, "not reset");

    // The owner's own calls pass: JSON, a bodiless POST (curl -X POST), the mock's own page.
    let resp = http()
        .post(url("/_mock/faults"))
        .header(CONTENT_TYPE, "application/json; charset=utf-8")
        .body(fault)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::CREATED);
    let resp = http()
        .post(url("/_mock/reset"))
        .header(ORIGIN, mock.base_url())
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::NO_CONTENT);
    assert!(mock.sessions().is_empty() && mock.faults().is_empty());
}

#[tokio::test]
async fn a_rebound_host_reads_nothing() {
    let mock = MockServer::start().await.unwrap();
    assert_eq!(
        create(&mock, Some(mock.api_key())).await,
        StatusCode::CREATED
    );
    let port = mock.addr().port();
    for path in [
        "/_mock",
        "/_mock/sessions",
        "/_mock/requests",
        "/_mock/devices",
        "/_mock/faults",
    ] {
        for host in [
            "evil.example",
            "evil.example:80",
            "127.0.0.1.evil.example",
            "localhost.evil.example",
        ] {
            let resp = http()
                .get(format!("{}{path}", mock.base_url()))
                .header(HOST, host)
                .send()
                .await
                .unwrap();
            assert_eq!(
                resp.status(),
                StatusCode::MISDIRECTED_REQUEST,
                "{host}{path}"
            );
            let text = resp.text().await.unwrap();
            assert!(
                !text.contains("link_token") && !text.contains("token\""),
                "{text}"
            );
        }
        for host in [
            format!("localhost:{port}"),
            format!("127.0.0.1:{port}"),
            "LOCALHOST".into(),
        ] {
            let resp = http()
                .get(format!("{}{path}", mock.base_url()))
                .header(HOST, &host)
                .send()
                .await
                .unwrap();
            assert_eq!(resp.status(), StatusCode::OK, "{host}{path}");
        }
    }
    // The API itself needs its key, not a Host: a client behind a proxy keeps working.
    let resp = http()
        .get(format!("{}/v1/devices", mock.base_url()))
        .header(HOST, "nox.internal")
        .header("x-api-key", mock.api_key())
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::OK);

    // A mock with a public URL answers the control API under that host too.
    let public =
        MockServer::start_with(MockConfig::default().public_url("https://mock.example:8443"))
            .await
            .unwrap();
    for (host, want) in [
        ("mock.example", StatusCode::OK),
        ("other.example", StatusCode::MISDIRECTED_REQUEST),
    ] {
        let resp = http()
            .get(format!("{}/_mock/sessions", mock_url(&public)))
            .header(HOST, host)
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), want, "{host}");
    }
}

fn mock_url(mock: &MockServer) -> String {
    format!("http://{}", mock.addr())
}

#[tokio::test]
async fn a_control_token_guards_every_control_request() {
    let token = "team-token-0123456789";
    let mock = MockServer::start_with(MockConfig::default().control_token(token))
        .await
        .unwrap();
    assert_eq!(mock.control_token(), Some(token));
    let url = |path: &str| format!("{}{path}", mock.base_url());
    for (given, want) in [
        (None, StatusCode::FORBIDDEN),
        (Some("team-token-012345678"), StatusCode::FORBIDDEN),
        (Some(token), StatusCode::OK),
    ] {
        let mut req = http().get(url("/_mock/sessions"));
        if let Some(given) = given {
            req = req.header(CONTROL_TOKEN_HEADER, given);
        }
        assert_eq!(req.send().await.unwrap().status(), want, "{given:?}");
    }
    // A browser opens the inspector with the token in its URL; a POST must send the header.
    let page = http()
        .get(url(&format!("/_mock?control_token={token}")))
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), StatusCode::OK);
    let post = http()
        .post(url(&format!("/_mock/reset?control_token={token}")))
        .send()
        .await
        .unwrap();
    assert_eq!(post.status(), StatusCode::FORBIDDEN);
    let post = http()
        .post(url("/_mock/faults"))
        .header(CONTROL_TOKEN_HEADER, token)
        .json(&json!({"kind": "malformed"}))
        .send()
        .await
        .unwrap();
    assert_eq!(post.status(), StatusCode::CREATED);
    // The API is untouched: it has its key.
    assert_eq!(
        create(&mock, Some(mock.api_key())).await,
        StatusCode::CREATED
    );
}

#[tokio::test]
async fn faults_fire_only_for_requests_whose_key_is_accepted() {
    let mock = MockServer::start().await.unwrap();
    mock.inject(Fault::status(503).on(Operation::CreateSupplierLinkSession))
        .unwrap();
    mock.inject(Fault::malformed().on(Operation::GetDevices))
        .unwrap();
    for _ in 0..3 {
        assert_eq!(create(&mock, None).await, StatusCode::UNAUTHORIZED);
        assert_eq!(create(&mock, Some("wrong")).await, StatusCode::UNAUTHORIZED);
        let read = http()
            .get(format!("{}/v1/devices", mock.base_url()))
            .send()
            .await
            .unwrap();
        assert_eq!(read.status(), StatusCode::UNAUTHORIZED);
    }
    assert_eq!(mock.faults().len(), 2, "still armed");
    assert_eq!(
        create(&mock, Some(mock.api_key())).await,
        StatusCode::SERVICE_UNAVAILABLE
    );
    let read = http()
        .get(format!("{}/v1/devices", mock.base_url()))
        .header("x-api-key", mock.api_key())
        .send()
        .await
        .unwrap();
    assert_eq!(read.status(), StatusCode::OK);
    assert!(read.json::<Value>().await.is_err(), "malformed");
    assert!(mock.faults().is_empty());
}

/// What callers sent comes back in control answers (a user id in `/_mock/sessions`):
/// DEL, C1 and bidirectional controls are written as `\uXXXX`, never raw, and the JSON
/// still reads back the same.
#[tokio::test]
async fn control_answers_carry_no_raw_control_characters() {
    let mock = MockServer::start().await.unwrap();
    let user = "u\u{9b}2J\u{202e}\u{7f}x";
    let created = http()
        .post(format!("{}/v2/supplier/link-sessions", mock.base_url()))
        .header("x-api-key", mock.api_key())
        .json(
            &json!({"user_id": user, "asset_type": "hp", "redirect_url": "https://example.com/cb"}),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(created.status(), StatusCode::CREATED);
    for path in ["/_mock/sessions", "/_mock/requests"] {
        let text = http()
            .get(format!("{}{path}", mock.base_url()))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        for raw in ['\u{9b}', '\u{202e}', '\u{7f}'] {
            assert!(!text.contains(raw), "{path}: {raw:?} raw");
        }
        if path == "/_mock/sessions" {
            let sessions: Value = serde_json::from_str(&text).unwrap();
            assert_eq!(sessions[0]["user_id"], user, "the same JSON");
        }
    }
}
