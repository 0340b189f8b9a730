//! The mock over real HTTP on 127.0.0.1, the rules of a session: expiry on the injected
//! clock, completion and re-linking, v1 redirects, and concurrent creation and completion.

use crate::common;

use std::collections::HashSet;
use std::sync::Arc;
use std::time::Duration;

use common::{create_session, http, post, supplier_body};
use nox_auth::callback;
use nox_mock::{CompleteError, ManualClock, MockConfig, MockServer};
use reqwest::StatusCode;
use serde_json::json;

#[tokio::test]
async fn expiry_uses_the_injected_clock_and_ttl() {
    let clock = ManualClock::at_unix(1_703_123_456);
    let mock = MockServer::start_with(
        MockConfig::default()
            .clock(Arc::new(clock.clone()))
            .session_ttl(Duration::from_secs(120)),
    )
    .await
    .unwrap();
    let s = create_session(&mock, supplier_body()).await;
    assert_eq!(s["created_at"], 1_703_123_456);
    assert_eq!(s["expires_at"], 1_703_123_576);
    let (status, v1) = post(
        &mock,
        "/users/u1/link",
        json!({"redirect_uri": "https://e.com/cb"}),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED);
    assert_eq!(
        v1["timestamp"], 1_703_123_456,
        "v1 envelopes use the injected clock too"
    );
    for (path, body) in [
        ("/users/u1/link", json!({})),
        ("/users/u1/nothing", json!({})),
    ] {
        let (status, err) = post(&mock, path, body).await;
        assert!(status.is_client_error(), "{path}");
        assert_eq!(
            err["timestamp"], 1_703_123_456,
            "{path}: v1 error envelopes use the injected clock: {err}"
        );
    }
    let token = s["link_token"].as_str().unwrap();
    clock.advance(Duration::from_secs(119));
    let s2 = create_session(&mock, supplier_body()).await;
    assert!(
        mock.complete(
            s2["link_token"].as_str().unwrap(),
            nox_auth::Brand::Daikin,
            vec!["d".into()]
        )
        .is_ok()
    );
    clock.advance(Duration::from_secs(1));
    assert!(matches!(
        mock.complete(token, nox_auth::Brand::Daikin, vec!["d".into()]),
        Err(nox_mock::Error::Complete(nox_mock::CompleteError::Expired))
    ));
    // The UI refuses it too, with an error page and no redirect.
    let resp = http()
        .get(format!("{}/ui?token={token}&language=en", mock.base_url()))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::GONE);
    assert!(resp.headers().get("location").is_none());
    assert!(resp.text().await.unwrap().contains("This link has expired"));
}

#[tokio::test]
async fn completion_rules_and_relinking() {
    let mock = MockServer::start().await.unwrap();
    let s = create_session(&mock, json!({"user_id": "u1", "asset_type": "hp", "redirect_url": "https://example.com/cb?state=abc", "brand": "vaillant"})).await;
    let token = s["link_token"].as_str().unwrap();
    assert!(
        matches!(
            mock.complete(token, nox_auth::Brand::Daikin, vec!["d".into()]),
            Err(nox_mock::Error::Complete(CompleteError::InvalidBrand(_)))
        ),
        "pre-selection honoured"
    );
    assert!(matches!(
        mock.complete(token, nox_auth::Brand::Vaillant, vec![]),
        Err(nox_mock::Error::Complete(
            nox_mock::CompleteError::NoDevices
        ))
    ));
    assert!(matches!(
        mock.complete("nope", nox_auth::Brand::Vaillant, vec!["d".into()]),
        Err(nox_mock::Error::Complete(
            nox_mock::CompleteError::UnknownToken
        ))
    ));
    let url = mock
        .complete(token, nox_auth::Brand::Vaillant, vec!["dev-A".into()])
        .unwrap();
    assert!(
        url.starts_with("https://example.com/cb?state=abc&data="),
        "{url}"
    );
    let first = callback::decode(&url).unwrap();
    assert_eq!(first.device_ids, vec!["dev-A"]);
    assert!(matches!(
        mock.complete(token, nox_auth::Brand::Vaillant, vec!["dev-A".into()]),
        Err(nox_mock::Error::Complete(
            nox_mock::CompleteError::AlreadyCompleted
        ))
    ));
    assert!(mock.session(token).unwrap().completed_at.is_some());

    // Re-link with the same user id: same NOX user, the new device replaces the old.
    let s2 = create_session(&mock, supplier_body()).await;
    let url = mock
        .complete(
            s2["link_token"].as_str().unwrap(),
            nox_auth::Brand::Daikin,
            vec!["dev-B".into()],
        )
        .unwrap();
    let second = callback::decode(&url).unwrap();
    assert_eq!(second.nox_user_id, first.nox_user_id);
    assert_eq!(mock.user("u1").unwrap().device_ids, vec!["dev-B"]);
    // Another user id is another NOX user.
    let s3 = create_session(
        &mock,
        json!({"user_id": "u2", "asset_type": "pv", "redirect_url": "https://example.com/cb"}),
    )
    .await;
    let pv_brand_on_hp = mock.complete(
        s3["link_token"].as_str().unwrap(),
        nox_auth::Brand::Daikin,
        vec!["x".into()],
    );
    assert!(
        matches!(
            pv_brand_on_hp,
            Err(nox_mock::Error::Complete(CompleteError::InvalidBrand(_)))
        ),
        "asset type checked on completion"
    );
    let url = mock
        .complete(
            s3["link_token"].as_str().unwrap(),
            nox_auth::Brand::Sma,
            vec!["x".into()],
        )
        .unwrap();
    assert_ne!(
        callback::decode(&url).unwrap().nox_user_id,
        first.nox_user_id
    );
}

