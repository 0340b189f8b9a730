//! Bad input and faults, each against a real HTTP server on 127.0.0.1: every case
//! yields its documented `Error` variant, never a panic, never the API key.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use nox_auth::{
    AssetType, Brand, Client, Error, RetryPolicy, SupplierLinkRequest, TransportKind,
    ValidationError,
};
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;
use wiremock::matchers::{header, method, path};
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};

const KEY: &str = "sk_live_SUPERSECRET_0123456789";
const ROUTE: &str = "/v2/supplier/link-sessions";

fn fast_retries() -> RetryPolicy {
    RetryPolicy::default()
        .initial_backoff(Duration::from_millis(10))
        .max_backoff(Duration::from_millis(20))
}

fn client(base: &str) -> Client {
    Client::builder()
        .api_key(KEY)
        .base_url(base)
        .retry(fast_retries())
        .timeout(Duration::from_secs(5))
        .build()
        .unwrap()
}

fn request() -> SupplierLinkRequest {
    SupplierLinkRequest::new("user-1", AssetType::Hp, "https://example.com/cb")
}

fn session_body() -> Value {
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
fn assert_no_key(e: &Error) {
    for text in [e.to_string(), format!("{e:?}"), format!("{e:#?}")] {
        assert!(!text.contains(KEY), "key leaked: {text}");
        assert!(!text.contains("SUPERSECRET"), "key part leaked: {text}");
    }
}

/// Mounts a responder on ROUTE that counts the attempts.
async fn counting(
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

async fn call(server: &MockServer) -> Result<nox_auth::SupplierLinkSession, Error> {
    client(&server.uri())
        .create_supplier_link_session(request())
        .await
}

#[tokio::test]
async fn success_sends_key_user_agent_and_decodes_times() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path(ROUTE))
        .and(header("x-api-key", KEY))
        .and(header(
            "user-agent",
            concat!("nox-auth/", env!("CARGO_PKG_VERSION")),
        ))
        .respond_with(ResponseTemplate::new(201).set_body_json(session_body()))
        .expect(1)
        .mount(&server)
        .await;
    let session = call(&server).await.unwrap();
    assert_eq!(session.times.lifetime(), Duration::from_secs(600));
    assert!(
        session.times.is_expired(std::time::SystemTime::now()),
        "2023 session"
    );
    assert_eq!(session.user_id, "user-1");
}

#[tokio::test]
async fn unknown_extra_fields_are_accepted() {
    let server = MockServer::start().await;
    let mut body = session_body();
    body["new_field"] = json!({"nested": [1, 2, 3]});
    body["another"] = json!("x");
    let count = counting(&server, move |_| {
        ResponseTemplate::new(201).set_body_json(body.clone())
    })
    .await;
    assert!(call(&server).await.is_ok());
    assert_eq!(count.load(Ordering::SeqCst), 1);
}

#[tokio::test]
async fn status_400_with_error_body_is_an_api_error() {
    let server = MockServer::start().await;
    let count = counting(&server, |_| {
        ResponseTemplate::new(400).set_body_json(
            json!({"error": "redirect_url must be one of the allowed redirect URLs"}),
        )
    })
    .await;
    let e = call(&server).await.unwrap_err();
    assert_no_key(&e);
    match &e {
        Error::Api {
            status,
            message,
            code,
            operation,
        } => {
            assert_eq!(status.as_u16(), 400);
            assert_eq!(
                message,
                "redirect_url must be one of the allowed redirect URLs"
            );
            assert_eq!(code, &None);
            assert_eq!(*operation, nox_auth::Operation::CreateSupplierLinkSession);
        }
        other => panic!("{other:?}"),
    }
    assert!(!e.is_retryable());
    assert_eq!(count.load(Ordering::SeqCst), 1, "400 is not retried");
}

