//! `Client::post_login_redirect` (the NOX-initiated link) against a local server: what it
//! sends, what it refuses before sending, and that an answer that may come after NOX
//! acted (502) is not retried (NOX's state is single use).

use crate::common;

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use nox_auth::{Error, MAX_STATE_LEN, ValidationError};
use serde_json::{Value, json};
use wiremock::matchers::{body_json, header, method, path};
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};

use common::{KEY, assert_no_key, client};

#[tokio::test]
async fn sends_the_state_and_the_users_id_with_the_key_at_the_root() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/post-login-redirect"))
        .and(header("x-api-key", KEY))
        .and(body_json(
            json!({"state": "s-1", "supplier_user_id": "user-42"}),
        ))
        .respond_with(ResponseTemplate::new(200).set_body_json(
            json!({"supplier_user_id": "user-42", "nox_user_id": "nox-7", "extra": [1]}),
        ))
        .expect(1)
        .mount(&server)
        .await;
    let shared = client(&server.uri())
        .post_login_redirect("s-1", "user-42")
        .await
        .unwrap();
    assert_eq!(shared.nox_user_id.as_deref(), Some("nox-7"));
    assert_eq!(shared.supplier_user_id.as_deref(), Some("user-42"));
}

#[tokio::test]
async fn refuses_empty_or_oversized_values_before_sending() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({})))
        .expect(0)
        .mount(&server)
        .await;
    let client = client(&server.uri());
    let long = "s".repeat(MAX_STATE_LEN + 1);
    for (state, user, field) in [
        ("", "u1", "state"),
        (" ", "u1", "state"),
        ("s", "", "supplier_user_id"),
        (long.as_str(), "u1", "state"),
    ] {
        match client.post_login_redirect(state, user).await {
            Err(Error::Validation(
                ValidationError::Empty { field: f } | ValidationError::TooLong { field: f, .. },
            )) => assert_eq!(f, field),
            other => panic!("{state:?}/{user:?}: {other:?}"),
        }
    }
}

#[tokio::test]
async fn a_502_is_not_retried_and_a_refusal_keeps_noxs_message() {
    struct Counting(Arc<AtomicUsize>, u16, Value);
    impl Respond for Counting {
        fn respond(&self, _: &Request) -> ResponseTemplate {
            self.0.fetch_add(1, Ordering::SeqCst);
            ResponseTemplate::new(self.1).set_body_json(self.2.clone())
        }
    }
    for (status, body) in [
        (502, json!({"error": "bad gateway"})),
        (400, json!({"error": "state has expired"})),
    ] {
        let server = MockServer::start().await;
        let count = Arc::new(AtomicUsize::new(0));
        Mock::given(method("POST"))
            .and(path("/post-login-redirect"))
            .respond_with(Counting(count.clone(), status, body))
            .mount(&server)
            .await;
        let err = client(&server.uri())
            .post_login_redirect("s-1", "user-42")
            .await
            .unwrap_err();
        assert_eq!(count.load(Ordering::SeqCst), 1, "{status}: sent once");
        assert_no_key(&err);
        if status == 400 {
            assert!(err.to_string().contains("state has expired"), "{err}");
        }
    }
}

