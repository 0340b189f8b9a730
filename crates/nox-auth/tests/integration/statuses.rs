//! NOX's HTTP statuses against a real HTTP server on 127.0.0.1: the `Error` variant each
//! yields (never the API key), and which are retried and for how long (the traces of a retry
//! are in `tests/traces.rs`, a binary of its own).

use crate::common;

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use common::{
    KEY, ROUTE, assert_no_key, call, client, counting, fast_retries, request, session_body,
};
use nox_auth::{Client, Error};
use serde_json::json;
use wiremock::matchers::{header, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

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

/// A device connection creates a record at NOX: it is retried only where NOX cannot have
/// acted (429, 503 with `Retry-After`, no connection), never after a 502 or 504, which may
/// come after NOX did the work. A link session is retried on all of them.
#[tokio::test]
async fn a_device_connection_is_not_retried_where_nox_may_have_acted() {
    for (status, retry_after, want_attempts) in [
        (502, None, 1),
        (504, None, 1),
        (503, None, 1),
        (503, Some("0"), 3),
        (429, None, 3),
    ] {
        let server = MockServer::start().await;
        let count = Arc::new(AtomicUsize::new(0));
        let seen = count.clone();
        Mock::given(method("POST"))
            .and(path("/v2/manufacturer/device-connections"))
            .respond_with(move |_: &wiremock::Request| {
                seen.fetch_add(1, Ordering::SeqCst);
                let mut answer = ResponseTemplate::new(status);
                if let Some(secs) = retry_after {
                    answer = answer.insert_header("retry-after", secs);
                }
                answer
            })
            .mount(&server)
            .await;
        let e = client(&server.uri())
            .create_manufacturer_device_connection("mfr-1")
            .await
            .unwrap_err();
        assert_eq!(
            count.load(Ordering::SeqCst),
            want_attempts,
            "{status} retry-after={retry_after:?}"
        );
        assert_eq!(e.is_retryable(), want_attempts > 1, "{status}: {e}");
    }
    // The same 502 for a link session: retried (two retries by default).
    let server = MockServer::start().await;
    let count = counting(&server, |_| ResponseTemplate::new(502)).await;
    let e = call(&server).await.unwrap_err();
    assert_eq!(count.load(Ordering::SeqCst), 3);
    assert!(e.is_retryable());
}
