//! The deadline of a whole call, against real servers on 127.0.0.1: it cuts an attempt
//! short on a server that never answers, bounds the waits between retries, and applies
//! to a caller-supplied `reqwest::Client` when set there.

use crate::common;

use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use common::{KEY, assert_no_key, counting, request, session_body, silent_server};
use nox_auth::{Client, Error, RetryPolicy, TransportKind};
use wiremock::{MockServer, ResponseTemplate};

fn is_timeout(e: &Error) -> bool {
    matches!(
        e,
        Error::Transport {
            kind: TransportKind::Timeout,
            ..
        }
    )
}

#[tokio::test]
async fn the_deadline_cuts_an_attempt_on_a_server_that_never_answers() {
    let (base, accepted) = silent_server().await;
    let client = Client::builder()
        .api_key(KEY)
        .base_url(&base)
        .timeout(Duration::from_secs(120))
        .deadline(Duration::from_millis(400))
        .build()
        .unwrap();
    let started = Instant::now();
    let e = client
        .create_supplier_link_session(request())
        .await
        .unwrap_err();
    let elapsed = started.elapsed();
    assert!(is_timeout(&e), "{e:?}");
    assert_no_key(&e);
    assert!(e.to_string().contains("timeout"), "{e}");
    // The 120 s attempt timeout did not apply: the deadline did. (Bounds, not speed: the
    // upper one only says the call did not wait for the attempt timeout.)
    assert!(elapsed >= Duration::from_millis(400), "{elapsed:?}");
    assert!(elapsed < Duration::from_secs(60), "{elapsed:?}");
    assert_eq!(accepted.load(Ordering::SeqCst), 1);
}

#[tokio::test]
async fn a_wait_that_would_pass_the_deadline_is_not_made() {
    // NOX asks to come back in 20 s (within max_retry_after): a client without a deadline
    // would wait; with a 1 s deadline the 503 is returned at once, after one attempt.
    let server = MockServer::start().await;
    let count = counting(&server, |_| {
        ResponseTemplate::new(503).insert_header("retry-after", "20")
    })
    .await;
    let client = Client::builder()
        .api_key(KEY)
        .base_url(server.uri())
        .deadline(Duration::from_secs(1))
        .build()
        .unwrap();
    let started = Instant::now();
    let e = client
        .create_supplier_link_session(request())
        .await
        .unwrap_err();
    assert!(
        matches!(&e, Error::UnexpectedStatus { status, .. } if status.as_u16() == 503),
        "the answer in hand, not a timeout: {e:?}"
    );
    assert_eq!(count.load(Ordering::SeqCst), 1);
    assert!(started.elapsed() < Duration::from_secs(20));
}

#[tokio::test]
async fn retries_that_fit_in_the_deadline_are_made() {
    // The same 503, with a wait that fits: retried, and the second answer is used.
    let server = MockServer::start().await;
    let count = counting(&server, |n| {
        if n == 0 {
            ResponseTemplate::new(503).insert_header("retry-after", "0")
        } else {
            ResponseTemplate::new(201).set_body_json(session_body())
        }
    })
    .await;
    let client = Client::builder()
        .api_key(KEY)
        .base_url(server.uri())
        .deadline(Duration::from_secs(30))
        .build()
        .unwrap();
    let session = client
        .create_supplier_link_session(request())
        .await
        .expect("the retry succeeds");
    assert_eq!(session.link_token, "t1");
    assert_eq!(count.load(Ordering::SeqCst), 2);
}

#[tokio::test]
async fn backoff_stops_at_the_deadline() {
    // 502s with a backoff of 1–2 s and a 2.5 s deadline: the first wait (plus MIN_ATTEMPT,
    // 1 s) may fit, a second never does (at most 1.5 s are left after the first wait).
    let server = MockServer::start().await;
    let count = counting(&server, |_| ResponseTemplate::new(502)).await;
    let client = Client::builder()
        .api_key(KEY)
        .base_url(server.uri())
        .retry(
            RetryPolicy::default()
                .max_retries(5)
                .initial_backoff(Duration::from_millis(2000))
                .max_backoff(Duration::from_millis(2000)),
        )
        .deadline(Duration::from_millis(2500))
        .build()
        .unwrap();
    let e = client
        .create_supplier_link_session(request())
        .await
        .unwrap_err();
    assert!(
        matches!(&e, Error::UnexpectedStatus { status, .. } if status.as_u16() == 502),
        "{e:?}"
    );
    let n = count.load(Ordering::SeqCst);
    assert!((1..=2).contains(&n), "{n} attempts");
    assert!(n < 6, "the policy alone would have made 6 attempts");
}

#[tokio::test]
async fn a_caller_supplied_client_gets_the_deadline_it_sets() {
    let (base, _) = silent_server().await;
    // A client with no timeout at all: without a deadline this call would never end.
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let client = Client::builder()
        .api_key(KEY)
        .base_url(&base)
        .http_client(http)
        .deadline(Duration::from_millis(300))
        .build()
        .unwrap();
    let e = tokio::time::timeout(
        Duration::from_secs(60),
        client.create_supplier_link_session(request()),
    )
    .await
    .expect("the deadline ended the call")
    .unwrap_err();
    assert!(is_timeout(&e), "{e:?}");
}

#[tokio::test]
async fn a_caller_supplied_client_keeps_its_own_timeout_without_a_deadline() {
    let (base, _) = silent_server().await;
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(Duration::from_millis(300))
        .build()
        .unwrap();
    let client = Client::builder()
        .api_key(KEY)
        .base_url(&base)
        .http_client(http)
        .build()
        .unwrap();
    let e = tokio::time::timeout(
        Duration::from_secs(60),
        client.create_supplier_link_session(request()),
    )
    .await
    .expect("that client's 300 ms timeout ended the call (the default deadline did not replace it)")
    .unwrap_err();
    assert!(is_timeout(&e), "{e:?}");
}

#[tokio::test]
async fn a_caller_supplied_client_with_timeout_and_deadline_set_here() {
    // Both set on the builder: each attempt is bounded by the shorter of the two, whatever
    // the caller's client says (here: no timeout at all).
    let (base, _) = silent_server().await;
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let client = Client::builder()
        .api_key(KEY)
        .base_url(&base)
        .http_client(http)
        .timeout(Duration::from_millis(300))
        .deadline(Duration::from_secs(50))
        .build()
        .unwrap();
    let started = Instant::now();
    let e = tokio::time::timeout(
        Duration::from_secs(40),
        client.create_supplier_link_session(request()),
    )
    .await
    .expect("the 300 ms attempt timeout ended the call, not the 50 s deadline")
    .unwrap_err();
    assert!(is_timeout(&e), "{e:?}");
    assert!(started.elapsed() >= Duration::from_millis(300));
}
