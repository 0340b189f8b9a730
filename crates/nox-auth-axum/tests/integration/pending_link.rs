//! The pending link beyond the supplier flow's happy path: the manufacturer flow against
//! stray and forged callbacks, a pending link stored by 0.1 (no nonce), a start whose
//! `link_url` the facade refuses, a double click, and links started in several tabs.

use crate::common;

use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use common::{backend, browser, start_manufacturer_and_complete, temp_db};
use nox_auth::callback::{CallbackPayload, VerifyOptions};
use nox_auth::{AssetType, SupplierLinkRequest, SupplierLinkSession};
use nox_auth_axum::{
    LinkError, PENDING_SUPPLIER_KEY, finish_supplier_link_at, start_supplier_link,
};
use reqwest::StatusCode;
use tower_sessions::Session;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_manufacturer_flow_keeps_its_link_for_the_real_callback() {
    let nox = nox_mock::MockServer::start().await.unwrap();
    let db = temp_db("manufacturer-hostile");
    let (base, _task) = backend(&db, &nox, None).await;
    let erin = browser();
    let callback = start_manufacturer_and_complete(&erin, &base, &nox, "erin", "inv-1").await;
    let forged = CallbackPayload::new(
        "nox-attacker",
        "erin",
        "acme",
        vec!["attacker-device".into()],
        SystemTime::now(),
    )
    .encode();
    let cb = format!("{base}/nox/manufacturer-callback");
    for (url, want) in [
        (cb.clone(), StatusCode::BAD_REQUEST),
        (format!("{cb}?data={forged}"), StatusCode::FORBIDDEN),
        (
            format!("{cb}?nox_state=wrong&data={forged}"),
            StatusCode::FORBIDDEN,
        ),
    ] {
        let resp = erin.get(&url).send().await.unwrap();
        assert_eq!(resp.status(), want, "{url}");
    }
    let resp = erin.get(&callback).send().await.unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    assert_eq!(resp.text().await.unwrap(), "linked inv-1 for erin");
    let _ = std::fs::remove_dir_all(db.parent().unwrap());
}

/// A pending link as 0.1 stored it (the bare link session, no nonce) still finishes after
/// an upgrade; without a nonce there is none to check (the CHANGELOG says so).
#[tokio::test]
async fn a_pending_link_stored_by_0_1_still_finishes() {
    let store = Arc::new(tower_sessions::MemoryStore::default());
    let session = Session::new(None, store, None);
    let link: SupplierLinkSession = serde_json::from_value(serde_json::json!({
        "link_url": "https://auth.nox.energy/ui?token=t", "link_token": "t", "user_id": "alice",
        "asset_type": "hp", "brand": null, "language": "nl", "redirect_url": "https://shop.example/cb",
        "supplier": "Acme", "created_at": 1703123456, "expires_at": 1703124056, "completed_at": null
    }))
    .unwrap();
    session.insert(PENDING_SUPPLIER_KEY, &link).await.unwrap();
    let at = |secs: u64| UNIX_EPOCH + Duration::from_secs(secs);
    let data = CallbackPayload::new(
        "nox-1",
        "alice",
        "daikin",
        vec!["hp-1".into()],
        at(1703123500),
    )
    .encode();
    let verified = finish_supplier_link_at(
        &session,
        "alice",
        &format!("https://shop.example/cb?data={data}"),
        at(1703123600),
        &VerifyOptions::default(),
    )
    .await
    .unwrap();
    assert_eq!(verified.link_token, "t");
}

/// A `link_url` the facade refuses (not NOX's, not https) ends the start with NOX's error
/// and stores no pending link: the browser is never sent there.
#[tokio::test]
async fn a_refused_link_url_stores_no_pending_link() {
    for hostile in [
        "javascript:alert(document.cookie)",
        "https://evil.example/ui?token=t1",
        "http://127.0.0.1.evil.example/ui?token=t1",
    ] {
        refused_link_url_stores_nothing(hostile).await;
    }
}

/// One start against a NOX answering `link_url`: refused, nothing stored.
async fn refused_link_url_stores_nothing(link_url: &'static str) {
    let server = wiremock::MockServer::start().await;
    wiremock::Mock::given(wiremock::matchers::method("POST"))
        .respond_with(move |req: &wiremock::Request| {
            // Echo the redirect URL (with the nonce), answer a hostile link_url.
            let sent: serde_json::Value = serde_json::from_slice(&req.body).unwrap();
            wiremock::ResponseTemplate::new(201).set_body_json(serde_json::json!({
                "link_url": link_url, "link_token": "t1", "language": "nl",
                "asset_type": "hp", "redirect_url": sent["redirect_url"], "supplier": "Acme",
                "supplier_user_id": "alice", "created_at": 1703123456, "expires_at": 1703124056,
                "brand": null, "completed_at": null
            }))
        })
        .mount(&server)
        .await;
    let client = nox_auth::Client::builder()
        .api_key("k")
        .base_url(server.uri())
        .build()
        .unwrap();
    let store = Arc::new(tower_sessions::MemoryStore::default());
    let session = Session::new(None, store, None);
    let request = SupplierLinkRequest::new("alice", AssetType::Hp, "https://shop.example/cb");
    let err = start_supplier_link(&client, &session, request)
        .await
        .unwrap_err();
    assert!(
        matches!(&err, LinkError::Nox(nox_auth::Error::InvalidResponse { reason, .. }) if reason.contains("link_url")),
        "{link_url}: {err:?}"
    );
    assert_eq!(err.status(), StatusCode::BAD_GATEWAY);
    let pending: Option<serde_json::Value> = session.get(PENDING_SUPPLIER_KEY).await.unwrap();
    assert!(pending.is_none(), "{pending:?}");
}

