//! The link flow in a real axum backend on 127.0.0.1, with tower-sessions on a SQLite file
//! and nox-mock as NOX: verified once, refused on replay, for another logged-in user and
//! after expiry, and still verified after a restart of the backend between start and
//! callback.

use crate::common;

use std::sync::Arc;

use common::{
    alice_callback, backend, browser, browser_with_jar, start_and_complete,
    start_manufacturer_and_complete, temp_db,
};
use nox_auth_axum::{
    LinkError, finish_manufacturer_link_unconfirmed, finish_supplier_link_unconfirmed,
};
use reqwest::StatusCode;
use tower_sessions::Session;

/// The same callback opened twice at once in one browser (a double click on NOX's last
/// button): tower-sessions has no atomic take, so both may read the pending link. Each
/// answer is then the same connection (200, same text) or "already used" (410), never an
/// error or another result, at least one finishes, and a later one is refused.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_same_callback_twice_at_once_finishes_one_link() {
    let nox = nox_mock::MockServer::start().await.unwrap();
    let db = temp_db("race");
    let (base, _task) = backend(&db, &nox, None).await;
    let alice = browser();
    for round in 0..5 {
        let callback = start_and_complete(&alice, &base, &nox, "alice").await;
        let (a, b) = tokio::join!(alice.get(&callback).send(), alice.get(&callback).send());
        let mut finished = 0;
        for resp in [a.unwrap(), b.unwrap()] {
            let status = resp.status();
            let text = resp.text().await.unwrap();
            match status {
                StatusCode::OK => {
                    assert_eq!(text, "linked hp-1 for alice", "round {round}");
                    finished += 1;
                }
                StatusCode::GONE => assert!(text.contains("already used"), "round {round}: {text}"),
                other => panic!("round {round}: {other} {text}"),
            }
        }
        assert!(finished >= 1, "round {round}: neither finished");
        let again = alice.get(&callback).send().await.unwrap();
        assert_eq!(again.status(), StatusCode::GONE, "round {round}");
    }
    let _ = std::fs::remove_dir_all(db.parent().unwrap());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn verified_once_then_refused_on_replay_and_for_another_user() {
    let nox = nox_mock::MockServer::start().await.unwrap();
    let db = temp_db("once");
    let (base, _task) = backend(&db, &nox, None).await;
    let alice = browser();
    let callback = start_and_complete(&alice, &base, &nox, "alice").await;
    let resp = alice.get(&callback).send().await.unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    assert_eq!(resp.text().await.unwrap(), "linked hp-1 for alice");
    // The same callback URL again: single use.
    let resp = alice.get(&callback).send().await.unwrap();
    assert_eq!(resp.status(), StatusCode::GONE);
    assert!(resp.text().await.unwrap().contains("already used"));

    // Started for alice, but bob is logged in in this browser when the callback comes.
    let callback = start_and_complete(&alice, &base, &nox, "alice").await;
    alice
        .get(format!("{base}/login?user=bob"))
        .send()
        .await
        .unwrap();
    let resp = alice.get(&callback).send().await.unwrap();
    assert_eq!(resp.status(), StatusCode::FORBIDDEN);
    assert_eq!(
        resp.text().await.unwrap(),
        "This link belongs to another account."
    );

    // A callback in a browser that never started linking: nothing pending.
    let mallory = browser();
    mallory
        .get(format!("{base}/login?user=alice"))
        .send()
        .await
        .unwrap();
    let resp = mallory.get(&callback).send().await.unwrap();
    assert_eq!(resp.status(), StatusCode::GONE);
    let _ = std::fs::remove_dir_all(db.parent().unwrap());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_callback_after_the_session_expired_is_refused() {
    // NOX's clock stands in 2023: the link session expired long before now.
    let nox = nox_mock::MockServer::start_with(
        nox_mock::MockConfig::default()
            .clock(Arc::new(nox_mock::ManualClock::at_unix(1_703_123_456))),
    )
    .await
    .unwrap();
    let db = temp_db("expired");
    let (base, _task) = backend(&db, &nox, None).await;
    let b = browser();
    let callback = start_and_complete(&b, &base, &nox, "carol").await;
    let resp = b.get(&callback).send().await.unwrap();
    assert_eq!(resp.status(), StatusCode::GONE);
    assert!(resp.text().await.unwrap().contains("expired"));
    let _ = std::fs::remove_dir_all(db.parent().unwrap());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_backend_restarts_between_start_and_callback() {
    let nox = nox_mock::MockServer::start().await.unwrap();
    let db = temp_db("restart");
    // The callback URL names a fixed public base, as behind a proxy: it survives the
    // restart even though the port does not.
    let public = "https://backend.example";
    let (base, task) = backend(&db, &nox, Some(public)).await;
    let (b, jar) = browser_with_jar();
    let callback = start_and_complete(&b, &base, &nox, "dave").await;
    task.abort();
    let _ = task.await;

    // A new process would open the same file; a new server on the same file does that here.
    let (base2, _task2) = backend(&db, &nox, Some(public)).await;
    let path = callback.strip_prefix(public).unwrap();
    // The browser's session cookie, set by the first server, goes to the second one (both
    // stand for the one public host).
    let cookie = reqwest::cookie::CookieStore::cookies(&*jar, &base.parse().unwrap());
    let resp = reqwest::Client::new()
        .get(format!("{base2}{path}"))
        .header("cookie", cookie.unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    assert_eq!(resp.text().await.unwrap(), "linked hp-1 for dave");
    let _ = std::fs::remove_dir_all(db.parent().unwrap());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_manufacturer_flow_is_single_use_too() {
    let nox = nox_mock::MockServer::start().await.unwrap();
    let db = temp_db("manufacturer");
    let (base, _task) = backend(&db, &nox, None).await;
    let b = browser();
    let callback = start_manufacturer_and_complete(&b, &base, &nox, "erin", "inv-9").await;
    // NOX keeps the redirect URL's query (the state nonce) and appends `data`.
    assert!(
        callback.starts_with(&format!("{base}/nox/manufacturer-callback?nox_state=")),
        "{callback}"
    );
    assert!(callback.contains("&data="), "{callback}");
    let resp = b.get(&callback).send().await.unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    assert_eq!(resp.text().await.unwrap(), "linked inv-9 for erin");
    assert_eq!(
        b.get(&callback).send().await.unwrap().status(),
        StatusCode::GONE
    );
    // A supplier callback does not consume a manufacturer link, nor the reverse.
    let supplier_cb = callback.replace("/nox/manufacturer-callback", "/nox/callback");
    assert_eq!(
        b.get(&supplier_cb).send().await.unwrap().status(),
        StatusCode::GONE
    );
    let _ = std::fs::remove_dir_all(db.parent().unwrap());
}

#[tokio::test]
async fn a_callback_without_a_known_session_says_so() {
    let store = Arc::new(tower_sessions::MemoryStore::default());
    // A payload that decodes and names alice: what is missing is the session.
    let callback = &alice_callback();
    // No session cookie at all (what a SameSite=Strict cookie gives after NOX's redirect).
    let no_cookie = Session::new(None, store.clone(), None);
    let err = finish_supplier_link_unconfirmed(&no_cookie, "alice", callback)
        .await
        .unwrap_err();
    assert!(matches!(err, LinkError::NoSession), "{err:?}");
    assert_eq!(err.status(), StatusCode::GONE);
    assert!(err.to_string().contains("SameSite=Strict"), "{err}");
    // A cookie naming a session the store does not know (expired, or made up).
    let unknown = Session::new(Some(tower_sessions::session::Id::default()), store, None);
    let err = finish_manufacturer_link_unconfirmed(&unknown, "alice", callback)
        .await
        .unwrap_err();
    assert!(matches!(err, LinkError::NoSession), "{err:?}");
    // The page text names neither the user nor the mechanism.
    assert!(!err.public_message().contains("alice"));
    assert!(!err.public_message().contains("SameSite"));
}
