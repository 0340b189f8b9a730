//! The `nox-mock` program (feature `cli`): starts, prints where it is, answers there, and
//! takes --host, --port, --public-url, --session-ttl and --api-key.

use std::io::{BufRead, BufReader, Lines};
use std::process::{Child, ChildStdout, Command, Stdio};

/// A running `nox-mock`, killed when dropped (also when an assertion fails).
struct Running {
    child: Child,
    lines: Lines<BufReader<ChildStdout>>,
}

impl Running {
    fn start(args: &[&str]) -> Running {
        let mut child = Command::new(env!("CARGO_BIN_EXE_nox-mock"))
            .args(args)
            .stdout(Stdio::piped())
            .spawn()
            .unwrap();
        let lines = BufReader::new(child.stdout.take().unwrap()).lines();
        Running { child, lines }
    }

    fn line(&mut self) -> String {
        self.lines.next().unwrap().unwrap()
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
    // Listening on every interface: link_url must not say 0.0.0.0.
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
    let base = first
        .strip_prefix("nox-mock listening on ")
        .unwrap()
        .to_owned();
    assert!(base.starts_with("http://127.0.0.1:"), "{base}");
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
    drop(mock);

    // Behind a proxy: link_url names the public URL.
    let mut mock = Running::start(&[
        "--port",
        "0",
        "--api-key",
        "k",
        "--public-url",
        "https://mock.example:8443/",
    ]);
    assert_eq!(
        mock.line(),
        "nox-mock listening on https://mock.example:8443"
    );
    assert_eq!(mock.line(), "api key: k");
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
}
