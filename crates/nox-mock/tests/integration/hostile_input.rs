//! What a hostile caller sends the mock comes back bounded and escaped, and a misspelled
//! fault field is refused rather than arming a fault on every operation.

use nox_mock::MockServer;
use reqwest::StatusCode;
use serde_json::{Value, json};

/// Characters that must never come back raw: C1 CSI, a bidi override, ESC, a line separator.
const HOSTILE: &str = "\u{9b}31m\u{202e}evil\u{1b}[2J\u{2028}";

async fn post(mock: &MockServer, path: &str, body: &Value) -> (StatusCode, String) {
    let resp = reqwest::Client::new()
        .post(format!("{}{path}", mock.base_url()))
        .header("x-api-key", mock.api_key())
        .json(body)
        .send()
        .await
        .unwrap();
    (resp.status(), resp.text().await.unwrap())
}

fn assert_safe(body: &str, limit: usize) {
    assert!(body.len() <= limit, "{} bytes: {body:.200}", body.len());
    for c in ['\u{9b}', '\u{202e}', '\u{1b}', '\u{2028}'] {
        assert!(!body.contains(c), "raw {c:?} in {body:.200}");
    }
    // JSON's own escape of ESC (\u001b) is not raw, but the text module escapes first.
    assert!(!body.contains("\\u001b"), "{body:.200}");
}

#[tokio::test]
async fn a_misspelled_fault_field_is_refused_not_armed_everywhere() {
    let mock = MockServer::start().await.unwrap();
    let (status, body) = post(
        &mock,
        "/_mock/faults",
        &json!({"opertion": "create_manufacturer_link_session", "kind": "status", "status": 503}),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert!(body.contains("unknown field `opertion`"), "{body}");
    assert!(body.contains("operation, times, delay_ms"), "{body}");
    let (status, body) = post(
        &mock,
        "/_mock/faults",
        &json!({"kind": "status", "status": 503, "retry_afer": 5}),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert!(body.contains("`retry_afer`"), "{body}");
    assert!(mock.faults().is_empty(), "nothing armed");
    // The real creation is not answered with an injected fault.
    let (status, body) = post(
        &mock,
        "/v2/supplier/link-sessions",
        &json!({"user_id": "u1", "asset_type": "hp", "redirect_url": "https://example.com/cb"}),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
}

#[tokio::test]
async fn control_api_errors_are_bounded_and_escaped() {
    let mock = MockServer::start().await.unwrap();
    let long = format!("{HOSTILE}{}", "x".repeat(60_000));
    for fault in [
        json!({"kind": long}),
        json!({"kind": "status", "status": long}),
        json!({"operation": long, "kind": "malformed"}),
        json!({"operation": HOSTILE, "kind": "malformed"}),
    ] {
        let (status, body) = post(&mock, "/_mock/faults", &fault).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{body:.200}");
        assert_safe(&body, 4096);
    }
    let (status, body) = post(
        &mock,
        "/_mock/sessions/nope/complete",
        &json!({"brand": long}),
    )
    .await;
    assert!(status.is_client_error(), "{status}");
    assert_safe(&body, 4096);
}

#[tokio::test]
async fn api_errors_quote_the_caller_bounded_and_escaped() {
    let mock = MockServer::start().await.unwrap();
    let long = format!("{HOSTILE}{}", "a".repeat(50_000));
    // v2 and v1 both quote an unknown brand.
    let (status, body) = post(
        &mock,
        "/v2/supplier/link-sessions",
        &json!({"user_id": "u1", "asset_type": "hp", "redirect_url": "https://example.com/cb", "brand": long}),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_safe(&body, 4096);
    assert!(
        body.contains("is not a supported brand") || body.contains('…'),
        "{body:.300}"
    );
    let (status, body) = post(
        &mock,
        "/users/u1/link",
        &json!({"redirect_uri": "https://example.com/cb", "brand": HOSTILE}),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_safe(&body, 4096);
    assert!(body.contains("\\\\u{202e}"), "escaped, readable: {body}");
}

#[tokio::test]
async fn a_plain_http_callback_to_a_public_host_is_refused() {
    let mock = MockServer::start().await.unwrap();
    for (url, want) in [
        ("http://shop.example/nox/callback", StatusCode::BAD_REQUEST),
        ("http://127.0.0.1:8080/nox/callback", StatusCode::CREATED),
        ("https://shop.example/nox/callback", StatusCode::CREATED),
    ] {
        let (status, body) = post(
            &mock,
            "/v2/supplier/link-sessions",
            &json!({"user_id": "u1", "asset_type": "hp", "redirect_url": url}),
        )
        .await;
        assert_eq!(status, want, "{url}: {body}");
    }
}
