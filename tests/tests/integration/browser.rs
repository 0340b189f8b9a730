//! The Authenticator UI in a real browser: headless Chromium (driven over WebDriver by
//! chromedriver) opens a `link_url` from the mock, chooses a brand, submits the form,
//! and follows the redirect to a callback server on 127.0.0.1, whose `?data=` must
//! decode and verify against the session.
//!
//! And the NOX-initiated link: from the mock's "NOX app" page, through the example
//! backend's login page for NOX (log in, accept the terms), back to NOX, and the device on
//! the example's device listing.
//!
//! Needs Debian's `chromium` and `chromium-driver`; `scripts/test.sh` installs them and
//! sets `NOX_REQUIRE_BROWSER=1`, which turns a missing browser into a failure instead of
//! a skip.

// The example backend, for its login page for NOX (only `serve_site` is used here).
use crate::axum_backend;

use std::time::Duration;

use nox_auth::{AssetType, Brand, Language, SupplierLinkRequest, callback};
use nox_e2e::webdriver::Driver;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;
use tokio::sync::mpsc;

/// A tiny HTTP server on 127.0.0.1 that reports each request target it receives.
async fn callback_server() -> (String, mpsc::UnboundedReceiver<String>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let (tx, rx) = mpsc::unbounded_channel();
    tokio::spawn(async move {
        while let Ok((mut sock, _)) = listener.accept().await {
            let tx = tx.clone();
            tokio::spawn(async move {
                let mut buf = Vec::new();
                let mut chunk = [0u8; 4096];
                while !buf.windows(4).any(|w| w == b"\r\n\r\n") {
                    match sock.read(&mut chunk).await {
                        Ok(0) | Err(_) => return,
                        Ok(n) => buf.extend_from_slice(&chunk[..n]),
                    }
                }
                let head = String::from_utf8_lossy(&buf);
                let target = head.split_whitespace().nth(1).unwrap_or("").to_owned();
                let body = "<!doctype html><title>linked</title><p id=\"done\">Device linked</p>";
                let _ = sock
                    .write_all(format!("HTTP/1.1 200 OK\r\ncontent-type: text/html\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}", body.len()).as_bytes())
                    .await;
                if target.starts_with("/callback") {
                    let _ = tx.send(target);
                }
            });
        }
    });
    (base, rx)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn link_flow_in_headless_chromium() {
    let Some(mut driver) = Driver::launch("link-flow").await else {
        return;
    };

    let mock = nox_mock::MockServer::start().await.unwrap();
    let (callback_base, mut received) = callback_server().await;
    let client = mock.client().unwrap();
    let session = client
        .create_supplier_link_session(
            SupplierLinkRequest::new(
                "browser-user",
                AssetType::Hp,
                format!("{callback_base}/callback?state=xyz"),
            )
            .language(Language::En),
        )
        .await
        .unwrap();

    driver.goto(&session.link_url).await;
    assert_eq!(driver.text("h1").await, "Connect your device to NOX");
    driver.click("#brand-vaillant").await;
    driver.click("#submit").await;

    let target = tokio::time::timeout(Duration::from_secs(20), received.recv())
        .await
        .expect("the browser reached the callback server in time")
        .expect("a callback request");
    let landed = driver.current_url().await;
    assert!(
        landed.starts_with(&format!("{callback_base}/callback?state=xyz&data=")),
        "{landed}"
    );
    assert_eq!(driver.text("#done").await, "Device linked");

    // Reusing the link shows the error page, and no redirect happens.
    driver.goto(&session.link_url).await;
    assert_eq!(
        driver.text("#error").await,
        "This link has already been used."
    );
    driver.quit().await;

    let payload = callback::decode(&target).unwrap();
    let verified = payload.verify_supplier(&session).unwrap();
    assert_eq!(verified.known_brand, Some(Brand::Vaillant));
    assert_eq!(verified.user_id, "browser-user");
    assert_eq!(verified.device_ids.len(), 1);
    assert!(received.try_recv().is_err(), "exactly one callback");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_mock_inspector_completes_and_expires_sessions_in_chromium() {
    let Some(mut driver) = Driver::launch("inspector").await else {
        return;
    };
    let mock = nox_mock::MockServer::start().await.unwrap();
    let client = mock.client().unwrap();
    let mut sessions = Vec::new();
    for user in ["inspected-1", "inspected-2"] {
        let req = SupplierLinkRequest::new(user, AssetType::Pv, "https://example.com/cb");
        sessions.push(client.create_supplier_link_session(req).await.unwrap());
    }
    let row = |token: &str, rest: &str| format!("tr[data-token=\"{token}\"] {rest}");

    driver.goto(&format!("{}/_mock", mock.base_url())).await;
    assert_eq!(driver.text("h1").await, "nox-mock inspector");
    for s in &sessions {
        assert_eq!(driver.text(&row(&s.link_token, ".state")).await, "pending");
    }
    assert!(
        driver
            .text("#requests")
            .await
            .contains("/v2/supplier/link-sessions")
    );

    // Complete the first in the page: it is completed, with a callback link.
    driver
        .click(&row(&sessions[0].link_token, "button.complete"))
        .await;
    assert_eq!(
        driver
            .text_becomes(&row(&sessions[0].link_token, ".state"), "completed")
            .await,
        "completed"
    );
    assert_eq!(
        driver
            .text(&row(&sessions[0].link_token, "a.callback"))
            .await,
        "callback"
    );
    // Expire the second.
    driver
        .click(&row(&sessions[1].link_token, "button.expire"))
        .await;
    assert_eq!(
        driver
            .text_becomes(&row(&sessions[1].link_token, ".state"), "expired")
            .await,
        "expired"
    );
    driver.quit().await;

    // What the page did is what the mock holds: the callback verifies for its session.
    let done = mock.session(&sessions[0].link_token).unwrap();
    let payload = callback::decode(done.callback_url.as_deref().unwrap()).unwrap();
    payload.verify_supplier(&sessions[0]).unwrap();
    assert!(matches!(
        mock.complete(
            &sessions[1].link_token,
            nox_auth::Brand::Sma,
            vec!["x".into()]
        ),
        Err(nox_mock::Error::Complete(nox_mock::CompleteError::Expired))
    ));
}

/// The example on 127.0.0.1 with `nox` as NOX and its login page for NOX on: its base URL
/// once it answers.
async fn example_with_nox_login(nox: &nox_mock::MockServer, db: &str) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let (client, public, db) = (nox.client().unwrap(), base.clone(), db.to_owned());
    let back = nox.nox_return_url();
    tokio::spawn(async move {
        let cleanup = axum_backend::SESSION_CLEANUP;
        let served =
            axum_backend::serve_site(listener, client, &public, &db, cleanup, Some(&back)).await;
        if let Err(e) = served {
            panic!("the example stopped: {e}");
        }
    });
    let http = reqwest::Client::new();
    for _ in 0..200 {
        if let Ok(r) = http.get(&base).send().await
            && r.status() == reqwest::StatusCode::OK
        {
            return base;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("the example did not answer at {base}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_user_starts_at_nox_logs_in_at_the_example_and_the_device_is_listed() {
    let Some(mut driver) = Driver::launch("nox-login").await else {
        return;
    };
    // NOX on another host than the supplier (127.0.0.2 vs 127.0.0.1): the browser goes
    // between two sites, as with the real NOX.
    let nox = nox_mock::MockServer::start_with(
        nox_mock::MockConfig::default().addr("127.0.0.2:0".parse().unwrap()),
    )
    .await
    .unwrap();
    let dir = std::env::temp_dir().join(format!("nox-browser-login-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let db = format!("sqlite://{}?mode=rwc", dir.join("sessions.db").display());
    let base = example_with_nox_login(&nox, &db).await;
    nox.set_supplier_login_url(&format!("{base}/nox/authorize"))
        .unwrap();

    // In NOX's app: choose the supplier.
    driver.goto(&nox.nox_app_url()).await;
    assert_eq!(driver.text("h1").await, "Turn on NOX");
    driver.click("#choose-supplier").await;
    // At the supplier: its own login first, then back to the same login page for NOX.
    let login = "Log in to connect NOX";
    assert_eq!(driver.text_becomes("h1", login).await, login);
    let at_supplier = driver.current_url().await;
    assert!(
        at_supplier.starts_with(&format!("{base}/nox/authorize?state=")),
        "{at_supplier}"
    );
    driver.type_into("#user", "alice").await;
    driver.click("#login").await;
    let terms = "Connect NOX to Example Energy";
    assert_eq!(driver.text_becomes("h1", terms).await, terms);
    assert_eq!(driver.current_url().await, at_supplier);
    assert_eq!(
        driver.text("#terms-version").await,
        axum_backend::nox_pages::TERMS_VERSION
    );
    assert_eq!(driver.text("#who").await, "Logged in as alice");
    driver.click("#accept").await;

    // Back at NOX: linked, for the supplier's user alice.
    assert_eq!(driver.text_becomes("h1", "Linked").await, "Linked");
    let landed = driver.current_url().await;
    assert!(
        landed.starts_with(&format!("{}?state=", nox.nox_return_url())),
        "{landed}"
    );
    assert_eq!(driver.text("#supplier-user-id").await, "alice");
    let device_id = driver.text("#device-id").await;

    // The example's device listing (NOX's Package API for alice) shows the heat pump.
    driver.goto(&base).await;
    assert_eq!(
        driver.text_becomes("#who", "Logged in as alice").await,
        "Logged in as alice"
    );
    let devices = driver.text("#devices").await;
    assert!(devices.contains(&device_id), "{devices}");
    driver.quit().await;
    let _ = std::fs::remove_dir_all(&dir);
}