#[tokio::test]
async fn v1_sessions_redirect_with_plain_parameters() {
    let mock = MockServer::start().await.unwrap();
    let (status, resp) = post(
        &mock,
        "/users/user_123/link",
        json!({"redirect_uri": "https://e.com/cb", "brand": "saunier-duval"}),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED);
    assert_eq!(resp["success"], true);
    assert_eq!(resp["data"]["brand"], "saunier-duval");
    assert_eq!(resp["data"]["supplier_user_id"], "user_123");
    let url = mock
        .complete(
            resp["data"]["link_token"].as_str().unwrap(),
            nox_auth::Brand::SaunierDuval,
            vec!["d1".into()],
        )
        .unwrap();
    let v1 = callback::decode_v1(&url).unwrap();
    assert_eq!(v1.supplier_user_id, "user_123");
    assert_eq!(v1.manufacturer, "saunier-duval");
    assert_eq!(v1.connection_status, "connected");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_creation_loses_nothing_and_each_session_completes_once() {
    let mock = Arc::new(MockServer::start().await.unwrap());
    let mut tasks = Vec::new();
    for t in 0..32 {
        let mock = mock.clone();
        tasks.push(tokio::spawn(async move {
            let client = mock.client().unwrap();
            let mut tokens = Vec::new();
            for i in 0..8 {
                let req = nox_auth::SupplierLinkRequest::new(
                    format!("user-{t}-{i}"),
                    nox_auth::AssetType::Hp,
                    "https://e.com/cb",
                );
                tokens.push(
                    client
                        .create_supplier_link_session(req)
                        .await
                        .unwrap()
                        .link_token,
                );
            }
            tokens
        }));
    }
    let mut tokens = Vec::new();
    for t in tasks {
        tokens.extend(t.await.unwrap());
    }
    assert_eq!(tokens.len(), 256);
    assert_eq!(
        tokens.iter().collect::<HashSet<_>>().len(),
        256,
        "tokens are unique"
    );
    assert_eq!(mock.sessions().len(), 256, "nothing lost");

    // Two racing completions per token: exactly one wins.
    let mut racers = Vec::new();
    for token in &tokens {
        for _ in 0..2 {
            let mock = mock.clone();
            let token = token.clone();
            racers.push(tokio::spawn(async move {
                mock.complete(&token, nox_auth::Brand::Daikin, vec!["d".into()])
                    .is_ok()
            }));
        }
    }
    let mut wins = 0;
    for r in racers {
        wins += usize::from(r.await.unwrap());
    }
    assert_eq!(wins, 256);
    assert!(mock.sessions().iter().all(|s| s.completed_at.is_some()));
}
