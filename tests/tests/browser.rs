//! The Authenticator UI in a real browser: headless Chromium (driven over WebDriver by
//! chromedriver) opens a `link_url` from the mock, chooses a brand, submits the form,
//! and follows the redirect to a callback server on 127.0.0.1, whose `?data=` must
//! decode and verify against the session.
//!
//! Needs Debian's `chromium` and `chromium-driver`; `scripts/test.sh` installs them and
//! sets `NOX_REQUIRE_BROWSER=1`, which turns a missing browser into a failure instead of
//! a skip.

use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use nox_auth::{AssetType, Brand, Client, Language, SupplierLinkRequest, callback};
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;
use tokio::sync::mpsc;

const ELEMENT_KEY: &str = "element-6066-11e4-a52e-4f735466cecf";

fn find_on_path(name: &str) -> Option<PathBuf> {
    std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths)
            .map(|dir| dir.join(name))
            .find(|p| p.is_file())
    })
}

fn browser_tools() -> Option<(PathBuf, PathBuf)> {
    let driver = find_on_path("chromedriver")?;
    let chromium = find_on_path("chromium").or_else(|| find_on_path("chromium-browser"))?;
    Some((driver, chromium))
}

/// chromedriver, killed on drop.
struct Driver {
    child: Child,
    base: String,
    http: reqwest::Client,
    session: Option<String>,
}

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Driver {
    async fn start(driver: &PathBuf) -> Driver {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let child = Command::new(driver)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("chromedriver starts");
        let d = Driver {
            child,
            base: format!("http://127.0.0.1:{port}"),
            http: reqwest::Client::new(),
            session: None,
        };
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            if let Ok(r) = d.http.get(format!("{}/status", d.base)).send().await
                && let Ok(v) = r.json::<Value>().await
                && v["value"]["ready"] == json!(true)
            {
                return d;
            }
            assert!(
                Instant::now() < deadline,
                "chromedriver did not become ready"
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    async fn cmd(&self, method: reqwest::Method, path: &str, body: Option<Value>) -> Value {
        let value = self.try_cmd(method, path, body).await;
        assert!(value.get("error").is_none(), "webdriver {path}: {value}");
        value
    }

    /// A WebDriver command's `value`, errors included (e.g. a stale element while a page
    /// is being replaced).
    async fn try_cmd(&self, method: reqwest::Method, path: &str, body: Option<Value>) -> Value {
        let url = format!("{}{}", self.base, path);
        let mut req = self.http.request(method, url);
        if let Some(b) = body {
            req = req.json(&b);
        }
        let resp: Value = req.send().await.unwrap().json().await.unwrap();
        resp["value"].clone()
    }

    async fn new_session(&mut self, chromium: &PathBuf, profile: &std::path::Path) {
        let caps = json!({"capabilities": {"alwaysMatch": {
            "browserName": "chrome",
            "goog:chromeOptions": {
                "binary": chromium,
                "args": [
                    "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                    "--disable-quic", "--no-first-run", "--disable-background-networking",
                    "--disable-component-update", "--disable-sync",
                    format!("--user-data-dir={}", profile.display()),
                ]
            }
        }}});
        let v = self
            .cmd(reqwest::Method::POST, "/session", Some(caps))
            .await;
        self.session = Some(v["sessionId"].as_str().unwrap().to_owned());
    }

    fn path(&self, rest: &str) -> String {
        format!("/session/{}{rest}", self.session.as_ref().unwrap())
    }

    async fn goto(&self, url: &str) {
        self.cmd(
            reqwest::Method::POST,
            &self.path("/url"),
            Some(json!({"url": url})),
        )
        .await;
    }

    /// The WebDriver id of the element matching `css`.
    async fn find(&self, css: &str) -> String {
        let el = self
            .cmd(
                reqwest::Method::POST,
                &self.path("/element"),
                Some(json!({"using": "css selector", "value": css})),
            )
            .await;
        el[ELEMENT_KEY]
            .as_str()
            .unwrap_or_else(|| panic!("no element for {css}: {el}"))
            .to_owned()
    }

    async fn click(&self, css: &str) {
        let id = self.find(css).await;
        self.cmd(
            reqwest::Method::POST,
            &self.path(&format!("/element/{id}/click")),
            Some(json!({})),
        )
        .await;
    }

    async fn text(&self, css: &str) -> String {
        let id = self.find(css).await;
        self.cmd(
            reqwest::Method::GET,
            &self.path(&format!("/element/{id}/text")),
            None,
        )
        .await
        .as_str()
        .unwrap()
        .to_owned()
    }

    /// The text of `css` once it reads `expected` (a click that submits a form returns
    /// before the next page has loaded); the last text seen if it never does in 10 s.
    async fn text_becomes(&self, css: &str, expected: &str) -> String {
        let mut last = String::new();
        for _ in 0..100 {
            let found = self
                .try_cmd(
                    reqwest::Method::POST,
                    &self.path("/elements"),
                    Some(json!({"using": "css selector", "value": css})),
                )
                .await;
            if let Some(id) = found
                .as_array()
                .and_then(|a| a.first())
                .and_then(|e| e[ELEMENT_KEY].as_str())
            {
                let text = self
                    .try_cmd(
                        reqwest::Method::GET,
                        &self.path(&format!("/element/{id}/text")),
                        None,
                    )
                    .await;
                last = text.as_str().unwrap_or_default().to_owned();
                if last == expected {
                    break;
                }
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        last
    }

    async fn current_url(&self) -> String {
        self.cmd(reqwest::Method::GET, &self.path("/url"), None)
            .await
            .as_str()
            .unwrap()
            .to_owned()
    }

    async fn quit(&mut self) {
        if self.session.is_some() {
            let path = self.path("");
            let _ = self
                .http
                .delete(format!("{}{}", self.base, path))
                .send()
                .await;
            self.session = None;
        }
    }
}

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

/// The browser tools, or `None` (and a note) where they are missing and not required;
/// `NOX_REQUIRE_BROWSER` or `CI` turn a missing browser into a failure.
fn browser_or_skip() -> Option<(PathBuf, PathBuf)> {
    let tools = browser_tools();
    if tools.is_none() {
        let required =
            std::env::var_os("NOX_REQUIRE_BROWSER").is_some() || std::env::var_os("CI").is_some();
        assert!(
            !required,
            "chromium/chromedriver not found; run `bash scripts/test.sh`, which installs them"
        );
        eprintln!(
            "SKIPPED: chromium and chromedriver are not installed (bash scripts/test.sh installs them)"
        );
    }
    tools
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn link_flow_in_headless_chromium() {
    let Some((driver_path, chromium)) = browser_or_skip() else {
        return;
    };

    let mock = nox_mock::MockServer::start().await.unwrap();
    let (callback_base, mut received) = callback_server().await;
    let client = Client::builder()
        .api_key(mock.api_key())
        .base_url(mock.base_url())
        .build()
        .unwrap();
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

    let profile = std::env::temp_dir().join(format!("nox-chromium-{}", std::process::id()));
    let mut driver = Driver::start(&driver_path).await;
    driver.new_session(&chromium, &profile).await;
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
    let _ = std::fs::remove_dir_all(&profile);

    let payload = callback::decode(&target).unwrap();
    let verified = payload.verify(&session).unwrap();
    assert_eq!(verified.known_brand, Some(Brand::Vaillant));
    assert_eq!(verified.user_id, "browser-user");
    assert_eq!(verified.device_ids.len(), 1);
    assert!(received.try_recv().is_err(), "exactly one callback");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_mock_inspector_completes_and_expires_sessions_in_chromium() {
    let Some((driver_path, chromium)) = browser_or_skip() else {
        return;
    };
    let mock = nox_mock::MockServer::start().await.unwrap();
    let client = Client::builder()
        .api_key(mock.api_key())
        .base_url(mock.base_url())
        .build()
        .unwrap();
    let mut sessions = Vec::new();
    for user in ["inspected-1", "inspected-2"] {
        let req = SupplierLinkRequest::new(user, AssetType::Pv, "https://example.com/cb");
        sessions.push(client.create_supplier_link_session(req).await.unwrap());
    }
    let row = |token: &str, rest: &str| format!("tr[data-token=\"{token}\"] {rest}");

    let profile =
        std::env::temp_dir().join(format!("nox-chromium-inspector-{}", std::process::id()));
    let mut driver = Driver::start(&driver_path).await;
    driver.new_session(&chromium, &profile).await;
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
    let _ = std::fs::remove_dir_all(&profile);

    // What the page did is what the mock holds: the callback verifies for its session.
    let done = mock.session(&sessions[0].link_token).unwrap();
    let payload = callback::decode(done.callback_url.as_deref().unwrap()).unwrap();
    payload.verify(&sessions[0]).unwrap();
    assert_eq!(
        mock.complete(&sessions[1].link_token, "sma", vec!["x".into()]),
        Err(nox_mock::CompleteError::Expired)
    );
}