#[tokio::test]
async fn status_401_is_unauthorized() {
    let server = MockServer::start().await;
    counting(&server, |_| {
        ResponseTemplate::new(401).set_body_json(json!({"error": "Missing or invalid API key"}))
    })
    .await;
    let e = call(&server).await.unwrap_err();
    assert_no_key(&e);
    assert!(
        matches!(&e, Error::Unauthorized { status, message, .. } if status.as_u16() == 401 && message == "Missing or invalid API key"),
        "{e:?}"
    );
}

#[tokio::test]
async fn status_403_is_unauthorized_even_though_undocumented() {
    let server = MockServer::start().await;
    counting(&server, |_| {
        ResponseTemplate::new(403).set_body_json(json!({"error": "supplier not enabled"}))
    })
    .await;
    let e = call(&server).await.unwrap_err();
    assert_no_key(&e);
    assert!(
        matches!(&e, Error::Unauthorized { status, message, .. } if status.as_u16() == 403 && message == "supplier not enabled"),
        "{e:?}"
    );
}

#[tokio::test]
async fn status_404_is_unexpected_with_a_short_excerpt() {
    let server = MockServer::start().await;
    let long = "x".repeat(10_000);
    counting(&server, move |_| {
        ResponseTemplate::new(404).set_body_string(format!("Not Found {long}"))
    })
    .await;
    let e = call(&server).await.unwrap_err();
    assert_no_key(&e);
    match &e {
        Error::UnexpectedStatus {
            status,
            body_excerpt,
            ..
        } => {
            assert_eq!(status.as_u16(), 404);
            assert!(body_excerpt.starts_with("Not Found"));
            assert!(
                body_excerpt.len() <= nox_auth::BODY_EXCERPT_LIMIT + 3,
                "{}",
                body_excerpt.len()
            );
            assert!(body_excerpt.ends_with('…'));
        }
        other => panic!("{other:?}"),
    }
    assert!(e.to_string().len() < 400, "error text stays short");
}

#[tokio::test]
async fn status_429_honours_retry_after_and_counts_attempts() {
    let server = MockServer::start().await;
    let count = counting(&server, |_| {
        ResponseTemplate::new(429)
            .insert_header("retry-after", "1")
            .set_body_json(json!({"error": "slow down"}))
    })
    .await;
    let client = Client::builder()
        .api_key(KEY)
        .base_url(server.uri())
        .retry(fast_retries().max_retries(1))
        .build()
        .unwrap();
    let started = Instant::now();
    let e = client
        .create_supplier_link_session(request())
        .await
        .unwrap_err();
    let elapsed = started.elapsed();
    assert_eq!(count.load(Ordering::SeqCst), 2, "first attempt + 1 retry");
    assert!(
        elapsed >= Duration::from_secs(1),
        "waited for Retry-After: {elapsed:?}"
    );
    match &e {
        Error::UnexpectedStatus {
            status,
            retry_after,
            body_excerpt,
            ..
        } => {
            assert_eq!(status.as_u16(), 429);
            assert_eq!(*retry_after, Some(Duration::from_secs(1)));
            assert_eq!(body_excerpt, "slow down");
        }
        other => panic!("{other:?}"),
    }
    assert!(e.is_retryable());
}

#[tokio::test]
async fn retry_after_longer_than_the_cap_is_not_waited_for() {
    let server = MockServer::start().await;
    let count = counting(&server, |_| {
        ResponseTemplate::new(503).insert_header("retry-after", "3600")
    })
    .await;
    let e = call(&server).await.unwrap_err();
    assert_eq!(count.load(Ordering::SeqCst), 1);
    assert!(
        matches!(e, Error::UnexpectedStatus { retry_after: Some(d), .. } if d == Duration::from_secs(3600))
    );
}

#[tokio::test]
async fn status_500_is_not_retried() {
    let server = MockServer::start().await;
    let count = counting(&server, |_| {
        ResponseTemplate::new(500).set_body_string("internal error")
    })
    .await;
    let e = call(&server).await.unwrap_err();
    assert_eq!(count.load(Ordering::SeqCst), 1);
    assert!(
        matches!(&e, Error::UnexpectedStatus { status, .. } if status.as_u16() == 500),
        "{e:?}"
    );
    assert!(!e.is_retryable());
}

