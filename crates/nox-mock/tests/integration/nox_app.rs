//! NOX's side of the NOX-initiated link, over real HTTP on 127.0.0.1: the app page and
//! its supplier selector, `POST /post-login-redirect` (state single use, 15 minutes, the
//! key), the return page, and the device listed for the supplier's user afterwards.

use std::sync::Arc;
use std::time::Duration;

use nox_auth::{DeviceQuery, Error};
use nox_mock::{ManualClock, MockConfig, MockServer, NOX_LOGIN_WINDOW_SECS};
use reqwest::StatusCode;
use serde_json::{Value, json};

const LOGIN: &str = "https://shop.example/nox/authorize";

fn http() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

async fn mock_at(clock: &ManualClock) -> MockServer {
    MockServer::start_with(
        MockConfig::default()
            .supplier_login_url(LOGIN)
            .clock(Arc::new(clock.clone())),
    )
    .await
    .unwrap()
}

async fn api_status(err: Error) -> (u16, String) {
    match err {
        Error::Api {
            status, message, ..
        } => (status.as_u16(), message),
        other => panic!("expected an API error, got {other:?}"),
    }
}

#[tokio::test]
async fn a_shared_state_lists_the_heat_pump_for_the_supplier_user_once() {
    let clock = ManualClock::at_unix(1_800_000_000);
    let mock = mock_at(&clock).await;
    let client = mock.client().unwrap();
    let auth = mock.authorize(Some("hp-app-1"), Some("vaillant")).unwrap();
    let url = url::Url::parse(&auth.authorize_url).unwrap();
    let query: std::collections::HashMap<_, _> = url.query_pairs().into_owned().collect();
    assert_eq!(query["state"], auth.state);
    assert_eq!(query["redirect_uri"], mock.nox_return_url());
    assert_eq!(auth.expires_at - auth.created_at, NOX_LOGIN_WINDOW_SECS);

    // Nothing is listed for the supplier's user before it shares its id.
    let before = client
        .heat_pumps(DeviceQuery::all().user("shop-user-7"))
        .collect_at_most(10)
        .await
        .unwrap();
    assert!(before.is_empty());

    let shared = client
        .post_login_redirect(&auth.state, "shop-user-7")
        .await
        .unwrap();
    assert_eq!(shared.supplier_user_id.as_deref(), Some("shop-user-7"));
    assert_eq!(
        shared.nox_user_id.as_deref(),
        Some(auth.nox_user_id.as_str())
    );
    let listed = client
        .heat_pumps(DeviceQuery::all().user("shop-user-7"))
        .collect_at_most(10)
        .await
        .unwrap();
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0].device_id, "hp-app-1");

    // Single use: a replay (or another user with the same state) is refused.
    let replay = client
        .post_login_redirect(&auth.state, "someone-else")
        .await
        .unwrap_err();
    let (status, message) = api_status(replay).await;
    assert_eq!(status, 400);
    assert!(message.contains("already used"), "{message}");
    assert!(
        client
            .heat_pumps(DeviceQuery::all().user("someone-else"))
            .collect_at_most(10)
            .await
            .unwrap()
            .is_empty()
    );
}

#[tokio::test]
async fn unknown_expired_and_unauthenticated_shares_are_refused() {
    let clock = ManualClock::at_unix(1_800_000_000);
    let mock = mock_at(&clock).await;
    let client = mock.client().unwrap();

    let (status, message) = api_status(
        client
            .post_login_redirect("not-a-state-nox-issued", "u1")
            .await
            .unwrap_err(),
    )
    .await;
    assert_eq!(
        (status, message.contains("unknown")),
        (400, true),
        "{message}"
    );

    // 15 minutes: one second before still works, at the limit it has expired.
    let late = mock.authorize(None, None).unwrap();
    let in_time = mock.authorize(None, None).unwrap();
    clock.advance(Duration::from_secs(NOX_LOGIN_WINDOW_SECS - 1));
    client
        .post_login_redirect(&in_time.state, "u2")
        .await
        .unwrap();
    clock.advance(Duration::from_secs(1));
    let (status, message) = api_status(
        client
            .post_login_redirect(&late.state, "u3")
            .await
            .unwrap_err(),
    )
    .await;
    assert_eq!(
        (status, message.contains("expired")),
        (400, true),
        "{message}"
    );

    // Without the key: 401, and the state is not used up.
    let fresh = mock.authorize(None, None).unwrap();
    let answer = http()
        .post(format!("{}/post-login-redirect", mock.base_url()))
        .json(&json!({"state": fresh.state, "supplier_user_id": "u4"}))
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status(), StatusCode::UNAUTHORIZED);
    assert!(
        mock.authorization(&fresh.state)
            .unwrap()
            .supplier_user_id
            .is_none()
    );

    // A body without the supplier's user id names the field.
    let answer = http()
        .post(format!("{}/post-login-redirect", mock.base_url()))
        .header("x-api-key", mock.api_key())
        .json(&json!({"state": fresh.state}))
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status(), StatusCode::BAD_REQUEST);
    let body: Value = answer.json().await.unwrap();
    assert!(
        body["error"].as_str().unwrap().contains("supplier_user_id"),
        "{body}"
    );
}