/// A double click on "link": the second start sends the browser to the same NOX session,
/// so the link both tabs finish is one. With reuse off, each start asks NOX.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_second_start_reuses_the_pending_link() {
    let nox = nox_mock::MockServer::start().await.unwrap();
    let db = temp_db("double-click");
    let (base, _task) = backend(&db, &nox, None).await;
    let alice = browser();
    alice
        .get(format!("{base}/login?user=alice"))
        .send()
        .await
        .unwrap();
    let mut locations = Vec::new();
    for _ in 0..2 {
        let resp = alice.get(format!("{base}/link")).send().await.unwrap();
        assert_eq!(resp.status(), StatusCode::SEE_OTHER);
        locations.push(resp.headers()["location"].to_str().unwrap().to_owned());
    }
    assert_eq!(locations[0], locations[1]);
    assert_eq!(nox.sessions().len(), 1, "one NOX session for both clicks");
    let token = nox_mock::link_token(&locations[0]).unwrap();
    let callback = nox
        .complete(&token, nox_auth::Brand::Daikin, vec!["hp-1".into()])
        .unwrap();
    let resp = alice.get(&callback).send().await.unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    // Another request (another brand, user or redirect URL) is not the same link.
    let store = Arc::new(tower_sessions::MemoryStore::default());
    let session = Session::new(None, store, None);
    let client = nox.client().unwrap();
    let req = || SupplierLinkRequest::new("bob", AssetType::Hp, "https://shop.example/cb");
    let first = start_supplier_link(&client, &session, req()).await.unwrap();
    let again = start_supplier_link(&client, &session, req()).await.unwrap();
    let other = start_supplier_link(&client, &session, req().brand(nox_auth::Brand::Vaillant))
        .await
        .unwrap();
    let (first, again, other) = (location(first), location(again), location(other));
    assert_eq!(first, again);
    assert_ne!(first, other);
    // Reuse off: a new NOX session each time.
    let off = nox_auth_axum::FlowOptions::default().reuse_pending(None);
    let before = nox.sessions().len();
    for _ in 0..2 {
        let started = nox_auth_axum::start_supplier_link_with(&client, &session, req(), &off).await;
        assert!(started.is_ok(), "{started:?}");
    }
    assert_eq!(nox.sessions().len(), before + 2);
    let _ = std::fs::remove_dir_all(db.parent().unwrap());
}

/// A pending link with less than `REUSE_MIN_VALIDITY` left is not reused: NOX's sessions
/// last 50 s here, so even a start right after the first asks NOX for a fresh link.
#[tokio::test]
async fn a_link_about_to_expire_is_not_reused() {
    let config = nox_mock::MockConfig::default().session_ttl(std::time::Duration::from_secs(50));
    let nox = nox_mock::MockServer::start_with(config).await.unwrap();
    let store = Arc::new(tower_sessions::MemoryStore::default());
    let session = Session::new(None, store, None);
    let client = nox.client().unwrap();
    let req = || SupplierLinkRequest::new("bob", AssetType::Hp, "https://shop.example/cb");
    let first = start_supplier_link(&client, &session, req()).await.unwrap();
    let again = start_supplier_link(&client, &session, req()).await.unwrap();
    assert_ne!(location(first), location(again));
    assert_eq!(
        nox.sessions().len(),
        2,
        "a fresh NOX session for the second start"
    );
}

/// The location a start answered with.
fn location(r: axum::response::Redirect) -> String {
    axum::response::IntoResponse::into_response(r).headers()["location"]
        .to_str()
        .unwrap()
        .to_owned()
}