#[tokio::test]
async fn status_503_then_201_is_retried_once_and_succeeds() {
    let server = MockServer::start().await;
    let count = counting(&server, |n| {
        if n == 0 {
            ResponseTemplate::new(503)
        } else {
            ResponseTemplate::new(201).set_body_json(session_body())
        }
    })
    .await;
    let session = call(&server).await.expect("second attempt succeeds");
    assert_eq!(session.link_token, "t1");
    assert_eq!(count.load(Ordering::SeqCst), 2);
}

#[tokio::test]
async fn retries_can_be_switched_off() {
    let server = MockServer::start().await;
    let count = counting(&server, |_| ResponseTemplate::new(503)).await;
    let client = Client::builder()
        .api_key(KEY)
        .base_url(server.uri())
        .no_retries()
        .build()
        .unwrap();
    assert!(
        client
            .create_supplier_link_session(request())
            .await
            .is_err()
    );
    assert_eq!(count.load(Ordering::SeqCst), 1);
}

#[tokio::test]
async fn default_policy_retries_twice() {
    let server = MockServer::start().await;
    let count = counting(&server, |_| ResponseTemplate::new(502)).await;
    let client = Client::builder()
        .api_key(KEY)
        .base_url(server.uri())
        .build()
        .unwrap();
    let e = client
        .create_supplier_link_session(request())
        .await
        .unwrap_err();
    assert_eq!(count.load(Ordering::SeqCst), 3);
    assert!(matches!(&e, Error::UnexpectedStatus { status, .. } if status.as_u16() == 502));
}

