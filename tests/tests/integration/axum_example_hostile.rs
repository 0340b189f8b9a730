//! The example backend (`crates/nox-auth-axum/examples/axum_backend/`) against what an
//! attacker tries, over HTTP: stray and forged callbacks while the user's link is pending
//! (the real callback still links), a planted session id (replaced at start), and
//! cross-site posts to log in, a plain-http callback URL. The browser-level run is in
//! `axum_example.rs`; the login page for NOX in `axum_example_nox_login.rs`.

use crate::axum_backend;

use std::sync::Arc;
use std::time::{Duration, SystemTime};

use nox_auth::callback::CallbackPayload;
use reqwest::StatusCode;
use reqwest::cookie::CookieStore as _;

/// The example on 127.0.0.1 with `nox` as NOX and its sessions in a fresh SQLite file;
/// its base URL once it answers, and the directory to remove.
async fn start_example(nox: &nox_mock::MockServer, name: &str) -> (String, std::path::PathBuf) {
    start_example_at(nox, name, None).await
}

/// [`start_example`] with the site's public URL (the callback's base) given.
async fn start_example_at(
    nox: &nox_mock::MockServer,
    name: &str,
    public_url: Option<&str>,
) -> (String, std::path::PathBuf) {
    let dir = std::env::temp_dir().join(format!("nox-example-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let db = format!("sqlite://{}?mode=rwc", dir.join("sessions.db").display());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let client = nox.client().unwrap();
    let public = public_url.map_or_else(|| base.clone(), str::to_owned);
    tokio::spawn(async move {
        if let Err(e) = axum_backend::serve(listener, client, &public, &db).await {
            panic!("the example stopped: {e}");
        }
    });
    let http = reqwest::Client::new();
    for _ in 0..200 {
        if let Ok(r) = http.get(&base).send().await
            && r.status() == StatusCode::OK
        {
            return (base, dir);
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("the example did not answer at {base}");
}

/// A browser: cookies kept in `jar`, redirects not followed.
pub(crate) fn browser() -> (reqwest::Client, Arc<reqwest::cookie::Jar>) {
    let jar = Arc::new(reqwest::cookie::Jar::default());
    let client = reqwest::Client::builder()
        .cookie_provider(jar.clone())
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    (client, jar)
}

pub(crate) async fn login(browser: &reqwest::Client, base: &str, user: &str) {
    let resp = browser
        .post(format!("{base}/login"))
        .form(&[("user", user)])
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::SEE_OTHER);
}

/// `POST /link` as the site's own page sends it; NOX's UI URL it redirects to.
async fn start_link(browser: &reqwest::Client, base: &str) -> String {
    let resp = browser
        .post(format!("{base}/link"))
        .header("sec-fetch-site", "same-origin")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::SEE_OTHER);
    resp.headers()["location"].to_str().unwrap().to_owned()
}

/// The session cookie (tower-sessions' `id`) the browser holds for `base`.
fn session_id(jar: &reqwest::cookie::Jar, base: &str) -> Option<String> {
    let cookies = jar.cookies(&base.parse().unwrap())?;
    cookies
        .to_str()
        .unwrap()
        .split("; ")
        .find_map(|c| c.strip_prefix("id="))
        .map(str::to_owned)
}

async fn get(browser: &reqwest::Client, url: &str) -> (StatusCode, String) {
    let resp = browser.get(url).send().await.unwrap();
    (resp.status(), resp.text().await.unwrap())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stray_and_forged_callbacks_leave_the_real_link_in_place() {
    let nox = nox_mock::MockServer::start().await.unwrap();
    let (base, dir) = start_example(&nox, "forged").await;
    let (alice, _) = browser();
    login(&alice, &base, "alice").await;
    let at_nox = start_link(&alice, &base).await;
    let token = nox_mock::link_token(&at_nox).unwrap();

    // What an attacker who knows alice's user id can build: their own NOX user and
    // device, named for alice.
    let forged = |user: &str| {
        CallbackPayload::new(
            "nox-mallory",
            user,
            "daikin",
            vec!["mallory-hp".into()],
            SystemTime::now(),
        )
        .encode()
    };
    let cb = format!("{base}/nox/callback");
    for (url, want, says) in [
        // A link on any site to the bare callback page, and a garbled one.
        (cb.clone(), StatusCode::BAD_REQUEST, "not valid"),
        (
            format!("{cb}?data=%%%garbage"),
            StatusCode::BAD_REQUEST,
            "not valid",
        ),
        // Forged: no state, a wrong state, another user's payload.
        (
            format!("{cb}?data={}", forged("alice")),
            StatusCode::FORBIDDEN,
            "does not belong to a link started in this browser",
        ),
        (
            format!("{cb}?nox_state=0123&data={}", forged("alice")),
            StatusCode::FORBIDDEN,
            "does not belong to a link started in this browser",
        ),
        (
            format!("{cb}?data={}", forged("mallory")),
            StatusCode::FORBIDDEN,
            "another account",
        ),
    ] {
        let (status, page) = get(&alice, &url).await;
        assert_eq!(status, want, "{url}");
        assert!(page.contains(says), "{url}: {page}");
        assert!(!page.contains("mallory-hp"), "{page}");
    }

    // The real callback, after all that: linked, and only alice's own device listed.
    let callback = nox
        .complete(&token, nox_auth::Brand::Vaillant, vec!["hp-alice".into()])
        .unwrap();
    let (status, page) = get(&alice, &callback).await;
    assert_eq!(status, StatusCode::OK, "{page}");
    assert!(
        page.contains("<li>hp-alice (vaillant, hp): linked, steerable</li>"),
        "{page}"
    );
    let (_, home) = get(&alice, &base).await;
    assert!(home.contains("hp-alice"), "{home}");
    assert!(!home.contains("mallory-hp"), "{home}");
    let _ = std::fs::remove_dir_all(dir);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_planted_session_id_is_replaced_at_start() {
    let nox = nox_mock::MockServer::start().await.unwrap();
    let (base, dir) = start_example(&nox, "planted").await;
    // Mallory gets a real session id of the site (by starting a link of their own)...
    let (mallory, mallory_jar) = browser();
    login(&mallory, &base, "mallory").await;
    start_link(&mallory, &base).await;
    let planted = session_id(&mallory_jar, &base).expect("mallory has a session");
    // ...and plants it in alice's browser (a subdomain's cookie, an injected header).
    let (alice, alice_jar) = browser();
    alice_jar.add_cookie_str(&format!("id={planted}; Path=/"), &base.parse().unwrap());
    login(&alice, &base, "alice").await;
    let at_nox = start_link(&alice, &base).await;
    let cycled = session_id(&alice_jar, &base).expect("alice has a session");
    assert_ne!(cycled, planted, "start gave alice's session a new id");

    // Mallory's copy of the old id no longer reaches alice's pending link: alice's real
    // callback, sent with the planted id, finds no session.
    let token = nox_mock::link_token(&at_nox).unwrap();
    let callback = nox
        .complete(&token, nox_auth::Brand::Daikin, vec!["hp-a".into()])
        .unwrap();
    let (thief, thief_jar) = browser();
    thief_jar.add_cookie_str(&format!("id={planted}; Path=/"), &base.parse().unwrap());
    thief_jar.add_cookie_str("demo_user=alice; Path=/", &base.parse().unwrap());
    let (status, page) = get(&thief, &callback).await;
    assert_eq!(status, StatusCode::GONE, "{page}");
    // Alice's own browser finishes it.
    let (status, page) = get(&alice, &callback).await;
    assert_eq!(status, StatusCode::OK, "{page}");
    assert!(page.contains("hp-a (daikin, hp)"), "{page}");
    let _ = std::fs::remove_dir_all(dir);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cross_site_posts_to_log_in_or_out_are_refused() {
    let nox = nox_mock::MockServer::start().await.unwrap();
    let (base, dir) = start_example(&nox, "login-csrf").await;
    let (victim, jar) = browser();
    for (name, value) in [
        ("sec-fetch-site", "cross-site"),
        ("sec-fetch-site", "same-site"),
        ("origin", "https://evil.example"),
        ("origin", "null"),
    ] {
        // A form on another site logging the victim in as the attacker.
        let resp = victim
            .post(format!("{base}/login"))
            .header(name, value)
            .form(&[("user", "mallory")])
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), StatusCode::FORBIDDEN, "{name}: {value}");
        assert!(jar.cookies(&base.parse().unwrap()).is_none());
        let resp = victim
            .post(format!("{base}/logout"))
            .header(name, value)
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), StatusCode::FORBIDDEN, "{name}: {value}");
    }
    // The site's own form still logs in: by Sec-Fetch-Site, and by Origin alone (a
    // browser without Fetch Metadata).
    let (other, _) = browser();
    let resp = other
        .post(format!("{base}/login"))
        .header("origin", &base)
        .form(&[("user", "other")])
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::SEE_OTHER, "Origin alone");
    let resp = victim
        .post(format!("{base}/login"))
        .header("sec-fetch-site", "same-origin")
        .header("origin", &base)
        .form(&[("user", "victim")])
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::SEE_OTHER);
    let (_, home) = get(&victim, &base).await;
    assert!(home.contains("Logged in as victim"), "{home}");
    let _ = std::fs::remove_dir_all(dir);
}

/// A site published on plain http (not loopback): its callback would carry the user's and
/// devices' ids in clear, so starting a link is refused before NOX is asked.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_plain_http_callback_url_is_refused_before_nox_is_asked() {
    let nox = nox_mock::MockServer::start().await.unwrap();
    let (base, dir) = start_example_at(&nox, "plain-http", Some("http://shop.example")).await;
    let (alice, _) = browser();
    login(&alice, &base, "alice").await;
    let resp = alice
        .post(format!("{base}/link"))
        .header("sec-fetch-site", "same-origin")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::BAD_REQUEST);
    let page = resp.text().await.unwrap();
    assert!(page.contains("This link request is not valid."), "{page}");
    assert!(nox.sessions().is_empty(), "nothing was sent to NOX");
    let _ = std::fs::remove_dir_all(dir);
}