/// Links started in several tabs for different requests each finish with their own
/// callback, in any order; beyond `MAX_PENDING` the oldest is dropped and its callback is
/// refused as foreign, while the others still finish.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn links_started_in_several_tabs_each_finish() {
    use nox_auth::Brand;
    use nox_auth_axum::{MAX_PENDING, finish_supplier_link_unconfirmed};

    let nox = nox_mock::MockServer::start().await.unwrap();
    let client = nox.client().unwrap();
    let store = Arc::new(tower_sessions::MemoryStore::default());
    let session = Session::new(None, store, None);
    let req = |brand: Brand| {
        SupplierLinkRequest::new("carol", AssetType::Hp, "https://shop.example/cb").brand(brand)
    };
    // Two tabs: a Daikin heat pump, then a Vaillant one. Both links stay pending.
    let mut callbacks = Vec::new();
    for (brand, device) in [(Brand::Daikin, "hp-d"), (Brand::Vaillant, "hp-v")] {
        let to = location(
            start_supplier_link(&client, &session, req(brand))
                .await
                .unwrap(),
        );
        let token = nox_mock::link_token(&to).unwrap();
        callbacks.push(nox.complete(&token, brand, vec![device.into()]).unwrap());
    }
    // Finished in the other order than started.
    for (callback, device) in [(&callbacks[1], "hp-v"), (&callbacks[0], "hp-d")] {
        let linked = finish_supplier_link_unconfirmed(&session, "carol", callback)
            .await
            .unwrap();
        assert_eq!(linked.device_ids, [device]);
    }
    // Single use each: nothing is pending now.
    let again = finish_supplier_link_unconfirmed(&session, "carol", &callbacks[0]).await;
    assert!(matches!(again, Err(LinkError::NoPendingLink)), "{again:?}");

    // MAX_PENDING + 1 starts for different requests: the first is dropped.
    let brands = [
        Brand::Daikin,
        Brand::Vaillant,
        Brand::Nibe,
        Brand::Bosch,
        Brand::Viessmann,
    ];
    assert!(brands.len() > MAX_PENDING);
    let mut tokens = Vec::new();
    for brand in brands {
        let to = location(
            start_supplier_link(&client, &session, req(brand))
                .await
                .unwrap(),
        );
        tokens.push((nox_mock::link_token(&to).unwrap(), brand));
    }
    let (dropped, brand) = &tokens[0];
    let callback = nox.complete(dropped, *brand, vec!["hp-0".into()]).unwrap();
    let refused = finish_supplier_link_unconfirmed(&session, "carol", &callback).await;
    assert!(
        matches!(refused, Err(LinkError::StateMismatch)),
        "{refused:?}"
    );
    let (kept, brand) = &tokens[brands.len() - MAX_PENDING];
    let callback = nox.complete(kept, *brand, vec!["hp-1".into()]).unwrap();
    let linked = finish_supplier_link_unconfirmed(&session, "carol", &callback)
        .await
        .unwrap();
    assert_eq!(linked.device_ids, ["hp-1"]);
}

/// A link without a nonce (stored by 0.1) beside a new one with a nonce: the start drops
/// it, so a forged callback without a nonce or with a wrong one finishes nothing, and the
/// real callback still links.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_forged_callback_finishes_no_link_beside_a_nonce_link() {
    use nox_auth_axum::finish_supplier_link_unconfirmed;

    let nox = nox_mock::MockServer::start().await.unwrap();
    let client = nox.client().unwrap();
    let store = Arc::new(tower_sessions::MemoryStore::default());
    let session = Session::new(None, store, None);
    let now = nox_auth::time::to_unix_secs(SystemTime::now()).unwrap();
    let old: SupplierLinkSession = serde_json::from_value(serde_json::json!({
        "link_url": "https://auth.nox.energy/ui?token=t0", "link_token": "t0", "user_id": "alice",
        "asset_type": "hp", "brand": null, "language": "nl", "redirect_url": "https://shop.example/cb",
        "supplier": "Acme", "created_at": now - 60, "expires_at": now + 540, "completed_at": null
    }))
    .unwrap();
    session.insert(PENDING_SUPPLIER_KEY, &old).await.unwrap();
    let to = location(
        start_supplier_link(
            &client,
            &session,
            SupplierLinkRequest::new("alice", AssetType::Hp, "https://shop.example/cb"),
        )
        .await
        .unwrap(),
    );
    let forged = CallbackPayload::new(
        "nox-mallory",
        "alice",
        "daikin",
        vec!["mallory-hp".into()],
        SystemTime::now(),
    )
    .encode();
    for url in [
        format!("https://shop.example/cb?data={forged}"),
        format!("https://shop.example/cb?nox_state=deadbeef&data={forged}"),
    ] {
        let refused = finish_supplier_link_unconfirmed(&session, "alice", &url).await;
        assert!(
            matches!(refused, Err(LinkError::StateMismatch)),
            "{url}: {refused:?}"
        );
    }
    let token = nox_mock::link_token(&to).unwrap();
    let callback = nox
        .complete(&token, nox_auth::Brand::Daikin, vec!["hp-a".into()])
        .unwrap();
    let linked = finish_supplier_link_unconfirmed(&session, "alice", &callback)
        .await
        .unwrap();
    assert_eq!(linked.device_ids, ["hp-a"]);
}