#[tokio::test]
async fn html_body_is_an_invalid_response_without_the_payload() {
    let server = MockServer::start().await;
    let html = format!(
        "<html><body>{}</body></html>",
        "Bad gateway page ".repeat(500)
    );
    counting(&server, move |_| {
        ResponseTemplate::new(201).set_body_raw(html.clone(), "text/html")
    })
    .await;
    let e = call(&server).await.unwrap_err();
    assert_no_key(&e);
    match &e {
        Error::InvalidResponse { reason, .. } => {
            assert!(reason.contains("line 1 column 1"), "{reason}");
            assert!(
                !reason.contains("Bad gateway page"),
                "payload echoed: {reason}"
            );
        }
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn html_error_page_is_an_unexpected_status_with_excerpt() {
    let server = MockServer::start().await;
    counting(&server, |_| {
        ResponseTemplate::new(502).set_body_raw("<html>gateway\u{0}down</html>", "text/html")
    })
    .await;
    let client = Client::builder()
        .api_key(KEY)
        .base_url(server.uri())
        .no_retries()
        .build()
        .unwrap();
    let e = client
        .create_supplier_link_session(request())
        .await
        .unwrap_err();
    assert!(
        matches!(&e, Error::UnexpectedStatus { body_excerpt, .. } if body_excerpt == "<html>gateway\\u{0}down</html>"),
        "{e:?}"
    );
}

#[tokio::test]
async fn truncated_json_is_an_invalid_response() {
    let server = MockServer::start().await;
    let body = session_body().to_string();
    let truncated = body[..body.len() / 2].to_owned();
    counting(&server, move |_| {
        ResponseTemplate::new(201).set_body_raw(truncated.clone(), "application/json")
    })
    .await;
    let e = call(&server).await.unwrap_err();
    assert!(
        matches!(&e, Error::InvalidResponse { reason, .. } if reason.contains("EOF")),
        "{e:?}"
    );
}

/// Answers every request on ROUTE with `status` and `body`.
async fn answering(status: u16, body: Value) -> MockServer {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path(ROUTE))
        .respond_with(ResponseTemplate::new(status).set_body_json(body))
        .mount(&server)
        .await;
    server
}

#[tokio::test]
async fn values_nox_added_keep_the_session_with_the_raw_value() {
    // Each mutation is something a real NOX may do tomorrow; the session it created
    // must reach the user.
    let mutations: [(&str, Value, u16); 6] = [
        ("brand", json!("wolf"), 201),
        ("language", json!("de"), 201),
        ("asset_type", json!("battery"), 201),
        ("completed_at", json!(1703123999), 201),
        ("a_field_nox_added", json!({"nested": [1, 2]}), 201),
        ("link_token", json!("t1"), 200), // a 200 where 201 is documented
    ];
    for (field, value, status) in mutations {
        let mut body = session_body();
        body[field] = value.clone();
        let server = answering(status, body).await;
        let session = call(&server)
            .await
            .unwrap_or_else(|e| panic!("{field}={value} ({status}) lost the session: {e}"));
        assert_eq!(session.link_url, "http://127.0.0.1/ui?token=t1&language=nl");
        match field {
            "brand" => {
                assert_eq!(session.brand, Some(nox_auth::Open::Unknown("wolf".into())));
                assert_eq!(session.brand.as_ref().unwrap().known(), None);
            }
            "language" => assert_eq!(session.language.as_str(), "de"),
            "asset_type" => {
                assert_eq!(session.asset_type.as_str(), "battery");
                assert_eq!(session.asset_type.known(), None);
            }
            "completed_at" => assert!(session.times.completed_at.is_some()),
            _ => assert_eq!(session.asset_type, AssetType::Hp),
        }
        // The raw value survives storing the session.
        let stored = serde_json::to_value(&session).unwrap();
        if matches!(field, "brand" | "language" | "asset_type") {
            assert_eq!(stored[field], value, "{stored}");
        }
    }
}

#[tokio::test]
async fn structural_problems_are_invalid_responses_naming_the_field() {
    let cases: [(&str, Option<Value>, &str); 6] = [
        ("link_token", None, "link_token"),
        (
            "link_url",
            Some(json!(5)),
            "invalid type: integer `5`, expected a string",
        ),
        ("created_at", Some(json!(-5)), "created_at"),
        (
            "supplier_user_id",
            Some(json!("user-2")),
            "supplier_user_id",
        ),
        (
            "expires_at",
            Some(json!(1703123000)),
            "`expires_at` (1703123000) is before `created_at`",
        ),
        (
            "asset_type",
            Some(json!("pv")),
            "`asset_type` is `pv`, not the `hp` that was sent",
        ),
    ];
    for (field, value, expected) in cases {
        let mut body = session_body();
        match value {
            Some(v) => body[field] = v,
            None => {
                body.as_object_mut().unwrap().remove(field);
            }
        }
        let server = answering(201, body).await;
        let e = call(&server).await.unwrap_err();
        assert!(
            matches!(&e, Error::InvalidResponse { reason, .. } if reason.contains(expected)),
            "{field}: {e:?}"
        );
        assert!(
            e.to_string().contains(field),
            "{field}: the message names it: {e}"
        );
    }
}

/// A second server on another loopback address that records every request it gets.
async fn elsewhere() -> (MockServer, String) {
    let listener = std::net::TcpListener::bind("127.0.0.2:0").expect("127.0.0.2 is loopback");
    let server = MockServer::builder().listener(listener).start().await;
    Mock::given(wiremock::matchers::any())
        .respond_with(ResponseTemplate::new(201).set_body_json(session_body()))
        .mount(&server)
        .await;
    let origin = server.uri();
    (server, origin)
}

#[tokio::test]
async fn redirects_are_errors_and_the_key_never_leaves_the_origin() {
    let (thief, thief_origin) = elsewhere().await;
    for status in [301, 302, 303, 307, 308] {
        let server = MockServer::start().await;
        let location = format!("{thief_origin}/v2/supplier/link-sessions?token=SECRET-QUERY");
        Mock::given(method("POST"))
            .and(path(ROUTE))
            .respond_with(
                ResponseTemplate::new(status).insert_header("location", location.as_str()),
            )
            .expect(1)
            .mount(&server)
            .await;
        let e = call(&server).await.unwrap_err();
        assert_no_key(&e);
        match &e {
            Error::Redirect {
                status: s,
                target,
                followed,
                ..
            } => {
                assert_eq!(s.as_u16(), status);
                assert_eq!(target.as_deref(), Some(thief_origin.as_str()));
                assert!(!followed);
            }
            other => panic!("{status}: {other:?}"),
        }
        let text = e.to_string();
        assert!(
            text.contains(&status.to_string()) && text.contains(&thief_origin),
            "{text}"
        );
        assert!(!text.contains("SECRET-QUERY"), "{text}");
        assert!(!e.is_retryable());
    }
    let reached = thief.received_requests().await.unwrap();
    assert!(
        reached.is_empty(),
        "a request reached the other origin: {reached:?}"
    );

    // A relative Location names the same origin; still not followed.
    let server = answering(302, json!({})).await;
    server.reset().await;
    Mock::given(method("POST"))
        .and(path(ROUTE))
        .respond_with(ResponseTemplate::new(307).insert_header("location", "/elsewhere"))
        .mount(&server)
        .await;
    let e = call(&server).await.unwrap_err();
    assert!(
        matches!(&e, Error::Redirect { target: Some(t), .. } if *t == server.uri()),
        "{e:?}"
    );
    assert_eq!(server.received_requests().await.unwrap().len(), 1);
}

#[tokio::test]
async fn a_caller_supplied_client_that_follows_redirects_is_detected() {
    let (thief, thief_origin) = elsewhere().await;
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path(ROUTE))
        .respond_with(
            ResponseTemplate::new(307)
                .insert_header("location", format!("{thief_origin}{ROUTE}").as_str()),
        )
        .mount(&server)
        .await;
    // reqwest's default policy follows redirects: the documented misuse.
    let client = Client::builder()
        .api_key(KEY)
        .base_url(server.uri())
        .http_client(reqwest::Client::new())
        .no_retries()
        .build()
        .unwrap();
    let e = client
        .create_supplier_link_session(request())
        .await
        .unwrap_err();
    assert_no_key(&e);
    match &e {
        Error::Redirect {
            target,
            followed,
            status,
            ..
        } => {
            assert!(followed);
            assert_eq!(target.as_deref(), Some(thief_origin.as_str()));
            assert_eq!(status.as_u16(), 201, "what the other origin answered");
        }
        other => panic!("{other:?}"),
    }
    assert!(e.to_string().contains("Policy::none()"), "{e}");
    // The other origin's 201 was not taken for NOX's answer; it did get the request,
    // which is why `http_client` documents that the client must not follow redirects.
    assert_eq!(thief.received_requests().await.unwrap().len(), 1);
}

