//! Helpers shared by the integration tests of nox-auth: a client against a local HTTP
//! server and NOX's answers (statuses.rs, payloads.rs, transport.rs), and callback
//! payloads and stored sessions (decoding.rs, verification.rs, properties.rs).

// The integration binary and `tests/traces.rs` each compile this module and use part of it.
#![allow(dead_code)]

pub mod package;

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use base64::Engine as _;
use nox_auth::callback::{self, CallbackPayload, VerifyError, VerifyOptions};
use nox_auth::{
    AssetType, Brand, Client, Error, Language, RetryPolicy, SupplierLinkRequest,
    SupplierLinkSession,
};
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

// ------------------------------------------------------------------ callback payloads and sessions

pub const B64: base64::engine::GeneralPurpose = base64::engine::general_purpose::URL_SAFE_NO_PAD;

pub fn at(secs: u64) -> SystemTime {
    UNIX_EPOCH + Duration::from_secs(secs)
}

pub fn payload() -> CallbackPayload {
    CallbackPayload::new(
        "nox-123",
        "user-42",
        "saunier-duval",
        vec!["dev-1".into(), "dev-2".into(), "dev-3".into()],
        at(1_703_123_500),
    )
}

pub fn raw(v: &Value) -> String {
    B64.encode(v.to_string())
}

pub fn payload_json() -> Value {
    json!({
        "nox_user_id": "nox-123",
        "supplier_user_id": "user-42",
        "brand": "saunier-duval",
        "device_ids": ["dev-1", "dev-2", "dev-3"],
        "connected_at": 1703123500
    })
}

/// A session as a backend stores it (JSON), with the brand and asset type given; a
/// `SupplierLinkSession` is `#[non_exhaustive]`, so outside the crate it comes from NOX or from JSON.
pub fn session(brand: Option<Brand>, asset_type: AssetType) -> SupplierLinkSession {
    let mut s: SupplierLinkSession = serde_json::from_value(json!({
        "link_url": "https://auth.nox.energy/ui?token=tok", "link_token": "tok", "user_id": "user-42",
        "asset_type": "hp", "brand": null, "language": "nl", "redirect_url": "https://example.com/cb",
        "supplier": "Acme", "created_at": 1_703_123_456, "expires_at": 1_703_124_056, "completed_at": null
    }))
    .unwrap();
    s.asset_type = asset_type.into();
    s.brand = brand.map(Into::into);
    assert_eq!(s.language, Language::Nl);
    s
}

pub fn verify(
    p: &CallbackPayload,
    s: &SupplierLinkSession,
) -> Result<callback::VerifiedConnection, VerifyError> {
    p.verify_supplier_with(s, at(1_703_123_600), &VerifyOptions::default())
}

/// A server on 127.0.0.1 that accepts connections, reads the request and never answers;
/// also returns how many connections it accepted.
pub async fn silent_server() -> (String, Arc<AtomicUsize>) {
    use tokio::io::AsyncReadExt as _;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let accepted = Arc::new(AtomicUsize::new(0));
    let count = accepted.clone();
    tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((mut sock, _)) = listener.accept().await {
            count.fetch_add(1, Ordering::SeqCst);
            let mut buf = [0u8; 4096];
            let _ = sock.read(&mut buf).await;
            held.push(sock); // keep it open, say nothing
        }
    });
    (format!("http://{addr}"), accepted)
}
