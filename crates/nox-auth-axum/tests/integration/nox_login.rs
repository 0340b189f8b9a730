//! When the user starts at NOX, over real HTTP on 127.0.0.1: nox-mock plays NOX (its app
//! starts an authentication and sends the browser to the supplier's login page), a small
//! axum backend is the supplier's login page around `nox_auth_axum::nox_login`. The whole
//! walk, then each bad case: a foreign return URL, a replayed and an expired `state` (our
//! window and NOX's), a cross-site consent post, a user who declines.

use crate::common;
use crate::nox_login_world;

use std::sync::atomic::Ordering;
use std::time::Duration;

use common::browser;
use nox_auth::Listing;
use nox_auth_axum::nox_login;
use nox_login_world::{Consent, SAME_ORIGIN, TERMS, back, field, location, outcome, pairs, world};
use reqwest::StatusCode;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_user_starts_at_nox_logs_in_accepts_and_the_device_is_listed_for_them() {
    let w = world().await;
    let b = browser();
    let (auth, consent) = w.start(&b, "alice").await;
    let resp = w.post(&b, &consent, "accept", SAME_ORIGIN).await;
    assert_eq!(resp.status(), StatusCode::SEE_OTHER);
    let back = location(&resp).unwrap();
    // Back to NOX's return URL, with NOX's state unchanged.
    let url = url::Url::parse(&back).unwrap();
    assert!(
        back.starts_with(&format!("{}?", w.nox.nox_return_url())),
        "{back}"
    );
    let pairs: Vec<(String, String)> = url.query_pairs().into_owned().collect();
    assert_eq!(pairs, [("state".to_owned(), auth.state.clone())]);
    assert_eq!(w.nox_calls(), 1);
    assert_eq!(outcome(&b, &back).await, "linked");
    let at_nox = w.nox.authorization(&auth.state).unwrap();
    assert_eq!(at_nox.supplier_user_id.as_deref(), Some("alice"));

    // The acceptance is kept in the session (and was handed to the app).
    let terms = b.get(format!("{}/terms", w.base)).send().await.unwrap();
    assert_eq!(
        terms.text().await.unwrap(),
        format!("alice {TERMS} {}", auth.state)
    );

    // The heat pump is listed by the Package API for the supplier's user.
    let devices = w
        .nox
        .client()
        .unwrap()
        .link_health("alice", Listing::HeatPumps)
        .await
        .unwrap();
    assert!(
        devices.iter().any(|d| d.device_id == auth.device_id),
        "{devices:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_foreign_return_url_is_refused_without_a_redirect() {
    let w = world().await;
    let b = browser();
    b.get(format!("{}/login?user=alice", w.base))
        .send()
        .await
        .unwrap();
    let auth = w.nox.authorize(None, None).unwrap();
    let real = w.nox.nox_return_url();
    for foreign in [
        "https://evil.example/app/return".to_owned(),
        format!("{real}/"),
        format!("{real}?next=https://evil.example"),
        real.replace("http://", "https://"),
        real.to_uppercase(),
    ] {
        let mut url = url::Url::parse(&format!("{}/nox/authorize", w.base)).unwrap();
        url.query_pairs_mut()
            .append_pair("client_id", "nox")
            .append_pair("state", &auth.state)
            .append_pair("redirect_uri", &foreign);
        let resp = b.get(url).send().await.unwrap();
        assert_eq!(resp.status(), StatusCode::BAD_REQUEST, "{foreign}");
        assert_eq!(location(&resp), None, "never a redirect");
        assert!(
            resp.text()
                .await
                .unwrap()
                .contains("does not come from NOX")
        );
    }
    // Nothing was kept: a consent for that state finds no pending login; NOX never heard.
    let c = Consent {
        state: auth.state.clone(),
        csrf: "0".repeat(64),
    };
    let resp = w.post(&b, &c, "accept", SAME_ORIGIN).await;
    assert_eq!(resp.status(), StatusCode::GONE);
    assert_eq!(w.nox_calls(), 0);
    assert!(
        w.nox
            .authorization(&auth.state)
            .unwrap()
            .supplier_user_id
            .is_none()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_replayed_state_gets_the_same_answer_and_nox_refuses_it_in_another_browser() {
    let w = world().await;
    let b = browser();
    let (auth, consent) = w.start(&b, "alice").await;
    let resp = w.post(&b, &consent, "accept", SAME_ORIGIN).await;
    assert_eq!(resp.status(), StatusCode::SEE_OTHER);
    let first = location(&resp).unwrap();
    // The same form again: the same redirect, NOX not asked again.
    let again = w.post(&b, &consent, "accept", SAME_ORIGIN).await;
    assert_eq!(again.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&again).as_deref(), Some(first.as_str()));
    // NOX's login URL opened again in this browser: back to NOX the same way.
    let reopened = b.get(&auth.authorize_url).send().await.unwrap();
    assert_eq!(reopened.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&reopened).as_deref(), Some(first.as_str()));
    assert_eq!(w.nox_calls(), 1);

    // In another browser (no trace of it here): NOX refuses the used state, and the
    // user goes back to NOX with `error=access_denied`, not to an error page.
    let b2 = browser();
    b2.get(format!("{}/login?user=alice", w.base))
        .send()
        .await
        .unwrap();
    let page = b2.get(&auth.authorize_url).send().await.unwrap();
    let html = page.text().await.unwrap();
    let replay = Consent {
        state: field(&html, "state"),
        csrf: field(&html, "csrf"),
    };
    let resp = w.post(&b2, &replay, "accept", SAME_ORIGIN).await;
    assert_eq!(resp.status(), StatusCode::SEE_OTHER);
    let to = location(&resp).unwrap();
    assert_eq!(pairs(&to), back(&auth.state, Some("access_denied")));
    assert_eq!(w.nox_calls(), 2);
    let at_nox = w.nox.authorization(&auth.state).unwrap();
    assert_eq!(at_nox.supplier_user_id.as_deref(), Some("alice"));
    // The acceptance was handed to the app with NOX's refusal.
    let failed = w.failed_acceptances.lock().unwrap().clone();
    assert_eq!(failed.len(), 1);
    assert_eq!(failed[0].supplier_user_id, "alice");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_expired_state_is_refused_by_our_window_and_by_nox() {
    let w = world().await;
    let b = browser();
    let denied = |state: &str| back(state, Some("access_denied"));
    // Ours: 15 minutes and a second after our page received it, NOX is not asked; the
    // browser goes back to NOX with `error=access_denied`.
    let (auth, consent) = w.start(&b, "alice").await;
    w.ahead.store(15 * 60 + 1, Ordering::SeqCst);
    let resp = w.post(&b, &consent, "accept", SAME_ORIGIN).await;
    assert_eq!(resp.status(), StatusCode::SEE_OTHER);
    assert_eq!(pairs(&location(&resp).unwrap()), denied(&auth.state));
    assert_eq!(w.nox_calls(), 0);
    assert!(
        w.nox
            .authorization(&auth.state)
            .unwrap()
            .supplier_user_id
            .is_none()
    );
    // The login page opened again (after the login, say) past the window: refused too,
    // and a reload stays refused (the window does not restart), its form too.
    w.ahead.store(0, Ordering::SeqCst);
    let (auth, consent) = w.start(&b, "alice").await;
    w.ahead.store(15 * 60 + 5, Ordering::SeqCst);
    for visit in 0..2 {
        let resp = b.get(&auth.authorize_url).send().await.unwrap();
        assert_eq!(resp.status(), StatusCode::SEE_OTHER, "visit {visit}");
        assert_eq!(pairs(&location(&resp).unwrap()), denied(&auth.state));
    }
    let resp = w.post(&b, &consent, "accept", SAME_ORIGIN).await;
    assert_eq!(resp.status(), StatusCode::SEE_OTHER);
    assert_eq!(pairs(&location(&resp).unwrap()), denied(&auth.state));
    assert_eq!(w.nox_calls(), 0);
    w.ahead.store(0, Ordering::SeqCst);

    // NOX's: NOX's clock is past its 15 minutes while ours is not (the user's page was
    // opened late): NOX refuses, the user goes back to NOX with `error=access_denied`.
    let (auth, consent) = w.start(&b, "alice").await;
    w.clock.advance(Duration::from_secs(15 * 60 + 1));
    let resp = w.post(&b, &consent, "accept", SAME_ORIGIN).await;
    assert_eq!(resp.status(), StatusCode::SEE_OTHER);
    let to = location(&resp).unwrap();
    assert_eq!(pairs(&to), denied(&auth.state));
    assert_eq!(outcome(&b, &to).await, "declined");
    assert_eq!(w.nox_calls(), 1);
    assert!(
        w.nox
            .authorization(&auth.state)
            .unwrap()
            .supplier_user_id
            .is_none()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cross_site_consent_post_is_refused_and_nothing_is_sent() {
    let w = world().await;
    let b = browser();
    let (auth, consent) = w.start(&b, "alice").await;
    // With the right token (an attacker cannot read it, but the header check stands on
    // its own): another site's Origin or Sec-Fetch-Site is refused.
    for headers in [
        &[("sec-fetch-site", "cross-site")][..],
        &[("sec-fetch-site", "same-site")][..],
        &[("origin", "https://evil.example")][..],
        &[("origin", "null")][..],
    ] {
        let resp = w.post(&b, &consent, "accept", headers).await;
        assert_eq!(resp.status(), StatusCode::FORBIDDEN, "{headers:?}");
        assert_eq!(location(&resp), None);
    }
    // From our origin, but a token built elsewhere: refused too.
    let forged = Consent {
        state: consent.state.clone(),
        csrf: "f".repeat(64),
    };
    let origin = [("origin", w.base.as_str())];
    for (c, headers) in [(&forged, SAME_ORIGIN), (&forged, &origin[..])] {
        let resp = w.post(&b, c, "accept", headers).await;
        assert_eq!(resp.status(), StatusCode::FORBIDDEN);
        assert!(resp.text().await.unwrap().contains("does not belong"));
    }
    assert_eq!(w.nox_calls(), 0);
    assert!(
        w.nox
            .authorization(&auth.state)
            .unwrap()
            .supplier_user_id
            .is_none()
    );

    // The refused posts left the pending login in place: the real form still works.
    let resp = w.post(&b, &consent, "accept", &origin).await;
    assert_eq!(resp.status(), StatusCode::SEE_OTHER);
    assert_eq!(w.nox_calls(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_user_who_declines_goes_back_to_nox_with_access_denied() {
    let w = world().await;
    let b = browser();
    let (auth, consent) = w.start(&b, "alice").await;
    let resp = w.post(&b, &consent, "decline", SAME_ORIGIN).await;
    assert_eq!(resp.status(), StatusCode::SEE_OTHER);
    let back = location(&resp).unwrap();
    assert_eq!(
        pairs(&back),
        nox_login_world::back(&auth.state, Some("access_denied"))
    );
    assert_eq!(w.nox_calls(), 0, "NOX is not called for a decline");
    assert_eq!(outcome(&b, &back).await, "declined");
    let terms = b.get(format!("{}/terms", w.base)).send().await.unwrap();
    assert_eq!(terms.text().await.unwrap(), "none");
    // Declined is final: the form accepted afterwards gets the decline's answer again.
    let resp = w.post(&b, &consent, "accept", SAME_ORIGIN).await;
    assert_eq!(resp.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&resp).as_deref(), Some(back.as_str()));
    assert_eq!(w.nox_calls(), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn several_tabs_each_finish_and_the_oldest_beyond_the_bound_is_dropped() {
    let w = world().await;
    let b = browser();
    let mut started = Vec::new();
    for _ in 0..=nox_login::MAX_PENDING_NOX_LOGINS {
        started.push(w.start(&b, "alice").await);
    }
    // The oldest was dropped for the newest: its form finds nothing pending.
    let resp = w.post(&b, &started[0].1, "accept", SAME_ORIGIN).await;
    assert_eq!(resp.status(), StatusCode::GONE);
    for (auth, consent) in &started[1..] {
        let resp = w.post(&b, consent, "accept", SAME_ORIGIN).await;
        assert_eq!(resp.status(), StatusCode::SEE_OTHER, "{}", auth.state);
    }
    assert_eq!(w.nox_calls(), nox_login::MAX_PENDING_NOX_LOGINS);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_browser_form_post_mode_hands_the_browser_a_form_and_calls_nox_from_nowhere() {
    use axum::response::IntoResponse;
    use nox_auth_axum::nox_login::{BrowserStep, ConsentForm, NoxLoginConfig, ShareMode};

    let nox = nox_mock::MockServer::start().await.unwrap();
    let action = format!("{}/post-login-redirect", nox.base_url());
    let config = NoxLoginConfig::new("https://shop.example", &nox.nox_return_url(), TERMS)
        .unwrap()
        .share(ShareMode::BrowserFormPost {
            action: action.clone(),
        });
    let store = std::sync::Arc::new(tower_sessions::MemoryStore::default());
    let session = tower_sessions::Session::new(None, store, None);
    let query = format!("state=s%3C1%3E&redirect_uri={}", nox.nox_return_url());
    let login = nox_login::receive_nox_login(&config, &session, Some(&query))
        .await
        .unwrap();
    assert_eq!(login.state, "s<1>");
    let form = ConsentForm::new("s<1>", login.csrf_token(), TERMS, "accept");
    let headers = axum::http::HeaderMap::new();
    let client = nox.client().unwrap();
    let answer = nox_login::answer_nox_login(&client, &config, &session, &headers, "alice", &form)
        .await
        .unwrap();
    assert_eq!(
        answer.browser,
        BrowserStep::PostToNox {
            action,
            state: "s<1>".into(),
            supplier_user_id: "alice".into()
        }
    );
    assert!(answer.shared.is_none());
    assert_eq!(answer.accepted.as_ref().unwrap().terms_version, TERMS);
    let resp = answer.into_response();
    assert_eq!(resp.status(), StatusCode::OK);
    let body = axum::body::to_bytes(resp.into_body(), 1 << 16)
        .await
        .unwrap();
    let html = String::from_utf8(body.to_vec()).unwrap();
    assert!(
        html.contains("name=\"state\" value=\"s&lt;1&gt;\""),
        "{html}"
    );
    assert!(html.contains("name=\"supplier_user_id\" value=\"alice\""));
    assert!(
        !html.contains(nox.api_key()),
        "the key never reaches the browser"
    );
    let called = nox
        .requests()
        .iter()
        .any(|r| r.path.ends_with("/post-login-redirect"));
    assert!(!called, "the server did not call NOX");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_repeated_answer_is_given_only_to_the_user_who_answered() {
    let w = world().await;
    let b = browser();
    let (auth, consent) = w.start(&b, "bob").await;
    let resp = w.post(&b, &consent, "accept", SAME_ORIGIN).await;
    assert_eq!(resp.status(), StatusCode::SEE_OTHER);
    let first = location(&resp).unwrap();
    assert_eq!(pairs(&first), back(&auth.state, None));
    // Another account logs in to the same browser and posts bob's form again, with
    // whatever decision and terms: refused with a page, no redirect.
    b.get(format!("{}/login?user=mallory", w.base))
        .send()
        .await
        .unwrap();
    for (decision, terms) in [("accept", TERMS), ("decline", "bogus")] {
        let resp = w
            .post_terms(&b, &consent, decision, terms, SAME_ORIGIN)
            .await;
        assert_eq!(resp.status(), StatusCode::GONE, "{decision}");
        assert_eq!(location(&resp), None, "{decision}: no redirect");
        let text = resp.text().await.unwrap();
        assert!(
            !text.contains(&auth.state) && !text.contains("bob"),
            "{text}"
        );
    }
    // bob again, with another decision: the first answer (his), NOX not asked again.
    b.get(format!("{}/login?user=bob", w.base))
        .send()
        .await
        .unwrap();
    let resp = w
        .post_terms(&b, &consent, "decline", "bogus", SAME_ORIGIN)
        .await;
    assert_eq!(location(&resp).as_deref(), Some(first.as_str()));
    assert_eq!(w.nox_calls(), 1);
}
