//! The `nox` binary, run for real, on the commands that serve or check a NOX: `nox mock
//! serve`, `nox contract check` (exit codes and report) and `nox mock proxy`.

use crate::common;

use std::io::{BufRead, BufReader};
use std::process::Stdio;

use common::nox;
use predicates::prelude::*;
use serde_json::Value;

#[test]
fn mock_serve_prints_its_url() {
    let mut child = std::process::Command::new(assert_cmd::cargo::cargo_bin("nox"))
        .args(["mock", "serve", "--port", "0", "--api-key", "k9"])
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let first = lines.next().unwrap().unwrap();
    assert!(
        first.starts_with("nox-mock listening on http://127.0.0.1:"),
        "{first}"
    );
    assert_eq!(lines.next().unwrap().unwrap(), "api key: k9");
    child.kill().unwrap();
    let _ = child.wait();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn contract_check_exit_codes_and_report() {
    // Against our mock: nothing breaking, exit 0; the key is nowhere in the output.
    let mock = nox_mock::MockServer::start().await.unwrap();
    let out = nox()
        .env("NOX_API_KEY", mock.api_key())
        .args(["contract", "check", "--base-url", mock.base_url(), "--v1"])
        .assert()
        .code(0);
    let stdout = String::from_utf8(out.get_output().stdout.clone()).unwrap();
    assert!(
        stdout.contains("ok        201  v2 supplier link session"),
        "{stdout}"
    );
    assert!(stdout.contains("0 breaking"), "{stdout}");
    assert!(!stdout.contains(mock.api_key()), "{stdout}");
    let out = nox()
        .env("NOX_API_KEY", mock.api_key())
        .args(["contract", "check", "--base-url", mock.base_url(), "--json"])
        .assert()
        .code(0);
    let report: Value = serde_json::from_slice(&out.get_output().stdout).unwrap();
    // 11 calls, and the 4 questions about the NOX-initiated link's /post-login-redirect.
    let checks = report["checks"].as_array().unwrap();
    assert_eq!(checks.len(), 15);
    let asked = checks
        .iter()
        .filter(|c| c["call"].as_str().unwrap().contains("post-login-redirect"))
        .count();
    assert_eq!(asked, 4, "{report:#}");

    // A NOX whose answer lacks a required field: exit 4.
    let drifting = wiremock::MockServer::start().await;
    wiremock::Mock::given(wiremock::matchers::any())
        .respond_with(
            wiremock::ResponseTemplate::new(201)
                .set_body_json(serde_json::json!({"link_url": "x"})),
        )
        .mount(&drifting)
        .await;
    nox()
        .env("NOX_API_KEY", "sk_SECRET_for_drift")
        .args(["contract", "check", "--base-url", &drifting.uri()])
        .assert()
        .code(4)
        .stdout(predicate::str::contains("BREAKING"))
        .stdout(predicate::str::contains("missing required field"))
        .stdout(predicate::str::contains("SECRET").not());

    // Nothing listening: exit 1, with the cause. No key: exit 2.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    nox()
        .env("NOX_API_KEY", "k")
        .args([
            "contract",
            "check",
            "--base-url",
            &format!("http://127.0.0.1:{port}"),
        ])
        .assert()
        .code(1)
        .stdout(predicate::str::contains("NO ANSWER"))
        .stdout(predicate::str::contains("Connection refused"));
    nox()
        .args(["contract", "check", "--base-url", mock.base_url(), "--json"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("\"kind\":\"config\""));
    nox()
        .env("NOX_API_KEY", "k")
        .args(["contract", "check", "--create-records", "everything"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("not a call that creates records"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn contract_check_says_whose_user_id_a_linked_device_is_listed_for() {
    let mock = nox_mock::MockServer::start().await.unwrap();
    let env = |cmd: &mut assert_cmd::Command| {
        cmd.env("NOX_API_KEY", mock.api_key());
    };
    // Link a device as a user would: a session, completed, the callback decoded.
    let mut cmd = nox();
    env(&mut cmd);
    let out = cmd
        .args(["link", "create", "--user-id", "u1", "--asset-type", "hp"])
        .args(["--redirect-url", "https://example.com/cb", "--json"])
        .args(["--base-url", mock.base_url()])
        .assert()
        .code(0);
    let session: Value = serde_json::from_slice(&out.get_output().stdout).unwrap();
    let redirect = mock
        .complete(
            session["link_token"].as_str().unwrap(),
            nox_auth::Brand::Daikin,
            vec!["hp-1".into()],
        )
        .unwrap();
    let nox_id = nox_auth::callback::decode(&redirect).unwrap().nox_user_id;

    let mut cmd = nox();
    env(&mut cmd);
    let out = cmd
        .args(["contract", "check", "--base-url", mock.base_url()])
        .args([
            "--device-id",
            "hp-1",
            "--user-id",
            "u1",
            "--nox-user-id",
            &nox_id,
        ])
        .assert()
        .code(0);
    let stdout = String::from_utf8(out.get_output().stdout.clone()).unwrap();
    assert!(
        stdout.contains(
            "info      200  question: whose user_id does the Package API list your device for"
        ),
        "{stdout}"
    );
    assert!(
        stdout.contains(
            "[info] get_devices $.data[].user_id: question: observed user_id `u1`: your user id"
        ),
        "{stdout}"
    );
    // The same as JSON: one more call than without a device.
    let mut cmd = nox();
    env(&mut cmd);
    let out = cmd
        .args(["contract", "check", "--json", "--base-url", mock.base_url()])
        .args(["--device-id", "hp-1"])
        .assert()
        .code(0);
    let report: Value = serde_json::from_slice(&out.get_output().stdout).unwrap();
    assert_eq!(report["checks"].as_array().unwrap().len(), 16);
    // Ids to compare with, but no device: bad input.
    let mut cmd = nox();
    env(&mut cmd);
    cmd.args(["contract", "check", "--base-url", mock.base_url()])
        .args(["--user-id", "u1"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("--device-id"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mock_proxy_forwards_and_serves_its_findings() {
    let mock = nox_mock::MockServer::start().await.unwrap();
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let mut child = std::process::Command::new(assert_cmd::cargo::cargo_bin("nox"))
        .args([
            "mock",
            "proxy",
            "--upstream",
            mock.base_url(),
            "--port",
            &port.to_string(),
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let first = lines.next().unwrap().unwrap();
    assert!(
        first.starts_with(&format!("nox proxy listening on http://127.0.0.1:{port}")),
        "{first}"
    );
    let base = format!("http://127.0.0.1:{port}");
    let http = common::http();
    let resp = http
        .post(format!("{base}/v2/supplier/link-sessions"))
        .header("x-api-key", mock.api_key())
        .json(&serde_json::json!({"user_id": "u", "asset_type": "hp", "redirect_url": "https://e.com/cb", "extra": 1}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 201);
    let findings: Value = http
        .get(format!("{base}/_proxy/findings"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(findings[0]["direction"], "request");
    assert_eq!(findings[0]["path"], "$.extra");
    child.kill().unwrap();
    let out = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("request [info] create_supplier_link_session $.extra"),
        "{stderr}"
    );
    assert!(!stderr.contains(mock.api_key()));
    nox()
        .args(["mock", "proxy", "--upstream", "http://nox.example"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("loopback"));
}

/// `nox mock proxy` in front of an upstream that echoes the client's key back, as a field
/// name and a value, raw and URL-encoded (a key with `/ + =`): neither the findings it
/// serves nor its stderr show any 8-character piece of the key.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mock_proxy_never_shows_the_key_an_upstream_echoes() {
    let key = "sk/live+ECHO=0987/6543+21";
    let encoded = "sk%2Flive%2BECHO%3D0987%2F6543%2B21";
    let upstream = wiremock::MockServer::start().await;
    wiremock::Mock::given(wiremock::matchers::any())
        .respond_with(
            wiremock::ResponseTemplate::new(201).set_body_json(serde_json::json!({
                key: key, encoded: format!("?k={encoded}"), "link_url": format!("x{key}")
            })),
        )
        .mount(&upstream)
        .await;
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let mut child = std::process::Command::new(assert_cmd::cargo::cargo_bin("nox"))
        .args([
            "mock",
            "proxy",
            "--upstream",
            &upstream.uri(),
            "--port",
            &port.to_string(),
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let first = lines.next().unwrap().unwrap();
    assert!(first.starts_with("nox proxy listening on"), "{first}");
    let base = format!("http://127.0.0.1:{port}");
    let http = common::http();
    http.post(format!("{base}/v2/supplier/link-sessions"))
        .header("x-api-key", key)
        .json(&serde_json::json!({"user_id": "u", "asset_type": "hp", "redirect_url": "https://e.com/cb"}))
        .send()
        .await
        .unwrap();
    let findings = http
        .get(format!("{base}/_proxy/findings"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    child.kill().unwrap();
    let out = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(findings.contains("<redacted>"), "{findings}");
    assert!(stderr.contains("<redacted>"), "{stderr}");
    for text in [&findings, &stderr.to_string()] {
        let lower = text.to_ascii_lowercase();
        for form in [key, encoded] {
            for w in form.to_ascii_lowercase().as_bytes().windows(8) {
                let piece = std::str::from_utf8(w).unwrap();
                assert!(!lower.contains(piece), "`{piece}` in {text}");
            }
        }
    }
}
