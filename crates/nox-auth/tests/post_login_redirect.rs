//! `Client::post_login_redirect` (the NOX-initiated link) against a local server: what it
//! sends, what it refuses before sending, and that an answer that may come after NOX
//! acted (502) is not retried (NOX's state is single use).

mod common;

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
