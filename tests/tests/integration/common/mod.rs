//! Helpers shared by the tests of the generated clients on the wire (generated_v2.rs,
//! generated_v1.rs).

use nox_auth_runtime::Runtime;
use serde_json::Value;
use wiremock::matchers::{body_json, header, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

pub const KEY: &str = "test-key-123";

pub fn runtime() -> Runtime {
    Runtime::new().with_api_key(KEY).unwrap()
}

/// A mock answering `POST route` (with the key, JSON content type and `body`) with `status` + `reply`.
pub async fn expect(server: &MockServer, route: &str, body: Value, status: u16, reply: Value) {
    Mock::given(method("POST"))
        .and(path(route))
        .and(header("x-api-key", KEY))
        .and(header("content-type", "application/json"))
        .and(header("accept", "application/json"))
        .and(body_json(body))
        .respond_with(ResponseTemplate::new(status).set_body_json(reply))
        .expect(1)
        .mount(server)
        .await;
}
