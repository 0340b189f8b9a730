//! When the user starts at NOX, the edges, over real HTTP on 127.0.0.1 (nox-mock as NOX):
//! one form posted ten times at once, a decline racing an accept, the last second of the
//! window, NOX failing (back to NOX with `error=`), an unusable user id, a second return
//! URL, the headers that keep the pages out of frames.

use crate::common;
use crate::nox_login_world;

use std::sync::Arc;
use std::time::{Duration, SystemTime};

use common::browser;
use nox_auth::Operation;
use nox_auth_axum::nox_login::{self, ConsentForm, NoxLoginConfig, NoxLoginError};
use nox_login_world::{SAME_ORIGIN, TERMS, back, location, outcome, pairs, world};
use nox_mock::Fault;
use reqwest::StatusCode;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_form_posted_ten_times_at_once_reaches_nox_once() {
    let w = Arc::new(world().await);
    let b = browser();
    let (auth, consent) = w.start(&b, "alice").await;
    let consent = Arc::new(consent);
    // NOX answers slowly: the posts overlap while the first is at NOX.
    w.nox
        .inject(
            Fault::delay(Duration::from_millis(300))
                .on(Operation::PostLoginRedirect)
                .times(10),
        )
        .unwrap();
    let posts: Vec<_> = (0..10)
        .map(|_| {
            let (w, b, c) = (Arc::clone(&w), b.clone(), Arc::clone(&consent));
            tokio::spawn(async move {
                let resp = w.post(&b, &c, "accept", SAME_ORIGIN).await;
                (resp.status(), location(&resp))
            })
        })
        .collect();
    let mut answers = Vec::new();
    for post in posts {
        answers.push(post.await.unwrap());
    }
    assert_eq!(w.nox_calls(), 1, "NOX was called once");
    for (status, to) in &answers {
        assert_eq!(*status, StatusCode::SEE_OTHER);
        assert_eq!(pairs(to.as_deref().unwrap()), back(&auth.state, None));
    }
    assert!(answers.windows(2).all(|p| p[0] == p[1]), "{answers:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_decline_racing_an_accept_holds() {
    let w = Arc::new(world().await);
    let b = browser();
    // Decline first, then the accept of another tab: the decline's answer, NOX not called.
    let (auth, consent) = w.start(&b, "alice").await;
    let declined = w.post(&b, &consent, "decline", SAME_ORIGIN).await;
    let accepted = w.post(&b, &consent, "accept", SAME_ORIGIN).await;
    let denied = back(&auth.state, Some("access_denied"));
    assert_eq!(pairs(&location(&declined).unwrap()), denied);
    assert_eq!(location(&accepted), location(&declined));
    assert_eq!(w.nox_calls(), 0);
    assert_eq!(outcome(&b, &location(&accepted).unwrap()).await, "declined");
    assert!(
        w.nox
            .authorization(&auth.state)
            .unwrap()
            .supplier_user_id
            .is_none()
    );

    // At once: whichever comes first, both get its answer, NOX called only for an accept.
    let (auth, consent) = w.start(&b, "alice").await;
    let consent = Arc::new(consent);
    let race: Vec<_> = ["decline", "accept", "decline", "accept"]
        .into_iter()
        .map(|decision| {
            let (w, b, c) = (Arc::clone(&w), b.clone(), Arc::clone(&consent));
            tokio::spawn(async move { location(&w.post(&b, &c, decision, SAME_ORIGIN).await) })
        })
        .collect();
    let mut tos = Vec::new();
    for r in race {
        tos.push(r.await.unwrap().unwrap());
    }
    assert!(tos.windows(2).all(|p| p[0] == p[1]), "{tos:?}");
    let linked = w.nox.authorization(&auth.state).unwrap().supplier_user_id;
    if pairs(&tos[0]).len() == 2 {
        assert_eq!(w.nox_calls(), 0);
        assert!(linked.is_none(), "the decline holds");
    } else {
        assert_eq!(w.nox_calls(), 1);
        assert_eq!(linked.as_deref(), Some("alice"));
    }
}

/// A session on a fresh memory store, the config for `nox`, NOX's request for `state`.
fn library(nox: &nox_mock::MockServer) -> (tower_sessions::Session, NoxLoginConfig) {
    let store = Arc::new(tower_sessions::MemoryStore::default());
    let session = tower_sessions::Session::new(None, store, None);
    nox.set_supplier_login_url("https://shop.example/nox/authorize")
        .unwrap();
    let config = NoxLoginConfig::new("https://shop.example", &nox.nox_return_url(), TERMS).unwrap();
    (session, config)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_window_ends_at_fifteen_minutes_exactly_as_at_nox() {
    let nox = nox_mock::MockServer::start().await.unwrap();
    let (session, config) = library(&nox);
    let client = nox.client().unwrap();
    let t0 = SystemTime::UNIX_EPOCH + Duration::from_secs(1_700_000_000);
    let query = "state=edge";
    let login = nox_login::receive_nox_login_at(&config, &session, Some(query), t0)
        .await
        .unwrap();
    assert_eq!(login.expires_at, t0 + nox_login::NOX_LOGIN_WINDOW);
    let last = t0 + nox_login::NOX_LOGIN_WINDOW - Duration::from_millis(1);
    let again = nox_login::receive_nox_login_at(&config, &session, Some(query), last).await;
    assert!(again.is_ok(), "a millisecond before: still pending");
    let form = ConsentForm::new("edge", login.csrf_token(), TERMS, "accept");
    let at = t0 + nox_login::NOX_LOGIN_WINDOW;
    let headers = axum::http::HeaderMap::new();
    let answer =
        nox_login::answer_nox_login_at(&client, &config, &session, &headers, "alice", &form, at)
            .await;
    let Err(NoxLoginError::Expired { back_to_nox, .. }) = answer else {
        panic!("at 15:00 exactly the window is over: {answer:?}");
    };
    assert_eq!(
        pairs(&back_to_nox.unwrap()),
        back("edge", Some("access_denied"))
    );
    assert!(
        nox.requests()
            .iter()
            .all(|r| !r.path.ends_with("/post-login-redirect"))
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn nox_failing_sends_the_user_back_to_nox_with_an_error_and_the_acceptance_to_the_app() {
    let w = world().await;
    let b = browser();
    for (status, error) in [
        (500, "server_error"),
        (503, "temporarily_unavailable"),
        (400, "access_denied"),
    ] {
        w.nox
            .inject(
                Fault::status(status)
                    .on(Operation::PostLoginRedirect)
                    .times(5),
            )
            .unwrap();
        let (auth, consent) = w.start(&b, "alice").await;
        let resp = w.post(&b, &consent, "accept", SAME_ORIGIN).await;
        assert_eq!(resp.status(), StatusCode::SEE_OTHER, "{status}");
        let to = location(&resp).unwrap();
        assert_eq!(pairs(&to), back(&auth.state, Some(error)), "{status}");
        assert_eq!(outcome(&b, &to).await, "declined", "NOX's app hears of it");
        // A reload of the form's answer: the same place.
        let again = w.post(&b, &consent, "accept", SAME_ORIGIN).await;
        assert_eq!(location(&again).as_deref(), Some(to.as_str()));
        w.nox.clear_faults();
    }
    let failed = w.failed_acceptances.lock().unwrap().clone();
    assert_eq!(failed.len(), 3, "each acceptance handed to the app");
    assert!(
        failed
            .iter()
            .all(|a| a.supplier_user_id == "alice" && a.terms_version == TERMS)
    );

    // NOX not reachable at all: `temporarily_unavailable`.
    let (session, config) = library(&w.nox);
    let gone = nox_auth::Client::builder()
        .base_url("http://127.0.0.1:9")
        .api_key(w.nox.api_key())
        .build()
        .unwrap();
    let login = nox_login::receive_nox_login(&config, &session, Some("state=s1"))
        .await
        .unwrap();
    let form = ConsentForm::new("s1", login.csrf_token(), TERMS, "accept");
    let headers = axum::http::HeaderMap::new();
    let e = nox_login::answer_nox_login(&gone, &config, &session, &headers, "bob", &form)
        .await
        .unwrap_err();
    assert_eq!(
        pairs(e.back_to_nox().unwrap()),
        back("s1", Some("temporarily_unavailable"))
    );
    assert_eq!(e.acceptance().unwrap().supplier_user_id, "bob");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unusable_user_id_is_refused_before_anything_is_consumed() {
    let nox = nox_mock::MockServer::start().await.unwrap();
    let (session, config) = library(&nox);
    let client = nox.client().unwrap();
    let auth = nox.authorize(None, None).unwrap();
    let query = format!("state={}", auth.state);
    let login = nox_login::receive_nox_login(&config, &session, Some(&query))
        .await
        .unwrap();
    let form = ConsentForm::new(&auth.state, login.csrf_token(), TERMS, "accept");
    let headers = axum::http::HeaderMap::new();
    let long = "u".repeat(nox_auth::MAX_SUPPLIER_USER_ID_LEN + 1);
    for bad in ["", "  ", long.as_str()] {
        let e = nox_login::answer_nox_login(&client, &config, &session, &headers, bad, &form)
            .await
            .unwrap_err();
        assert!(matches!(e, NoxLoginError::InvalidUserId { .. }), "{e:?}");
        assert_eq!(e.back_to_nox(), None);
    }
    assert_eq!(nox_login::accepted_terms(&session).await.unwrap(), None);
    // Still pending: the right id goes through.
    let ok = nox_login::answer_nox_login(&client, &config, &session, &headers, "alice", &form)
        .await
        .unwrap();
    assert!(!ok.repeated);
    assert_eq!(ok.accepted.unwrap().supplier_user_id, "alice");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_second_return_url_is_accepted_and_the_browser_goes_back_to_it() {
    let w = world().await;
    let b = browser();
    b.get(format!("{}/login?user=alice", w.base))
        .send()
        .await
        .unwrap();
    let auth = w.nox.authorize(None, None).unwrap();
    let maker = format!("{}/app/return?by=maker", w.nox.base_url());
    let mut url = url::Url::parse(&format!("{}/nox/authorize", w.base)).unwrap();
    url.query_pairs_mut()
        .append_pair("state", &auth.state)
        .append_pair("redirect_uri", &maker);
    let page = b.get(url).send().await.unwrap();
    assert_eq!(page.status(), StatusCode::OK);
    // The terms page and the answers are not to be framed.
    for (name, value) in [
        ("x-frame-options", "DENY"),
        ("content-security-policy", "frame-ancestors 'none'"),
    ] {
        assert_eq!(page.headers()[name], value);
    }
    let html = page.text().await.unwrap();
    let consent = nox_login_world::Consent {
        state: nox_login_world::field(&html, "state"),
        csrf: nox_login_world::field(&html, "csrf"),
    };
    let resp = w.post(&b, &consent, "accept", SAME_ORIGIN).await;
    assert_eq!(resp.headers()["x-frame-options"], "DENY");
    let to = location(&resp).unwrap();
    assert!(to.starts_with(&format!("{maker}&")), "{to}");
    assert_eq!(outcome(&b, &to).await, "linked");
    // A refusal is not framed either.
    let refused = w.post(&b, &consent, "maybe", SAME_ORIGIN).await;
    assert_eq!(refused.status(), StatusCode::BAD_REQUEST);
    assert_eq!(
        refused.headers()["content-security-policy"],
        "frame-ancestors 'none'"
    );
}