/// A server on 127.0.0.1 that accepts connections and never answers.
async fn silent_server() -> String {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((mut sock, _)) = listener.accept().await {
            let mut buf = [0u8; 4096];
            let _ = sock.read(&mut buf).await;
            held.push(sock); // keep it open, say nothing
        }
    });
    format!("http://{addr}")
}

#[tokio::test]
async fn a_server_that_never_answers_times_out_in_the_configured_time() {
    let base = silent_server().await;
    let client = Client::builder()
        .api_key(KEY)
        .base_url(&base)
        .timeout(Duration::from_millis(300))
        .build()
        .unwrap();
    let started = Instant::now();
    let e = client
        .create_supplier_link_session(request())
        .await
        .unwrap_err();
    let elapsed = started.elapsed();
    assert_no_key(&e);
    assert!(
        matches!(
            &e,
            Error::Transport {
                kind: TransportKind::Timeout,
                ..
            }
        ),
        "{e:?}"
    );
    assert!(e.is_retryable());
    // Timeouts are not retried (the create may have happened), so one timeout's worth.
    assert!(elapsed >= Duration::from_millis(300), "{elapsed:?}");
    assert!(elapsed < Duration::from_secs(10), "{elapsed:?}");
}

#[tokio::test]
async fn connection_refused_is_retried_then_a_connect_error() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    drop(listener);
    let e = client(&base)
        .create_supplier_link_session(request())
        .await
        .unwrap_err();
    assert_no_key(&e);
    assert!(
        matches!(
            &e,
            Error::Transport {
                kind: TransportKind::Connect,
                ..
            }
        ),
        "{e:?}"
    );
    assert!(e.to_string().contains("connection failure"), "{e}");
    // The cause itself, not only reqwest's "error sending request".
    assert!(e.to_string().contains("Connection refused"), "{e}");
}