/// NOX documents no answer: any 2xx is a success whatever its body (telling a user "failed"
/// after NOX linked them is worse), and no error answer, whatever its body, is one.
#[tokio::test]
async fn any_2xx_is_a_success_and_no_error_answer_is() {
    let answers: Vec<(ResponseTemplate, Option<&str>)> = vec![
        (ResponseTemplate::new(204), None),
        (ResponseTemplate::new(200), None),
        (
            ResponseTemplate::new(200).set_body_raw("OK", "text/plain"),
            None,
        ),
        (
            ResponseTemplate::new(200).set_body_json(json!({"nox_user_id": 123})),
            None,
        ),
        (ResponseTemplate::new(200).set_body_json(json!(["a"])), None),
        (
            ResponseTemplate::new(201).set_body_json(json!({"nox_user_id": "nox-1"})),
            Some("nox-1"),
        ),
        (
            ResponseTemplate::new(200).set_body_json(json!({"nox_user_id": "nox-2"})),
            Some("nox-2"),
        ),
    ];
    for (answer, nox_user) in answers {
        let server = MockServer::start().await;
        Mock::given(method("POST"))
            .and(path("/post-login-redirect"))
            .respond_with(answer)
            .mount(&server)
            .await;
        let shared = client(&server.uri())
            .post_login_redirect("s-1", "user-42")
            .await
            .unwrap_or_else(|e| panic!("a 2xx must succeed: {e}"));
        assert_eq!(shared.nox_user_id.as_deref(), nox_user);
    }

    let refusals: Vec<(ResponseTemplate, u16, &str)> = vec![
        (
            ResponseTemplate::new(400).set_body_json(json!({"error": "state has expired"})),
            400,
            "state has expired",
        ),
        (
            ResponseTemplate::new(400).set_body_raw("<h1>Bad request</h1>", "text/html"),
            400,
            "<h1>Bad request</h1>",
        ),
        (
            ResponseTemplate::new(422).set_body_json(json!({"detail": "state: field required"})),
            422,
            "field required",
        ),
    ];
    for (answer, status, message) in refusals {
        let server = MockServer::start().await;
        Mock::given(method("POST"))
            .and(path("/post-login-redirect"))
            .respond_with(answer)
            .mount(&server)
            .await;
        match client(&server.uri())
            .post_login_redirect("s-1", "user-42")
            .await
        {
            Err(Error::Api {
                status: s,
                message: m,
                ..
            }) => {
                assert_eq!(s.as_u16(), status);
                assert!(m.contains(message), "{m}");
            }
            other => panic!("{status}: expected Error::Api, got {other:?}"),
        }
    }
    for (status, body) in [
        (401, json!({"error": "bad key"})),
        (500, json!({"error": "boom"})),
    ] {
        let server = MockServer::start().await;
        Mock::given(method("POST"))
            .respond_with(ResponseTemplate::new(status).set_body_json(body))
            .mount(&server)
            .await;
        let err = client(&server.uri())
            .post_login_redirect("s-1", "user-42")
            .await
            .unwrap_err();
        match (status, &err) {
            (401, Error::Unauthorized { .. }) | (500, Error::UnexpectedStatus { .. }) => {}
            _ => panic!("{status}: {err:?}"),
        }
        assert_no_key(&err);
    }
}

/// A 2xx whose body breaks off, or is larger than anything worth reading, is still a
/// success: NOX acted (the status says so), and the body is only read up to
/// `MAX_SHARE_ANSWER_BYTES`.
#[tokio::test]
async fn a_2xx_whose_body_breaks_off_or_is_huge_is_still_a_success() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        loop {
            let Ok((mut socket, _)) = listener.accept().await else {
                return;
            };
            let mut buf = vec![0u8; 4096];
            let _ = socket.read(&mut buf).await;
            let _ = socket
                .write_all(b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 100\r\n\r\n{\"nox_us")
                .await;
            // Closed with 92 bytes still owed.
        }
    });
    let shared = client(&format!("http://{addr}"))
        .post_login_redirect("s-1", "user-42")
        .await
        .expect("a 2xx whose body broke off is a success");
    assert_eq!(shared.nox_user_id, None);

    let server = MockServer::start().await;
    let huge = format!(
        "{{\"nox_user_id\": \"{}\"}}",
        "x".repeat(nox_auth::MAX_SHARE_ANSWER_BYTES)
    );
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(200).set_body_raw(huge, "application/json"))
        .mount(&server)
        .await;
    let shared = client(&server.uri())
        .post_login_redirect("s-1", "user-42")
        .await
        .expect("a 2xx too large to read is a success");
    assert_eq!(shared.nox_user_id, None, "not read past the bound");
}

/// A 429 stays what it is: retryable, with NOX's `Retry-After` (not turned into a refusal).
#[tokio::test]
async fn a_429_keeps_its_retry_after() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(
            ResponseTemplate::new(429)
                .insert_header("retry-after", "7")
                .set_body_json(json!({"error": "slow down"})),
        )
        .mount(&server)
        .await;
    let no_retries = nox_auth::Client::builder()
        .api_key(KEY)
        .base_url(server.uri())
        .retry(nox_auth::RetryPolicy::none())
        .build()
        .unwrap();
    let err = no_retries
        .post_login_redirect("s-1", "user-42")
        .await
        .unwrap_err();
    match &err {
        Error::UnexpectedStatus {
            status,
            retry_after,
            ..
        } => {
            assert_eq!(status.as_u16(), 429);
            assert_eq!(*retry_after, Some(std::time::Duration::from_secs(7)));
        }
        other => panic!("{other:?}"),
    }
    assert!(err.is_retryable());
}
