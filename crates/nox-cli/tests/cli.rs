//! The `nox` binary, run for real: every command, its exit codes and messages.

use std::io::{BufRead, BufReader};
use std::process::Stdio;
use std::time::{Duration, UNIX_EPOCH};

use assert_cmd::Command;
use nox_auth::callback::CallbackPayload;
use predicates::prelude::*;
use serde_json::Value;

fn nox() -> Command {
    let mut cmd = Command::cargo_bin("nox").unwrap();
    cmd.env_remove("NOX_API_KEY").env_remove("NOX_BASE_URL");
    cmd
}

fn sample_payload() -> CallbackPayload {
    CallbackPayload {
        nox_user_id: "nox-1".into(),
        supplier_user_id: "user-42".into(),
        brand: "daikin".into(),
        device_ids: vec!["dev-1".into(), "dev-2".into()],
        connected_at: UNIX_EPOCH + Duration::from_secs(1_703_123_500),
    }
}

#[test]
fn demo_shows_the_whole_flow_and_exits_0() {
    nox()
        .arg("demo")
        .assert()
        .code(0)
        .stdout(predicate::str::contains("[1/6] Started the local NOX Authenticator mock at http://127.0.0.1:"))
        .stdout(predicate::str::contains("[3/6] Created a v2 supplier link session for user demo-user-1 (hp, brand daikin)"))
        .stdout(predicate::str::contains("[4/6] Opened the Authenticator UI: \"Connect your device to NOX\"; brands offered: daikin"))
        .stdout(predicate::str::contains("[6/6] Callback received and verified"))
        .stdout(predicate::str::contains("Done: the device is linked"));
}

#[test]
fn demo_with_other_options() {
    nox()
        .args([
            "demo",
            "--asset-type",
            "pv",
            "--brand",
            "sma",
            "--language",
            "nl",
        ])
        .assert()
        .code(0)
        .stdout(predicate::str::contains("Koppel je apparaat met NOX"))
        .stdout(predicate::str::contains("brand sma"));
}

