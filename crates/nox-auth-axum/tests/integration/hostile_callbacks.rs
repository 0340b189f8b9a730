//! A pending link that a stray request cannot burn and a forged callback cannot take: the
//! state nonce, the order of the finish checks, a new session id at start, and NOX
//! refusing a redirect URL with a query.

use crate::common;

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
            "This callback does not belong to a link started in this browser. Start linking again."
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

/// A NOX on 127.0.0.1 that answers every link-session request with `status` and `body`.
async fn nox_answering(
    status: u16,
    body: serde_json::Value,
) -> (wiremock::MockServer, nox_auth::Client) {
    let server = wiremock::MockServer::start().await;
    wiremock::Mock::given(wiremock::matchers::method("POST"))
        .respond_with(wiremock::ResponseTemplate::new(status).set_body_json(body))
        .mount(&server)
        .await;
    let client = nox_auth::Client::builder()
        .api_key("k")
        .base_url(server.uri())
        .no_retries()
        .build()
        .unwrap();
    (server, client)
}

fn session_answer(redirect_url: &str) -> serde_json::Value {
    serde_json::json!({
        "link_url": "http://127.0.0.1/ui?token=t1&language=nl", "link_token": "t1", "language": "nl",
        "asset_type": "hp", "redirect_url": redirect_url, "supplier": "Acme Energy",
        "supplier_user_id": "alice", "created_at": 1703123456, "expires_at": 1703124056,
        "brand": null, "completed_at": null
    })
}

#[tokio::test]
async fn nox_not_keeping_the_nonce_says_how_to_do_without_it() {
    let store = Arc::new(tower_sessions::MemoryStore::default());
    let session = Session::new(None, store, None);
    let request = || SupplierLinkRequest::new("alice", AssetType::Hp, "https://shop.example/cb");
    // NOX refuses the redirect URL with the nonce in its query.
    let (_nox, client) = nox_answering(
        400,
        serde_json::json!({"error": "redirect_url must not have a query"}),
    )
    .await;
    let err = start_supplier_link(&client, &session, request())
        .await
        .unwrap_err();
    assert!(matches!(err, LinkError::StateRefused { .. }), "{err:?}");
    assert!(err.to_string().contains("state_nonce(false)"), "{err}");
    assert_eq!(err.status(), StatusCode::BAD_GATEWAY);
    // The same refusal as a FastAPI-style 422 naming the field.
    let (_nox, client) = nox_answering(
        422,
        serde_json::json!({"detail": [{"loc": ["body", "redirect_url"], "msg": "must not have a query", "type": "value_error"}]}),
    )
    .await;
    let err = start_supplier_link(&client, &session, request())
        .await
        .unwrap_err();
    assert!(matches!(err, LinkError::StateRefused { .. }), "{err:?}");
    // A 422 for another field echoes the request, redirect_url and nonce included: NOX's
    // own error, not advice to turn the nonce off.
    let (_nox, client) = nox_answering(
        422,
        serde_json::json!({"detail": [{"loc": ["body", "user_id"], "msg": "Field required", "type": "missing",
                                       "input": {"redirect_url": "https://shop.example/cb?nox_state=abc"}}]}),
    )
    .await;
    let err = start_supplier_link(&client, &session, request())
        .await
        .unwrap_err();
    assert!(matches!(err, LinkError::Nox(_)), "{err:?}");
    assert!(!err.to_string().contains("state_nonce"), "{err}");
    // Another refusal is NOX's own: nothing tells the integrator to weaken the flow.
    let (_nox, client) =
        nox_answering(400, serde_json::json!({"error": "user_id is required"})).await;
    let err = start_supplier_link(&client, &session, request())
        .await
        .unwrap_err();
    assert!(matches!(err, LinkError::Nox(_)), "{err:?}");
    assert!(!err.to_string().contains("state_nonce"), "{err}");
    // NOX accepts it but answers a redirect_url without the nonce: every callback would
    // fail, so start fails now, loudly.
    let (_nox, client) = nox_answering(201, session_answer("https://shop.example/cb")).await;
    let err = start_supplier_link(&client, &session, request())
        .await
        .unwrap_err();
    assert!(matches!(err, LinkError::StateRefused { .. }), "{err:?}");
    // With the nonce off, the same NOX is fine.
    let off = FlowOptions::default().state_nonce(false);
    let redirect = start_supplier_link_with(&client, &session, request(), &off).await;
    assert!(redirect.is_ok(), "{redirect:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failed_start_keeps_the_session_and_the_earlier_link() {
    let nox = nox_mock::MockServer::start().await.unwrap();
    let db = temp_db("failed-start");
    let (base, _task) = backend(&db, &nox, None).await;
    let alice = browser();
    let callback = start_and_complete(&alice, &base, &nox, "alice").await;
    // A second start while NOX is down (every attempt answers 503); `/link-fresh` does not
    // reuse the pending link, so it asks NOX.
    nox.inject(
        Fault::status(503)
            .on(Operation::CreateSupplierLinkSession)
            .times(10),
    )
    .unwrap();
    let resp = alice
        .get(format!("{base}/link-fresh"))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::SERVICE_UNAVAILABLE);
    nox.clear_faults();
    // Still logged in, and the first link still finishes.
    let resp = alice.get(&callback).send().await.unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    assert_eq!(resp.text().await.unwrap(), "linked hp-1 for alice");
    let _ = std::fs::remove_dir_all(db.parent().unwrap());
}

/// A plain-http callback (the ids of the user and devices in clear) is refused before
/// anything is sent, whatever the flow adds to it; 400, nothing stored.
#[tokio::test]
async fn a_plain_http_callback_is_refused_at_start() {
    let store = Arc::new(tower_sessions::MemoryStore::default());
    let session = Session::new(None, store, None);
    let (nox, client) = nox_answering(201, session_answer("http://shop.example/cb")).await;
    let request = SupplierLinkRequest::new("alice", AssetType::Hp, "http://shop.example/cb");
    let err = start_supplier_link(&client, &session, request)
        .await
        .unwrap_err();
    assert!(
        matches!(&err, LinkError::Nox(nox_auth::Error::Validation(_))),
        "{err:?}"
    );
    assert_eq!(err.status(), StatusCode::BAD_REQUEST);
    assert!(err.to_string().contains("plain http"), "{err}");
    assert!(nox.received_requests().await.unwrap().is_empty());
    let pending: Option<serde_json::Value> = session
        .get(nox_auth_axum::PENDING_SUPPLIER_KEY)
        .await
        .unwrap();
    assert!(pending.is_none());
}