#[tokio::test]
async fn a_body_that_breaks_off_is_a_transport_error() {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        while let Ok((mut sock, _)) = listener.accept().await {
            let mut buf = [0u8; 8192];
            let _ = sock.read(&mut buf).await;
            let _ = sock
                .write_all(b"HTTP/1.1 201 Created\r\ncontent-type: application/json\r\ncontent-length: 500\r\n\r\n{\"link_url\":")
                .await;
            drop(sock);
        }
    });
    let e = client(&format!("http://{addr}"))
        .create_supplier_link_session(request())
        .await
        .unwrap_err();
    assert!(
        matches!(
            &e,
            Error::Transport {
                kind: TransportKind::Body,
                ..
            }
        ),
        "{e:?}"
    );
}

#[tokio::test]
async fn brand_asset_type_mismatch_sends_zero_requests() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(201).set_body_json(session_body()))
        .expect(0)
        .mount(&server)
        .await;
    let e = call_with(
        &server,
        request().brand(Brand::Daikin).clone_with(AssetType::Pv),
    )
    .await
    .unwrap_err();
    match &e {
        Error::Validation(ValidationError::BrandNotForAssetType {
            brand,
            asset_type,
            valid,
        }) => {
            assert_eq!(*brand, Brand::Daikin);
            assert_eq!(*asset_type, AssetType::Pv);
            assert!(valid.contains(&Brand::Sma));
        }
        other => panic!("{other:?}"),
    }
    let text = e.to_string();
    assert!(
        text.contains("`daikin`") && text.contains("`pv`") && text.contains("sma"),
        "{text}"
    );
    let bad_url = SupplierLinkRequest::new("u", AssetType::Hp, "not a url");
    assert!(matches!(
        call_with(&server, bad_url).await,
        Err(Error::Validation(ValidationError::InvalidUrl { .. }))
    ));
    let empty = SupplierLinkRequest::new(" ", AssetType::Hp, "https://x.example/cb");
    assert!(matches!(
        call_with(&server, empty).await,
        Err(Error::Validation(ValidationError::Empty {
            field: "user_id"
        }))
    ));
    assert!(
        server.received_requests().await.unwrap().is_empty(),
        "nothing was sent"
    );
}

trait WithAssetType {
    fn clone_with(&self, a: AssetType) -> SupplierLinkRequest;
}
impl WithAssetType for SupplierLinkRequest {
    fn clone_with(&self, a: AssetType) -> SupplierLinkRequest {
        let mut request = self.clone();
        request.asset_type = a;
        request
    }
}

async fn call_with(
    server: &MockServer,
    req: SupplierLinkRequest,
) -> Result<nox_auth::SupplierLinkSession, Error> {
    client(&server.uri())
        .create_supplier_link_session(req)
        .await
}

