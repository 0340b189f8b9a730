//! The `nox-mock` program (feature `cli`): starts, prints where it really listens, answers
//! there, and takes --host, --port, --public-url, --session-ttl, --api-key and
//! --control-token; beyond loopback it warns and guards its control API with a token.

use std::io::{BufRead, BufReader, Lines};
use std::process::{Child, ChildStderr, ChildStdout, Command, Stdio};

/// A running `nox-mock`, killed when dropped (also when an assertion fails).
struct Running {
    child: Child,
    lines: Lines<BufReader<ChildStdout>>,
    errors: Lines<BufReader<ChildStderr>>,
}

impl Running {
    fn start(args: &[&str]) -> Running {
        let mut child = Command::new(env!("CARGO_BIN_EXE_nox-mock"))
            .args(args)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let lines = BufReader::new(child.stdout.take().unwrap()).lines();
        let errors = BufReader::new(child.stderr.take().unwrap()).lines();
        Running {
            child,
            lines,
            errors,
        }
    }

    fn line(&mut self) -> String {
        self.lines.next().unwrap().unwrap()
    }

    fn error_line(&mut self) -> String {
        self.errors.next().unwrap().unwrap()
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

async fn create(base: &str, key: &str) -> serde_json::Value {
    let resp = reqwest::Client::new()
        .post(format!("{base}/v2/supplier/link-sessions"))
        .header("x-api-key", key)
        .json(&serde_json::json!({"user_id": "u1", "asset_type": "hp", "redirect_url": "https://e.com/cb"}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 201);
    resp.json().await.unwrap()
}

#[tokio::test]
async fn binary_prints_its_base_url_and_serves() {
    let mut mock = Running::start(&["--port", "0", "--api-key", "bin-key"]);
    let first = mock.line();
    let base = first
        .strip_prefix("nox-mock listening on ")
        .expect(&first)
        .to_owned();
    assert!(base.starts_with("http://127.0.0.1:"), "{base}");
    assert_eq!(mock.line(), "api key: bin-key");
    assert_eq!(mock.line(), format!("inspector: {base}/_mock"));
    let example = mock.line();
    assert!(
        example.starts_with("try: curl") && example.contains("bin-key"),
        "{example}"
    );
    let session = create(&base, "bin-key").await;
    assert_eq!(
        session["expires_at"].as_u64().unwrap() - session["created_at"].as_u64().unwrap(),
        600
    );
}

#[tokio::test]
async fn host_public_url_and_session_ttl() {
    // Listening on every interface: the banner says so, link_url does not say 0.0.0.0,
    // a warning names the risk, and the control API requires a generated token.
    let mut mock = Running::start(&[
        "--host",
        "0.0.0.0",
        "--port",
        "0",
        "--api-key",
        "k",
        "--session-ttl",
        "2m",
    ]);
    let first = mock.line();
    let listening = first
        .strip_prefix("nox-mock listening on ")
        .unwrap()
        .to_owned();
    assert!(listening.starts_with("http://0.0.0.0:"), "{listening}");
    let port = listening.rsplit(':').next().unwrap().to_owned();
    assert_eq!(mock.line(), "api key: k");
    let base = format!("http://127.0.0.1:{port}");
    assert_eq!(mock.line(), format!("base url: {base}"));
    let token = mock
        .line()
        .strip_prefix("control token: ")
        .unwrap()
        .to_owned();
    assert_eq!(token.len(), 32, "{token}");
    assert_eq!(
        mock.line(),
        format!("inspector: {base}/_mock?control_token={token}")
    );
    let warning = mock.error_line();
    assert!(
        warning.contains("warning: listening on 0.0.0.0:")
            && warning.contains("other machines can reach")
            && warning.contains("requires the control token"),
        "{warning}"
    );
    let session = create(&base, "k").await;
    assert!(
        session["link_url"]
            .as_str()
            .unwrap()
            .starts_with(&format!("{base}/ui?token=")),
        "{session}"
    );
    assert_eq!(
        session["expires_at"].as_u64().unwrap() - session["created_at"].as_u64().unwrap(),
        120
    );
    let http = reqwest::Client::new();
    let sessions = format!("{base}/_mock/sessions");
    let refused = http.get(&sessions).send().await.unwrap();
    assert_eq!(refused.status(), 403);
    let listed = http
        .get(&sessions)
        .header(nox_mock::CONTROL_TOKEN_HEADER, &token)
        .send()
        .await
        .unwrap();
    assert_eq!(listed.status(), 200);
    let page = http
        .get(format!("{base}/_mock?control_token={token}"))
        .send()
        .await
        .unwrap();
    assert_eq!(
        page.status(),
        200,
        "the inspector opens with the token in its URL"
    );
    drop(mock);

    // --no-control-token: open, and the warning says what that means.
    let mut mock = Running::start(&["--host", "0.0.0.0", "--port", "0", "--no-control-token"]);
    let port = mock.line().rsplit(':').next().unwrap().to_owned();
    let warning = mock.error_line();
    assert!(warning.contains("is open to them"), "{warning}");
    let listed = reqwest::get(format!("http://127.0.0.1:{port}/_mock/sessions"))
        .await
        .unwrap();
    assert_eq!(listed.status(), 200);
    drop(mock);

    // Behind a proxy: link_url names the public URL; the banner says both.
    let mut mock = Running::start(&[
        "--port",
        "0",
        "--api-key",
        "k",
        "--public-url",
        "https://mock.example:8443/",
    ]);
    let first = mock.line();
    assert!(
        first.starts_with("nox-mock listening on http://127.0.0.1:"),
        "{first}"
    );
    assert_eq!(mock.line(), "api key: k");
    assert_eq!(mock.line(), "base url: https://mock.example:8443");
    assert_eq!(mock.line(), "inspector: https://mock.example:8443/_mock");
}

#[test]
fn binary_reports_bad_options_and_a_port_in_use() {
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = taken.local_addr().unwrap().port().to_string();
    let out = Command::new(env!("CARGO_BIN_EXE_nox-mock"))
        .args(["--port", &port])
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("cannot listen on"));
    for (args, message) in [
        (vec!["--session-ttl", "10 parsecs"], "is not a unit"),
        (vec!["--session-ttl", "soon"], "not a duration"),
        (vec!["--public-url", "ftp://x"], "not an http(s) URL"),
        (vec!["--session-ttl", "0"], "greater than zero"),
        (vec!["--body-timeout", "0"], "greater than zero"),
        (vec!["--control-token", "short"], "16 to 256"),
    ] {
        let out = Command::new(env!("CARGO_BIN_EXE_nox-mock"))
            .args(["--port", "0"])
            .args(&args)
            .output()
            .unwrap();
        assert!(!out.status.success(), "{args:?}");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(stderr.contains(message), "{args:?}: {stderr}");
    }
    // A usage error quotes what was typed: an OSC title change, a clear-screen and a bidi
    // override come out escaped, never raw on the terminal; exit 2.
    let out = Command::new(env!("CARGO_BIN_EXE_nox-mock"))
        .args(["--port", "\u{1b}]0;PWNED\u{7}\u{1b}[2J\u{202e}"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("--port"), "{stderr}");
    for raw in ['\u{1b}', '\u{7}', '\u{202e}'] {
        assert!(!stderr.contains(raw), "{raw:?} raw in: {stderr:?}");
    }
}
