//! The `nox-mock` binary: `--port 0` starts, prints its base URL, and answers there.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

#[tokio::test]
async fn binary_prints_its_base_url_and_serves() {
    let mut child = Command::new(env!("CARGO_BIN_EXE_nox-mock"))
        .args(["--port", "0", "--api-key", "bin-key"])
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let first = lines.next().unwrap().unwrap();
    let base = first
        .strip_prefix("nox-mock listening on ")
        .expect(&first)
        .to_owned();
    assert!(base.starts_with("http://127.0.0.1:"), "{base}");
    assert_eq!(lines.next().unwrap().unwrap(), "api key: bin-key");
    assert!(lines.next().unwrap().unwrap().starts_with("try: curl"));

    let resp = reqwest::Client::new()
        .post(format!("{base}/v2/supplier/link-sessions"))
        .header("x-api-key", "bin-key")
        .json(&serde_json::json!({"user_id": "u1", "asset_type": "hp", "redirect_url": "https://e.com/cb"}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 201);
    child.kill().unwrap();
    let _ = child.wait();
}

#[test]
fn binary_reports_a_port_in_use() {
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = taken.local_addr().unwrap().port().to_string();
    let out = Command::new(env!("CARGO_BIN_EXE_nox-mock"))
        .args(["--port", &port])
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("cannot listen on"));
}