#[test]
fn debug_of_client_and_builder_never_shows_the_key() {
    let builder = Client::builder()
        .api_key(KEY)
        .base_url("http://127.0.0.1:1");
    let b = format!("{builder:?} {builder:#?}");
    assert!(!b.contains("SUPERSECRET"), "{b}");
    assert!(b.contains("<redacted>"));
    let client = builder.build().unwrap();
    let c = format!(
        "{client:?} {client:#?} {:?} {:?}",
        client.v2_supplier(),
        client.v1_manufacturer()
    );
    assert!(!c.contains("SUPERSECRET"), "{c}");
    assert!(c.contains("http://127.0.0.1:1"));
    let e = Client::builder()
        .api_key("bad\nkey-SUPERSECRET")
        .build()
        .unwrap_err();
    assert_no_key(&e);
    let e = Client::builder()
        .api_key(KEY)
        .base_url("http://nox.example")
        .build()
        .unwrap_err();
    assert_no_key(&e);
    assert!(e.to_string().contains("loopback"));
}

/// A `MakeWriter` that collects everything the subscriber writes.
#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl std::io::Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl<'a> tracing_subscriber::fmt::MakeWriter<'a> for Captured {
    type Writer = Captured;
    fn make_writer(&'a self) -> Self::Writer {
        self.clone()
    }
}

#[tokio::test]
async fn traces_name_the_operation_and_status_but_never_the_key() {
    let captured = Captured::default();
    let subscriber = tracing_subscriber::fmt()
        .with_writer(captured.clone())
        .with_max_level(tracing::Level::TRACE)
        .with_span_events(tracing_subscriber::fmt::format::FmtSpan::CLOSE)
        .with_ansi(false)
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);

    let server = MockServer::start().await;
    counting(&server, |n| {
        if n == 0 {
            ResponseTemplate::new(503)
        } else {
            ResponseTemplate::new(201).set_body_json(session_body())
        }
    })
    .await;
    call(&server).await.unwrap();
    // And a failing one.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let refused = format!("http://{}", listener.local_addr().unwrap());
    drop(listener);
    let _ = client(&refused)
        .create_supplier_link_session(request())
        .await;

    let logs = String::from_utf8(captured.0.lock().unwrap().clone()).unwrap();
    assert!(logs.contains("nox.request"), "{logs}");
    assert!(
        logs.contains("operation_id=\"create_supplier_link_session\"")
            || logs.contains("operation_id=create_supplier_link_session"),
        "{logs}"
    );
    assert!(logs.contains("status=503"), "{logs}");
    assert!(logs.contains("status=201"), "{logs}");
    assert!(logs.contains("attempt=2"), "{logs}");
    assert!(logs.contains("retrying"), "{logs}");
    assert!(!logs.contains("SUPERSECRET"), "key in traces:\n{logs}");
}

#[tokio::test]
async fn https_is_supported_by_the_tls_backend() {
    // progenitor-client turns reqwest's default features off; the workspace turns rustls
    // back on. An https request to a local server that speaks no TLS must fail in the TLS
    // handshake (a connect error), not with "scheme is not http" (no TLS compiled in).
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let (saw_hello, mut hello) = tokio::sync::mpsc::unbounded_channel::<bool>();
    tokio::spawn(async move {
        while let Ok((mut sock, _)) = listener.accept().await {
            let mut buf = [0u8; 1024];
            let n = sock.read(&mut buf).await.unwrap_or(0);
            // A TLS ClientHello starts with a handshake record: 0x16 0x03.
            let _ = saw_hello.send(n >= 2 && buf[0] == 0x16 && buf[1] == 0x03);
            let _ = sock.write_all(b"not tls").await;
        }
    });
    let client = Client::builder()
        .api_key(KEY)
        .base_url(format!("https://localhost:{}", addr.port()))
        .no_retries()
        .build()
        .unwrap();
    let e = client
        .create_supplier_link_session(request())
        .await
        .unwrap_err();
    assert!(
        matches!(
            &e,
            Error::Transport {
                kind: TransportKind::Connect,
                ..
            }
        ),
        "{e:?}"
    );
    let chain = format!("{:?}", e);
    assert!(!chain.contains("scheme is not http"), "{chain}");
    assert_eq!(
        hello.recv().await,
        Some(true),
        "the client sent a TLS ClientHello"
    );
}
