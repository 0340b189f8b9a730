//! A pending link that a stray request cannot burn and a forged callback cannot take: the
//! state nonce, the order of the finish checks, a new session id at start, and NOX
//! refusing a redirect URL with a query.

mod common;

use std::sync::Arc;
use std::time::SystemTime;

use common::{backend, browser, browser_with_jar, start_and_complete, temp_db};
use nox_auth::callback::CallbackPayload;
use nox_auth::{AssetType, SupplierLinkRequest};
use nox_auth_axum::{FlowOptions, LinkError, start_supplier_link, start_supplier_link_with};
use nox_mock::{Fault, Operation};
use reqwest::StatusCode;
use tower_sessions::Session;

/// A payload the attacker builds: the victim's user id, the attacker's NOX user and device.
fn forged(user: &str) -> String {
    CallbackPayload::new(
        "nox-attacker",
        user,
        "daikin",
        vec!["attacker-device".into()],
        SystemTime::now(),
    )
    .encode()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stray_and_foreign_requests_leave_the_pending_link_for_the_real_callback() {
    let nox = nox_mock::MockServer::start().await.unwrap();
    let db = temp_db("stray");
    let (base, _task) = backend(&db, &nox, None).await;
    let alice = browser();
    let callback = start_and_complete(&alice, &base, &nox, "alice").await;
    let get = |url: String| {
        let alice = alice.clone();
        async move {
            let resp = alice.get(url).send().await.unwrap();
            (resp.status(), resp.text().await.unwrap())
        }
    };
    // A top-level navigation to the bare callback page, a garbled URL, another user's
    // payload: each refused, none burns the link.
    assert_eq!(
        get(format!("{base}/nox/callback")).await.0,
        StatusCode::BAD_REQUEST
    );
    assert_eq!(
        get(format!("{base}/nox/callback?data=%%%garbage")).await.0,
        StatusCode::BAD_REQUEST
    );
    let (status, text) = get(format!("{base}/nox/callback?data={}", forged("bob"))).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{text}");
    // The forged payload naming alice, without the state and with a wrong one.
    for url in [
        format!("{base}/nox/callback?data={}", forged("alice")),
        format!(
            "{base}/nox/callback?nox_state={}&data={}",
            "0".repeat(64),
            forged("alice")
        ),
    ] {
        let (status, text) = get(url).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{text}");
        assert_eq!(
            text,
            "This callback does not belong to the link started in this browser."
        );
    }
    // The real callback still works, once.
    let (status, text) = get(callback.clone()).await;
    assert_eq!(
        (status, text.as_str()),
        (StatusCode::OK, "linked hp-1 for alice")
    );
    assert_eq!(get(callback).await.0, StatusCode::GONE);
    let _ = std::fs::remove_dir_all(db.parent().unwrap());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_state_nonce_travels_in_the_redirect_url_nox_got() {
    let nox = nox_mock::MockServer::start().await.unwrap();
    let db = temp_db("nonce");
    let (base, _task) = backend(&db, &nox, None).await;
    let callback = start_and_complete(&browser(), &base, &nox, "alice").await;
    let sessions = nox.sessions();
    let redirect = &sessions.last().unwrap().redirect_url;
    let state = redirect
        .split_once("nox_state=")
        .map(|(_, s)| s.to_owned())
        .unwrap_or_else(|| panic!("no nonce in {redirect}"));
    assert_eq!(state.len(), 64, "{state}");
    assert!(
        callback.contains(&format!("nox_state={state}&data=")),
        "{callback}"
    );
    // Two starts, two nonces.
    start_and_complete(&browser(), &base, &nox, "bob").await;
    let second = nox.sessions().last().unwrap().redirect_url.clone();
    assert!(!second.contains(&state), "{second}");
    let _ = std::fs::remove_dir_all(db.parent().unwrap());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_planted_session_id_is_replaced_at_start() {
    let nox = nox_mock::MockServer::start().await.unwrap();
    let db = temp_db("planted");
    let (base, _task) = backend(&db, &nox, None).await;
    let (victim, jar) = browser_with_jar();
    let url: reqwest::Url = base.parse().unwrap();
    // The session id the attacker planted (here: the one the login made, known to them).
    victim
        .get(format!("{base}/login?user=alice"))
        .send()
        .await
        .unwrap();
    let planted = reqwest::cookie::CookieStore::cookies(jar.as_ref(), &url).unwrap();
    let resp = victim.get(format!("{base}/link")).send().await.unwrap();
    assert_eq!(resp.status(), StatusCode::SEE_OTHER);
    let after = reqwest::cookie::CookieStore::cookies(jar.as_ref(), &url).unwrap();
    assert_ne!(planted, after, "start gave the session a new id");
    // The old id no longer opens the victim's session: the attacker holding it is not
    // logged in as alice, and cannot reach her pending link.
    let attacker = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let resp = attacker
        .get(format!("{base}/link"))
        .header("cookie", planted)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::UNAUTHORIZED);
    let _ = std::fs::remove_dir_all(db.parent().unwrap());
}

#[tokio::test]
async fn nox_refusing_the_nonce_says_how_to_do_without_it() {
    let nox = nox_mock::MockServer::start().await.unwrap();
    let client = nox.client().unwrap();
    let store = Arc::new(tower_sessions::MemoryStore::default());
    let request = || SupplierLinkRequest::new("alice", AssetType::Hp, "https://shop.example/cb");
    // NOX answers 400 to the redirect URL with the nonce in its query.
    nox.inject(Fault::status(400).on(Operation::CreateSupplierLinkSession))
        .unwrap();
    let session = Session::new(None, store.clone(), None);
    let err = start_supplier_link(&client, &session, request())
        .await
        .unwrap_err();
    assert!(matches!(err, LinkError::StateRefused(_)), "{err:?}");
    assert!(err.to_string().contains("state_nonce(false)"), "{err}");
    assert_eq!(err.status(), StatusCode::BAD_GATEWAY);
    // Turned off: the same refusal is NOX's own error, and without one the link starts
    // with the redirect URL as given.
    nox.inject(Fault::status(400).on(Operation::CreateSupplierLinkSession))
        .unwrap();
    let off = FlowOptions::default().state_nonce(false);
    let err = start_supplier_link_with(&client, &session, request(), &off)
        .await
        .unwrap_err();
    assert!(matches!(err, LinkError::Nox(_)), "{err:?}");
    let redirect = start_supplier_link_with(&client, &session, request(), &off).await;
    assert!(redirect.is_ok(), "{redirect:?}");
    assert_eq!(
        nox.sessions().last().unwrap().redirect_url,
        "https://shop.example/cb"
    );
}
