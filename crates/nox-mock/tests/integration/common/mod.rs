//! Helpers shared by the tests of the mock over real HTTP (requests.rs, sessions.rs, ui.rs).

use nox_mock::MockServer;
use reqwest::StatusCode;
use reqwest::redirect::Policy;
use serde_json::{Value, json};

pub fn http() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(Policy::none())
        .build()
        .unwrap()
}

pub async fn post(mock: &MockServer, path: &str, body: Value) -> (StatusCode, Value) {
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

pub fn supplier_body() -> Value {
    json!({"user_id": "u1", "asset_type": "hp", "redirect_url": "https://example.com/cb"})
}

pub async fn create_session(mock: &MockServer, body: Value) -> Value {
    let (status, resp) = post(mock, "/v2/supplier/link-sessions", body).await;
    assert_eq!(status, StatusCode::CREATED, "{resp}");
    resp
}
