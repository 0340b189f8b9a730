//! Helpers shared by the integration tests of nox-auth: a client against a local HTTP
//! server and NOX's answers (statuses.rs, payloads.rs, transport.rs).

// Each test file compiles this module and uses only its own part of it.
#![allow(dead_code)]

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use nox_auth::{AssetType, Client, Error, RetryPolicy, SupplierLinkRequest};
use serde_json::{Value, json};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};

// ------------------------------------------------------------------ a client against a local server

pub const KEY: &str = "sk_live_SUPERSECRET_0123456789";
pub const ROUTE: &str = "/v2/supplier/link-sessions";

pub fn fast_retries() -> RetryPolicy {
    RetryPolicy::default()
        .initial_backoff(Duration::from_millis(10))
        .max_backoff(Duration::from_millis(20))
}

pub fn client(base: &str) -> Client {
    Client::builder()
        .api_key(KEY)
        .base_url(base)
        .retry(fast_retries())
        .timeout(Duration::from_secs(5))
        .build()
        .unwrap()
}

pub fn request() -> SupplierLinkRequest {
    SupplierLinkRequest::new("user-1", AssetType::Hp, "https://example.com/cb")
}

pub fn session_body() -> Value {
    json!({
        "link_url": "http://127.0.0.1/ui?token=t1&language=nl",
        "link_token": "t1",
        "language": "nl",
        "asset_type": "hp",
        "redirect_url": "https://example.com/cb",
        "supplier": "Acme Energy",
        "supplier_user_id": "user-1",
        "created_at": 1703123456,
        "expires_at": 1703124056,
        "brand": null,
        "completed_at": null
    })
}

/// Asserts that no rendering of `e` contains any part of the key.
pub fn assert_no_key(e: &Error) {
    for text in [e.to_string(), format!("{e:?}"), format!("{e:#?}")] {
        assert!(!text.contains(KEY), "key leaked: {text}");
        assert!(!text.contains("SUPERSECRET"), "key part leaked: {text}");
    }
}

/// Mounts a responder on ROUTE that counts the attempts.
pub async fn counting(
    server: &MockServer,
    respond: impl Fn(usize) -> ResponseTemplate + Send + Sync + 'static,
) -> Arc<AtomicUsize> {
    struct Counting<F>(Arc<AtomicUsize>, F);
    impl<F: Fn(usize) -> ResponseTemplate + Send + Sync> Respond for Counting<F> {
        fn respond(&self, _: &Request) -> ResponseTemplate {
            let n = self.0.fetch_add(1, Ordering::SeqCst);
            (self.1)(n)
        }
    }
    let count = Arc::new(AtomicUsize::new(0));
    Mock::given(method("POST"))
        .and(path(ROUTE))
        .respond_with(Counting(count.clone(), respond))
        .mount(server)
        .await;
    count
}

pub async fn call(server: &MockServer) -> Result<nox_auth::SupplierLinkSession, Error> {
    client(&server.uri())
        .create_supplier_link_session(request())
        .await
}

/// Answers every request on ROUTE with `status` and `body`.
pub async fn answering(status: u16, body: Value) -> MockServer {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path(ROUTE))
        .respond_with(ResponseTemplate::new(status).set_body_json(body))
        .mount(&server)
        .await;
    server
}
