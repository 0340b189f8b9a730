//! The mock as a scriptable test double, over real HTTP on 127.0.0.1: the control API,
//! fault injection (over HTTP and from Rust), eviction and the bounded request log.

use std::sync::Arc;
use std::time::Duration;

use nox_auth::{AssetType, Client, Error, RetryPolicy, SupplierLinkRequest, callback};
use nox_mock::{Fault, ManualClock, MockConfig, MockServer};
use reqwest::StatusCode;
use serde_json::{Value, json};

fn http() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

async fn control(
    mock: &MockServer,
    method: &str,
    path: &str,
    body: Option<Value>,
) -> (StatusCode, Value) {
    let url = format!("{}{path}", mock.base_url());
    let req = match method {
        "GET" => http().get(url),
        "DELETE" => http().delete(url),
        _ => http().post(url),
    };
    let req = match body {
        Some(b) => req.json(&b),
        None => req,
    };
    let resp = req.send().await.unwrap();
    let status = resp.status();
    (status, resp.json().await.unwrap_or(Value::Null))
}

fn client(mock: &MockServer) -> Client {
    Client::builder()
        .api_key(mock.api_key())
        .base_url(mock.base_url())
        .retry(
            RetryPolicy::default()
                .initial_backoff(Duration::from_millis(5))
                .max_backoff(Duration::from_millis(10)),
        )
        .build()
        .unwrap()
}

fn request(user: &str) -> SupplierLinkRequest {
    SupplierLinkRequest::new(user, AssetType::Hp, "https://example.com/cb?state=s1")
}

