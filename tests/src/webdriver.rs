//! A small WebDriver client for the browser tests: chromedriver driving Debian's headless
//! Chromium. `scripts/test.sh` installs both and sets `NOX_REQUIRE_BROWSER=1`, which turns
//! a missing browser into a failure instead of a skip.

use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

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
pub struct Driver {
    child: Child,
    base: String,
    http: reqwest::Client,
    session: Option<String>,
    /// The browser profile of [`Driver::launch`], removed on quit.
    profile: Option<PathBuf>,
}

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        // A test that panicked before `quit` leaves its profile behind otherwise.
        if let Some(profile) = self.profile.take() {
            let _ = std::fs::remove_dir_all(profile);
        }
    }
}

impl Driver {
    pub async fn start(driver: &PathBuf) -> Driver {
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
            profile: None,
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

    pub async fn cmd(&self, method: reqwest::Method, path: &str, body: Option<Value>) -> Value {
        let value = self.try_cmd(method, path, body).await;
        assert!(value.get("error").is_none(), "webdriver {path}: {value}");
        value
    }

    /// A WebDriver command's `value`, errors included (e.g. a stale element while a page
    /// is being replaced).
    pub async fn try_cmd(&self, method: reqwest::Method, path: &str, body: Option<Value>) -> Value {
        let url = format!("{}{}", self.base, path);
        let mut req = self.http.request(method, url);
        if let Some(b) = body {
            req = req.json(&b);
        }
        let resp: Value = req.send().await.unwrap().json().await.unwrap();
        resp["value"].clone()
    }

    pub async fn new_session(&mut self, chromium: &PathBuf, profile: &std::path::Path) {
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

    pub async fn goto(&self, url: &str) {
        self.cmd(
            reqwest::Method::POST,
            &self.path("/url"),
            Some(json!({"url": url})),
        )
        .await;
    }

    /// The WebDriver id of the element matching `css`.
    pub async fn find(&self, css: &str) -> String {
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

    pub async fn click(&self, css: &str) {
        let id = self.find(css).await;
        self.cmd(
            reqwest::Method::POST,
            &self.path(&format!("/element/{id}/click")),
            Some(json!({})),
        )
        .await;
    }

    /// Types `text` into the element matching `css`.
    pub async fn type_into(&self, css: &str, text: &str) {
        let id = self.find(css).await;
        self.cmd(
            reqwest::Method::POST,
            &self.path(&format!("/element/{id}/value")),
            Some(json!({ "text": text })),
        )
        .await;
    }

    pub async fn text(&self, css: &str) -> String {
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
    pub async fn text_becomes(&self, css: &str, expected: &str) -> String {
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

    pub async fn current_url(&self) -> String {
        self.cmd(reqwest::Method::GET, &self.path("/url"), None)
            .await
            .as_str()
            .unwrap()
            .to_owned()
    }

    pub async fn quit(&mut self) {
        if self.session.is_some() {
            let path = self.path("");
            let _ = self
                .http
                .delete(format!("{}{}", self.base, path))
                .send()
                .await;
            self.session = None;
        }
        if let Some(profile) = self.profile.take() {
            let _ = std::fs::remove_dir_all(profile);
        }
    }
}

/// The browser tools, or `None` (and a note) where they are missing and not required;
/// `NOX_REQUIRE_BROWSER` or `CI` turn a missing browser into a failure.
pub fn browser_or_skip() -> Option<(PathBuf, PathBuf)> {
    crate::required_or_skip(
        browser_tools(),
        "chromium with chromedriver",
        "NOX_REQUIRE_BROWSER",
    )
}

impl Driver {
    /// chromedriver with a headless Chromium session on a fresh profile (named after
    /// `label`), or `None` (and a note) where the browser is missing and not required.
    pub async fn launch(label: &str) -> Option<Driver> {
        let (driver_path, chromium) = browser_or_skip()?;
        let profile =
            std::env::temp_dir().join(format!("nox-chromium-{label}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&profile);
        let mut driver = Driver::start(&driver_path).await;
        driver.new_session(&chromium, &profile).await;
        driver.profile = Some(profile);
        Some(driver)
    }
}
