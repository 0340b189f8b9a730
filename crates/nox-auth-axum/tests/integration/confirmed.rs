//! Finishing confirms at NOX (the mock's Package API): a callback the user edited to claim
//! another user's device is refused although it carries the right nonce; a device NOX
//! wants linked again answers 409; a device NOX has not listed yet answers 503 and keeps
//! the verified connection for a later confirm.

use crate::common;

use std::sync::Arc;
use std::time::{Duration, SystemTime};

use common::{backend, browser, temp_db};
use nox_auth::callback::CallbackPayload;
use nox_auth::{AssetType, Brand, ConfirmError, ConfirmOptions, SupplierLinkRequest};
use nox_auth_axum::{LinkError, STATE_PARAM, finish_supplier_link_with, start_supplier_link};
use nox_mock::DeviceMark;
use reqwest::StatusCode;
use tower_sessions::Session;

/// Logs `user` in and starts a link; the link token NOX gave.
async fn start(browser: &reqwest::Client, base: &str, user: &str) -> String {
    browser
        .get(format!("{base}/login?user={user}"))
        .send()
        .await
        .unwrap();
    let resp = browser.get(format!("{base}/link")).send().await.unwrap();
    assert_eq!(resp.status(), StatusCode::SEE_OTHER);
    nox_mock::link_token(resp.headers()["location"].to_str().unwrap()).unwrap()
}

async fn get(browser: &reqwest::Client, url: &str) -> (StatusCode, String) {
    let resp = browser.get(url).send().await.unwrap();
    (resp.status(), resp.text().await.unwrap())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_callback_claiming_another_users_device_is_not_confirmed() {
    let nox = nox_mock::MockServer::start().await.unwrap();
    let db = temp_db("confirm-claim");
    let (base, _task) = backend(&db, &nox, None).await;
    // Mallory links her heat pump: NOX lists it for mallory.
    let mallory = browser();
    let token = start(&mallory, &base, "mallory").await;
    let callback = nox
        .complete(&token, Brand::Daikin, vec!["hp-mallory".into()])
        .unwrap();
    assert_eq!(get(&mallory, &callback).await.0, StatusCode::OK);

    // Alice starts a link and, instead of NOX's callback, opens one she built: her own
    // nonce and user, but mallory's device. Everything the session can check holds.
    let alice = browser();
    let token = start(&alice, &base, "alice").await;
    let redirect = nox.session(&token).unwrap().redirect_url;
    let nonce = url::Url::parse(&redirect)
        .unwrap()
        .query_pairs()
        .find(|(k, _)| k == STATE_PARAM)
        .unwrap()
        .1
        .into_owned();
    let claim = CallbackPayload::new(
        "nox-alice",
        "alice",
        "daikin",
        vec!["hp-mallory".into()],
        SystemTime::now(),
    )
    .encode();
    let (status, text) = get(
        &alice,
        &format!("{base}/nox/callback?{STATE_PARAM}={nonce}&data={claim}"),
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{text}");
    assert_eq!(text, "NOX does not confirm this link for your account.");
    // Single use: the pending link is consumed by a callback that decoded with its nonce.
    let real = nox
        .complete(&token, Brand::Daikin, vec!["hp-alice".into()])
        .unwrap();
    assert_eq!(get(&alice, &real).await.0, StatusCode::GONE);
    let _ = std::fs::remove_dir_all(db.parent().unwrap());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_device_nox_wants_linked_again_answers_409() {
    let nox = nox_mock::MockServer::start().await.unwrap();
    let db = temp_db("confirm-reauth");
    let (base, _task) = backend(&db, &nox, None).await;
    let alice = browser();
    let token = start(&alice, &base, "alice").await;
    let callback = nox
        .complete(&token, Brand::Daikin, vec!["hp-a".into()])
        .unwrap();
    nox.mark_device("hp-a", DeviceMark::default().needs_reauthentication(true))
        .unwrap();
    let (status, text) = get(&alice, &callback).await;
    assert_eq!(status, StatusCode::CONFLICT, "{text}");
    assert!(text.contains("link this device again"), "{text}");
    let _ = std::fs::remove_dir_all(db.parent().unwrap());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_device_not_listed_yet_keeps_the_verified_connection() {
    let nox = nox_mock::MockServer::start().await.unwrap();
    nox.set_device_visibility_delay(Duration::from_secs(3600))
        .unwrap();
    let client = nox.client().unwrap();
    let store = Arc::new(tower_sessions::MemoryStore::default());
    let session = Session::new(None, store, None);
    let request = SupplierLinkRequest::new("bob", AssetType::Hp, "https://shop.example/cb");
    let to = start_supplier_link(&client, &session, request)
        .await
        .unwrap();
    let to = axum::response::IntoResponse::into_response(to).headers()["location"]
        .to_str()
        .unwrap()
        .to_owned();
    let token = nox_mock::link_token(&to).unwrap();
    let callback = nox
        .complete(&token, Brand::Daikin, vec!["hp-b".into()])
        .unwrap();
    let quick = ConfirmOptions::default()
        .max_wait(Duration::from_millis(600))
        .initial_backoff(Duration::from_millis(100));
    let err = finish_supplier_link_with(&client, &session, "bob", &callback, &quick)
        .await
        .unwrap_err();
    assert_eq!(err.status(), StatusCode::SERVICE_UNAVAILABLE, "{err}");
    let LinkError::NotConfirmed { connection, error } = err else {
        panic!("not NotConfirmed");
    };
    assert!(
        matches!(error, ConfirmError::NotVisibleYet { .. }),
        "{error}"
    );
    assert_eq!(connection.device_ids, ["hp-b"]);
    assert_eq!(connection.user_id, "bob");
}