#[tokio::test]
async fn control_api_lists_completes_expires_and_resets() {
    let mock = MockServer::start().await.unwrap();
    let c = client(&mock);
    let first = c
        .create_supplier_link_session(request("u1").brand(nox_auth::Brand::Vaillant))
        .await
        .unwrap();
    let second = c.create_supplier_link_session(request("u2")).await.unwrap();

    let (status, list) = control(&mock, "GET", "/_mock/sessions", None).await;
    assert_eq!(status, StatusCode::OK);
    let list = list.as_array().unwrap();
    assert_eq!(list.len(), 2);
    assert_eq!(list[0]["token"], first.link_token.as_str());
    assert_eq!(list[0]["user_id"], "u1");
    assert_eq!(list[0]["asset_type"], "hp");
    assert_eq!(list[0]["brand"], "vaillant");
    assert_eq!(list[0]["state"], "pending");
    assert!(list[0]["expires_at"].as_u64().unwrap() > 0);

    // Complete as the UI would: the redirect URL with ?data=, which the SDK decodes and
    // verifies (the mock encodes it with its own code, not the SDK's).
    let (status, done) = control(
        &mock,
        "POST",
        &format!("/_mock/sessions/{}/complete", first.link_token),
        Some(json!({"device_ids": ["hp-1", "hp-2"]})),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{done}");
    let redirect = done["redirect_url"].as_str().unwrap();
    assert!(
        redirect.starts_with("https://example.com/cb?state=s1&data="),
        "{redirect}"
    );
    let payload = callback::decode(redirect).unwrap();
    assert_eq!(
        payload.brand, "vaillant",
        "the pre-selected brand by default"
    );
    assert_eq!(payload.device_ids, ["hp-1", "hp-2"]);
    payload.verify_supplier(&first).unwrap();
    // Completing twice is a conflict.
    let (status, again) = control(
        &mock,
        "POST",
        &format!("/_mock/sessions/{}/complete", first.link_token),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert!(
        again["error"]
            .as_str()
            .unwrap()
            .contains("already completed")
    );

    // Expire now: the UI refuses it, the listing says so.
    let (status, _) = control(
        &mock,
        "POST",
        &format!("/_mock/sessions/{}/expire", second.link_token),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    assert!(matches!(
        mock.complete(
            &second.link_token,
            nox_auth::Brand::Daikin,
            vec!["d".into()]
        ),
        Err(nox_mock::Error::Complete(nox_mock::CompleteError::Expired))
    ));
    let (_, list) = control(&mock, "GET", "/_mock/sessions", None).await;
    assert_eq!(list[0]["state"], "completed");
    assert!(list[0]["callback_url"].as_str().unwrap().contains("data="));
    assert_eq!(list[1]["state"], "expired");
    for path in [
        "/_mock/sessions/nope/expire",
        "/_mock/sessions/nope/complete",
    ] {
        let (status, body) = control(&mock, "POST", path, None).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{path}");
        assert_eq!(body["error"], "unknown link token");
    }

    // The request log has the API calls, not the control ones.
    let (_, requests) = control(&mock, "GET", "/_mock/requests", None).await;
    let paths: Vec<&str> = requests
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["path"].as_str().unwrap())
        .collect();
    assert_eq!(
        paths,
        ["/v2/supplier/link-sessions", "/v2/supplier/link-sessions"]
    );

    let (status, _) = control(&mock, "POST", "/_mock/reset", None).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    assert!(mock.sessions().is_empty() && mock.requests().is_empty());
    assert!(mock.session(&first.link_token).is_none());
}

#[tokio::test]
async fn faults_over_http_reach_the_sdk_as_its_typed_errors() {
    let mock = MockServer::start().await.unwrap();
    let no_retries = Client::builder()
        .api_key(mock.api_key())
        .base_url(mock.base_url())
        .no_retries()
        .timeout(Duration::from_millis(400))
        .build()
        .unwrap();

    // The next 2 creations answer 429 with Retry-After.
    let (status, armed) = control(
        &mock,
        "POST",
        "/_mock/faults",
        Some(json!({"operation": "create_supplier_link_session", "times": 2, "kind": "status", "status": 429, "retry_after": 1})),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{armed}");
    for _ in 0..2 {
        let e = no_retries
            .create_supplier_link_session(request("u"))
            .await
            .unwrap_err();
        match &e {
            Error::UnexpectedStatus {
                status,
                retry_after,
                ..
            } => {
                assert_eq!(status.as_u16(), 429);
                assert_eq!(*retry_after, Some(Duration::from_secs(1)));
            }
            other => panic!("{other:?}"),
        }
        assert!(e.is_retryable());
    }
    no_retries
        .create_supplier_link_session(request("u"))
        .await
        .expect("the fault is used up");

    // A fault for another operation does not touch this one.
    control(
        &mock,
        "POST",
        "/_mock/faults",
        Some(json!({"operation": "create_link_session", "kind": "status", "status": 500})),
    )
    .await;
    no_retries
        .create_supplier_link_session(request("u"))
        .await
        .unwrap();
    let (_, listed) = control(&mock, "GET", "/_mock/faults", None).await;
    assert_eq!(
        listed.as_array().unwrap().len(),
        1,
        "still armed for v1: {listed}"
    );
    let (status, _) = control(&mock, "DELETE", "/_mock/faults", None).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    assert!(mock.faults().is_empty());

    // 401 → Unauthorized; 500 → not retryable; malformed → InvalidResponse; late → timeout.
    mock.inject(Fault::status(401)).unwrap();
    let e = no_retries
        .create_supplier_link_session(request("u"))
        .await
        .unwrap_err();
    assert!(matches!(e, Error::Unauthorized { .. }), "{e:?}");
    mock.inject(Fault::status(500)).unwrap();
    let e = no_retries
        .create_supplier_link_session(request("u"))
        .await
        .unwrap_err();
    assert_eq!(e.status(), Some(StatusCode::INTERNAL_SERVER_ERROR));
    assert!(!e.is_retryable());
    mock.inject(Fault::malformed().on(nox_mock::Operation::CreateSupplierLinkSession))
        .unwrap();
    let e = no_retries
        .create_supplier_link_session(request("u"))
        .await
        .unwrap_err();
    assert!(matches!(e, Error::InvalidResponse { .. }), "{e:?}");
    mock.inject(Fault::delay(Duration::from_millis(1500)))
        .unwrap();
    let e = no_retries
        .create_supplier_link_session(request("u"))
        .await
        .unwrap_err();
    assert!(
        matches!(
            e,
            Error::Transport {
                kind: nox_auth::TransportKind::Timeout,
                ..
            }
        ),
        "{e:?}"
    );

    // With retries, two 503s are ridden out.
    mock.inject(Fault::status(503).times(2)).unwrap();
    client(&mock)
        .create_supplier_link_session(request("u"))
        .await
        .expect("retried past two 503s");
    assert!(mock.faults().is_empty());

    // Faults out of range are refused with the reason.
    for bad in [
        json!({"kind": "status", "status": 200}),
        json!({"kind": "status", "status": 503, "times": 0}),
        json!({"kind": "normal", "delay_ms": 600000}),
        json!({"kind": "explode"}),
    ] {
        let (status, body) = control(&mock, "POST", "/_mock/faults", Some(bad.clone())).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{bad}");
        assert!(body["error"].is_string(), "{body}");
    }
    assert!(mock.inject(Fault::status(200)).is_err());
}

#[tokio::test]
async fn sessions_are_evicted_after_expiry_and_capped() {
    let clock = ManualClock::at_unix(1_703_123_456);
    let mock = MockServer::start_with(
        MockConfig::default()
            .clock(Arc::new(clock.clone()))
            .session_ttl(Duration::from_secs(600))
            .session_retention(Duration::from_secs(300))
            .max_sessions(3),
    )
    .await
    .unwrap();
    let c = client(&mock);
    let old = c
        .create_supplier_link_session(request("old"))
        .await
        .unwrap();
    // Expired, but within the retention: still listed.
    clock.advance(Duration::from_secs(600 + 299));
    let mid = c
        .create_supplier_link_session(request("mid"))
        .await
        .unwrap();
    assert!(mock.session(&old.link_token).is_some());
    // Past expiry + retention: gone at the next creation.
    clock.advance(Duration::from_secs(2));
    c.create_supplier_link_session(request("new"))
        .await
        .unwrap();
    assert!(mock.session(&old.link_token).is_none(), "evicted");
    assert!(mock.session(&mid.link_token).is_some());
    // The cap: at most 3, the oldest goes first.
    for user in ["a", "b", "c"] {
        c.create_supplier_link_session(request(user)).await.unwrap();
    }
    let users: Vec<String> = mock.sessions().into_iter().map(|s| s.user_id).collect();
    assert_eq!(users, ["a", "b", "c"]);
}

#[tokio::test]
async fn the_request_log_is_a_bounded_ring_and_long_targets_are_refused() {
    let mock = MockServer::start_with(MockConfig::default().request_log_capacity(5))
        .await
        .unwrap();
    for i in 0..12 {
        http()
            .get(format!("{}/v2/nothing-{i}", mock.base_url()))
            .send()
            .await
            .unwrap();
    }
    let paths: Vec<String> = mock.requests().into_iter().map(|r| r.path).collect();
    assert_eq!(
        paths,
        (7..12)
            .map(|i| format!("/v2/nothing-{i}"))
            .collect::<Vec<_>>()
    );

    // A 60 KB path: 400 with the version's error body, and nothing kept of it.
    let long = format!("{}/users/{}/link", mock.base_url(), "x".repeat(60_000));
    let resp = http().post(long).json(&json!({})).send().await.unwrap();
    assert_eq!(resp.status(), StatusCode::BAD_REQUEST);
    let body: Value = resp.json().await.unwrap();
    assert!(
        body["error"]
            .as_str()
            .unwrap()
            .contains("longer than 2048 bytes"),
        "{body}"
    );
    assert_eq!(body["success"], false, "v1's error envelope");
    assert!(mock.requests().iter().all(|r| r.path.len() < 300));
}

#[tokio::test]
async fn a_mistyped_operation_is_refused_with_the_valid_names() {
    let mock = MockServer::start().await.unwrap();
    // Over HTTP: 400 naming the typo and listing every operation; nothing armed.
    for typo in [
        "createSupplierLinkSesion",
        "create_supplier_link_sesion",
        "",
    ] {
        let (status, body) = control(
            &mock,
            "POST",
            "/_mock/faults",
            Some(json!({"operation": typo, "kind": "status", "status": 503})),
        )
        .await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{typo}: {body}");
        let text = body.to_string();
        assert!(text.contains("unknown operation"), "{text}");
        for op in nox_mock::Operation::ALL {
            assert!(text.contains(op.name()), "{text} lacks {op}");
        }
    }
    assert!(mock.faults().is_empty());
    // The spec's operationId is read as the same operation, and listed by its one name.
    let (status, armed) = control(
        &mock,
        "POST",
        "/_mock/faults",
        Some(
            json!({"operation": "createManufacturerLinkSession", "kind": "status", "status": 503}),
        ),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{armed}");
    assert_eq!(
        armed["operation"], "create_manufacturer_link_session",
        "the answer is the fault armed"
    );
    assert_eq!(
        mock.faults()[0].operation,
        Some(nox_mock::Operation::CreateManufacturerLinkSession)
    );
    // In Rust the operation is typed; a name read from text is checked the same way.
    let err = "createSupplierLinkSesion"
        .parse::<nox_mock::Operation>()
        .unwrap_err();
    assert!(
        err.to_string().contains("create_supplier_link_session"),
        "{err}"
    );
    // A fault the mock refuses is a typed error that `?` carries into any error type.
    let refused: Result<(), Box<dyn std::error::Error>> = (|| {
        mock.inject(nox_mock::Fault::status(200))?;
        Ok(())
    })();
    let refused = refused.unwrap_err().to_string();
    assert!(refused.contains("status must be 400–599"), "{refused}");
}
