//! The Authenticator UI in a real browser: headless Chromium (driven over WebDriver by
//! chromedriver) opens a `link_url` from the mock, chooses a brand, submits the form,
//! and follows the redirect to a callback server on 127.0.0.1, whose `?data=` must
//! decode and verify against the session.
//!
//! Needs Debian's `chromium` and `chromium-driver`; `scripts/test.sh` installs them and
//! sets `NOX_REQUIRE_BROWSER=1`, which turns a missing browser into a failure instead of
//! a skip.

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