#[tokio::test]
async fn the_app_page_sends_the_browser_to_the_supplier_and_shows_the_outcome() {
    let clock = ManualClock::at_unix(1_800_000_000);
    let mock = mock_at(&clock).await;
    let base = mock.base_url();
    let page = http().get(format!("{base}/app")).send().await.unwrap();
    assert_eq!(page.status(), StatusCode::OK);
    assert!(
        page.text()
            .await
            .unwrap()
            .contains("id=\"supplier-selector\"")
    );

    let chosen = http()
        .post(format!("{base}/app/select"))
        .header("origin", base)
        .form(&[("supplier", "Mock Energy")])
        .send()
        .await
        .unwrap();
    assert_eq!(chosen.status(), StatusCode::SEE_OTHER);
    let location = chosen.headers()["location"].to_str().unwrap().to_owned();
    assert!(
        location.starts_with(&format!("{LOGIN}?state=")),
        "{location}"
    );
    let state = url::Url::parse(&location)
        .unwrap()
        .query_pairs()
        .find(|(k, _)| k == "state")
        .unwrap()
        .1
        .into_owned();

    let outcome = |q: String| async move {
        let page = http()
            .get(format!("{base}/app/return?{q}"))
            .send()
            .await
            .unwrap();
        let status = page.status();
        let text = page.text().await.unwrap();
        let tag = text
            .split("data-outcome=\"")
            .nth(1)
            .unwrap_or("")
            .split('"')
            .next()
            .unwrap_or("")
            .to_owned();
        (status, tag)
    };
    // Back before the supplier shared anything: not linked.
    assert_eq!(outcome(format!("state={state}")).await.1, "failed");
    assert_eq!(
        outcome(format!("state={state}&error=access_denied"))
            .await
            .1,
        "declined"
    );
    assert_eq!(
        outcome("state=forged".into()).await,
        (StatusCode::BAD_REQUEST, "failed".into())
    );
    mock.client()
        .unwrap()
        .post_login_redirect(&state, "u9")
        .await
        .unwrap();
    assert_eq!(
        outcome(format!("state={state}")).await,
        (StatusCode::OK, "linked".into())
    );

    // A cross-site page cannot start authentications in the user's name.
    let form = "supplier=Mock+Energy";
    let urlencoded = "application/x-www-form-urlencoded";
    for headers in [
        &[
            ("origin", "https://evil.example"),
            ("content-type", urlencoded),
        ][..],
        &[("origin", "null"), ("content-type", urlencoded)][..],
        &[
            ("sec-fetch-site", "cross-site"),
            ("content-type", urlencoded),
        ][..],
        &[
            ("sec-fetch-site", "same-site"),
            ("content-type", urlencoded),
        ][..],
        &[("content-type", "text/plain")][..],
        &[("origin", base), ("content-type", "text/plain")][..],
    ] {
        let mut req = http().post(format!("{base}/app/select")).body(form);
        for (k, v) in headers {
            req = req.header(*k, *v);
        }
        let forged = req.send().await.unwrap();
        assert_eq!(forged.status(), StatusCode::FORBIDDEN, "{headers:?}");
        assert!(forged.headers().get("location").is_none());
    }
    // The mock's own page, as a browser posts it: a redirect.
    let own = http()
        .post(format!("{base}/app/select"))
        .header("sec-fetch-site", "same-origin")
        .header("origin", base)
        .form(&[("supplier", "Mock Energy")])
        .send()
        .await
        .unwrap();
    assert_eq!(own.status(), StatusCode::SEE_OTHER);
}

#[tokio::test]
async fn the_login_page_is_set_over_the_control_api_and_checked() {
    let mock = MockServer::start().await.unwrap();
    let base = mock.base_url();
    // No login page yet: the app page says so, and the selector cannot start anything.
    let page = http()
        .get(format!("{base}/app"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains("No energy supplier"), "{page}");
    assert!(mock.authorize(None, None).is_err());

    let set = |login_url: &str| {
        http()
            .post(format!("{base}/_mock/nox-app/supplier"))
            .json(&json!({ "login_url": login_url }))
            .send()
    };
    for bad in [
        "javascript:alert(1)",
        "https://shop.example/login#x",
        "/relative",
    ] {
        assert_eq!(
            set(bad).await.unwrap().status(),
            StatusCode::BAD_REQUEST,
            "{bad}"
        );
    }
    let ok = set("http://127.0.0.1:9/nox/authorize?tenant=a")
        .await
        .unwrap();
    assert_eq!(ok.status(), StatusCode::OK);
    let body: Value = ok.json().await.unwrap();
    assert_eq!(body["return_url"], mock.nox_return_url());

    let created = http()
        .post(format!("{base}/_mock/nox-app/authorizations"))
        .json(&json!({"device_id": "hp-x", "brand": "nibe"}))
        .send()
        .await
        .unwrap();
    assert_eq!(created.status(), StatusCode::CREATED);
    let auth: Value = created.json().await.unwrap();
    // The login URL's own query is kept; state and redirect_uri are added.
    assert!(
        auth["authorize_url"]
            .as_str()
            .unwrap()
            .starts_with("http://127.0.0.1:9/nox/authorize?tenant=a&state=")
    );
    let refused = http()
        .post(format!("{base}/_mock/nox-app/authorizations"))
        .json(&json!({"brand": "sma"}))
        .send()
        .await
        .unwrap();
    assert_eq!(
        refused.status(),
        StatusCode::BAD_REQUEST,
        "a PV brand for a heat pump"
    );
    let one = http()
        .get(format!(
            "{base}/_mock/nox-app/authorizations/{}",
            auth["state"].as_str().unwrap()
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(one.status(), StatusCode::OK);
}