#[test]
fn demo_refuses_bad_arguments_with_exit_2() {
    nox()
        .args(["demo", "--asset-type", "pv", "--brand", "daikin"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "brand `daikin` is not available for asset type `pv`",
        ));
    nox()
        .args(["demo", "--brand", "dakin"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("did you mean `daikin`"));
}

#[test]
fn callback_decode_prints_the_payload() {
    let url = sample_payload()
        .redirect_url("https://example.com/cb?state=1")
        .unwrap();
    nox()
        .args(["callback", "decode", &url])
        .assert()
        .code(0)
        .stdout(predicate::str::contains("supplier_user_id: user-42"))
        .stdout(predicate::str::contains(
            "brand:            daikin (known; hp)",
        ))
        .stdout(predicate::str::contains("device_ids:       dev-1, dev-2"))
        .stdout(predicate::str::contains("connected_at:     1703123500"));
    let out = nox()
        .args(["callback", "decode", &sample_payload().encode(), "--json"])
        .assert()
        .code(0);
    let json: Value = serde_json::from_slice(&out.get_output().stdout).unwrap();
    assert_eq!(json["nox_user_id"], "nox-1");
    assert_eq!(json["connected_at"], 1_703_123_500);
    assert_eq!(json["device_ids"].as_array().unwrap().len(), 2);
}

#[test]
fn callback_decode_bad_input_exits_2_with_the_message_on_stderr_only() {
    for (input, message) in [
        ("https://example.com/cb?state=1", "no `data` parameter"),
        (
            "https://example.com/cb?data=",
            "the `data` parameter is empty",
        ),
        ("abc!def", "not valid base64url"),
        (
            "aGVsbG8",
            "does not decode to JSON: expected value at line 1, column 1",
        ),
        ("eyJhIjoxfQ", "has no `nox_user_id` field"),
    ] {
        nox()
            .args(["callback", "decode", input])
            .assert()
            .code(2)
            .stdout(predicate::str::is_empty())
            .stderr(predicate::str::contains(message));
    }
}

#[test]
fn brands_table_and_json() {
    nox()
        .arg("brands")
        .assert()
        .code(0)
        .stdout(predicate::str::contains("saunier-duval    hp"))
        .stdout(predicate::str::contains("lg               hp+pv"))
        .stdout(predicate::str::contains("56 brands"));
    let out = nox()
        .args(["brands", "--asset-type", "pv", "--json"])
        .assert()
        .code(0);
    let rows: Vec<Value> = serde_json::from_slice(&out.get_output().stdout).unwrap();
    let slugs: Vec<&str> = rows.iter().map(|r| r["brand"].as_str().unwrap()).collect();
    assert!(
        slugs.contains(&"sma") && !slugs.contains(&"daikin"),
        "{slugs:?}"
    );
    nox()
        .args(["brands", "--asset-type", "wind"])
        .assert()
        .code(2);
}

#[test]
fn every_command_has_help_with_an_example() {
    for args in [
        vec!["--help"],
        vec!["demo", "--help"],
        vec!["callback", "decode", "--help"],
        vec!["brands", "--help"],
        vec!["link", "create", "--help"],
        vec!["link", "create-manufacturer", "--help"],
        vec!["link", "device-connection", "--help"],
        vec!["mock", "serve", "--help"],
    ] {
        nox()
            .args(&args)
            .assert()
            .code(0)
            .stdout(predicate::str::contains("Example"));
    }
    nox()
        .arg("--help")
        .assert()
        .stdout(predicate::str::contains(
            "0 success, 1 API or network error, 2 bad input",
        ));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn link_create_against_the_mock_then_verify_the_callback() {
    let mock = nox_mock::MockServer::start().await.unwrap();
    let env = |cmd: &mut Command| {
        cmd.env("NOX_BASE_URL", mock.base_url())
            .env("NOX_API_KEY", mock.api_key());
    };
    let mut cmd = nox();
    env(&mut cmd);
    cmd.args([
        "link",
        "create",
        "--user-id",
        "u1",
        "--asset-type",
        "hp",
        "--redirect-url",
        "https://example.com/cb",
        "--brand",
        "saunier duval",
    ])
    .assert()
    .code(0)
    .stdout(predicate::str::contains(format!(
        "link_url:   {}/ui?token=",
        mock.base_url()
    )))
    .stdout(predicate::str::contains("expires:    in 59"));

    let mut cmd = nox();
    env(&mut cmd);
    let out = cmd
        .args([
            "link",
            "create",
            "--user-id",
            "u2",
            "--asset-type",
            "pv",
            "--redirect-url",
            "https://example.com/cb",
            "--json",
        ])
        .assert()
        .code(0);
    let session_json = String::from_utf8(out.get_output().stdout.clone()).unwrap();
    let session: nox_auth::LinkSession = serde_json::from_str(&session_json).unwrap();
    let dir = std::env::temp_dir().join(format!("nox-cli-test-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let session_file = dir.join("session.json");
    std::fs::write(&session_file, &session_json).unwrap();

    let redirect = mock
        .complete(&session.link_token, "sma", vec!["inv-1".into()])
        .unwrap();
    nox()
        .args(["callback", "decode", &redirect, "--session"])
        .arg(&session_file)
        .assert()
        .code(0)
        .stdout(predicate::str::contains(
            "verified:         yes, against link session",
        ));
    // The same callback against another user's session fails verification: exit 2.
    let mut other = session.clone();
    other.user_id = "someone-else".into();
    std::fs::write(&session_file, serde_json::to_string(&other).unwrap()).unwrap();
    nox()
        .args(["callback", "decode", &redirect, "--session"])
        .arg(&session_file)
        .assert()
        .code(2)
        .stdout(predicate::str::is_empty())
        .stderr(predicate::str::contains(
            "verification failed: the callback is for user `u2`",
        ));
    std::fs::write(&session_file, "{not json").unwrap();
    nox()
        .args(["callback", "decode", &redirect, "--session"])
        .arg(&session_file)
        .assert()
        .code(2)
        .stderr(predicate::str::contains("cannot read the link session"));
    let _ = std::fs::remove_dir_all(&dir);

    let mut cmd = nox();
    env(&mut cmd);
    cmd.args([
        "link",
        "create-manufacturer",
        "--user-id",
        "m1",
        "--redirect-url",
        "myapp://nox/cb",
        "--language",
        "fr",
    ])
    .assert()
    .code(0)
    .stdout(predicate::str::contains("language=fr"));
    let mut cmd = nox();
    env(&mut cmd);
    cmd.args(["link", "device-connection", "--user-id", "m1"])
        .assert()
        .code(0)
        .stdout(predicate::str::contains("user m1 is NOX user nox-"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn link_create_errors_and_exit_codes() {
    let mock = nox_mock::MockServer::start().await.unwrap();
    let base_args = [
        "link",
        "create",
        "--user-id",
        "u1",
        "--asset-type",
        "hp",
        "--redirect-url",
        "https://example.com/cb",
    ];
    // Wrong key: NOX answers 401 → exit 1, message, never the key.
    nox()
        .env("NOX_BASE_URL", mock.base_url())
        .env("NOX_API_KEY", "sk_wrong_SECRET_123")
        .args(base_args)
        .assert()
        .code(1)
        .stderr(predicate::str::contains("NOX refused the API key"))
        .stderr(predicate::str::contains("SECRET").not());
    // No key → exit 2.
    nox()
        .env("NOX_BASE_URL", mock.base_url())
        .args(base_args)
        .assert()
        .code(2)
        .stderr(predicate::str::contains("no API key"));
    // Brand not for the asset type → exit 2, nothing sent.
    let before = mock.requests().len();
    nox()
        .env("NOX_BASE_URL", mock.base_url())
        .env("NOX_API_KEY", mock.api_key())
        .args(base_args)
        .args(["--brand", "sma"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "brand `sma` is not available for asset type `hp`",
        ));
    assert_eq!(mock.requests().len(), before, "nothing was sent");
    // Plain http to a non-loopback host → exit 2.
    nox()
        .env("NOX_API_KEY", "k")
        .args(base_args)
        .args(["--base-url", "http://nox.example"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("loopback"));
    // Nothing listening → exit 1.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    nox()
        .env("NOX_API_KEY", "k")
        .env("NOX_BASE_URL", format!("http://127.0.0.1:{port}"))
        .args(base_args)
        .assert()
        .code(1)
        .stderr(predicate::str::contains("connection failure"));
}

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
        first.starts_with("nox mock listening on http://127.0.0.1:"),
        "{first}"
    );
    assert_eq!(lines.next().unwrap().unwrap(), "api key: k9");
    child.kill().unwrap();
    let _ = child.wait();
}
