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
    CallbackPayload::new(
        "nox-1",
        "user-42",
        "daikin",
        vec!["dev-1".into(), "dev-2".into()],
        UNIX_EPOCH + Duration::from_secs(1_703_123_500),
    )
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
            "0 success, 1 API or network error, 2 bad input, 3 callback failed verification",
        ));
    nox()
        .args(["callback", "decode", "--help"])
        .assert()
        .stdout(predicate::str::contains(
            "3 decoded but failed verification",
        ));
}

#[test]
fn completions_for_each_shell() {
    for (shell, marker) in [
        ("bash", "_nox()"),
        ("zsh", "#compdef nox"),
        ("fish", "complete -c nox"),
    ] {
        nox()
            .args(["completions", shell])
            .assert()
            .code(0)
            .stdout(predicate::str::contains(marker))
            .stdout(predicate::str::contains("callback"));
    }
    nox().args(["completions", "tcsh"]).assert().code(2);
}

#[test]
fn callback_decode_reads_stdin_for_a_dash() {
    let url = sample_payload()
        .redirect_url("https://example.com/cb")
        .unwrap();
    nox()
        .args(["callback", "decode", "-"])
        .write_stdin(format!("  {url}\n"))
        .assert()
        .code(0)
        .stdout(predicate::str::contains("supplier_user_id: user-42"));
    nox()
        .args(["callback", "decode", "-"])
        .write_stdin("")
        .assert()
        .code(2);
}

#[test]
fn untrusted_text_cannot_rewrite_the_terminal() {
    // A forged callback whose fields carry terminal escapes: clear the line, move up,
    // and print a fake "verified: yes"; plus a bidi override.
    let mut p = sample_payload();
    p.supplier_user_id = "u1\u{1b}[2K\u{1b}[1A\rverified:         yes".into();
    p.nox_user_id = "nox\u{202e}1-xon".into();
    p.device_ids = vec!["dev\u{7}\u{9b}31m".into()];
    p.brand = "wolf\u{1b}]0;title\u{7}".into();
    let out = nox()
        .args(["callback", "decode", &p.encode()])
        .assert()
        .code(0);
    let stdout = String::from_utf8(out.get_output().stdout.clone()).unwrap();
    for c in stdout.chars() {
        assert!(
            c == '\n' || !(c.is_control() || ('\u{202a}'..='\u{202e}').contains(&c)),
            "raw control character {c:?} in {stdout:?}"
        );
    }
    assert!(stdout.contains("u1\\u{1b}[2K"), "{stdout}");
    assert!(
        !stdout.contains("\nverified:"),
        "no fake verified line: {stdout}"
    );
    // The same text in an error message is escaped too.
    let mut session = serde_json::json!({
        "link_url": "https://auth.nox.energy/ui?token=t", "link_token": "t", "user_id": "someone",
        "asset_type": "hp", "brand": null, "language": "nl", "redirect_url": "https://example.com/cb",
        "supplier": "Acme", "created_at": 1703123456, "expires_at": 1703124056, "completed_at": null
    });
    let dir = std::env::temp_dir().join(format!("nox-cli-esc-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("s.json");
    session["user_id"] = "someone".into();
    std::fs::write(&file, session.to_string()).unwrap();
    let out = nox()
        .args([
            "callback",
            "decode",
            &p.encode(),
            "--now",
            "1703123600",
            "--session",
        ])
        .arg(&file)
        .assert()
        .code(3);
    let stderr = String::from_utf8(out.get_output().stderr.clone()).unwrap();
    assert!(!stderr.contains('\u{1b}'), "{stderr:?}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_closed_stdout_ends_quietly() {
    // `nox brands | head -1`, made deterministic: the reader is gone before the first
    // write, so every write meets a broken pipe.
    for args in [
        vec!["brands"],
        vec!["completions", "bash"],
        vec!["brands", "--json"],
    ] {
        let (reader, writer) = std::io::pipe().unwrap();
        drop(reader);
        let out = std::process::Command::new(assert_cmd::cargo::cargo_bin("nox"))
            .args(&args)
            .stdout(writer)
            .stderr(Stdio::piped())
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(!stderr.contains("panicked"), "{args:?}: {stderr}");
        assert_eq!(out.status.code(), Some(0), "{args:?}: {stderr}");
        assert!(stderr.is_empty(), "{args:?}: quietly: {stderr}");
    }
}

#[test]
fn json_errors_are_json_on_stderr() {
    let out = nox()
        .args(["callback", "decode", "abc!def", "--json"])
        .assert()
        .code(2)
        .stdout(predicate::str::is_empty());
    let err: Value = serde_json::from_slice(&out.get_output().stderr).unwrap();
    assert_eq!(err["error"]["kind"], "callback");
    assert!(
        err["error"]["message"]
            .as_str()
            .unwrap()
            .contains("base64url")
    );
    // No key: a config error, as JSON.
    let out = nox()
        .args([
            "link",
            "create",
            "--user-id",
            "u",
            "--asset-type",
            "hp",
            "--redirect-url",
            "https://e.com/cb",
            "--json",
        ])
        .assert()
        .code(2);
    let err: Value = serde_json::from_slice(&out.get_output().stderr).unwrap();
    assert_eq!(err["error"]["kind"], "config");
    // A command-line error, as JSON too.
    let out = nox()
        .args([
            "link",
            "create",
            "--user-id",
            "u",
            "--asset-type",
            "wind",
            "--redirect-url",
            "https://e.com/cb",
            "--json",
        ])
        .assert()
        .code(2);
    let err: Value = serde_json::from_slice(&out.get_output().stderr).unwrap();
    assert_eq!(err["error"]["kind"], "usage");
    assert!(
        err["error"]["message"]
            .as_str()
            .unwrap()
            .contains("unknown asset type `wind`"),
        "{err}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn verbose_shows_the_request_spans_without_the_key() {
    let mock = nox_mock::MockServer::start().await.unwrap();
    let out = nox()
        .env("NOX_BASE_URL", mock.base_url())
        .env("NOX_API_KEY", mock.api_key())
        .env_remove("RUST_LOG")
        .args([
            "-v",
            "link",
            "create",
            "--user-id",
            "u1",
            "--asset-type",
            "hp",
            "--redirect-url",
            "https://example.com/cb",
        ])
        .assert()
        .code(0);
    let stderr = String::from_utf8(out.get_output().stderr.clone()).unwrap();
    for part in [
        "nox.request",
        "operation_id=\"create_supplier_link_session\"",
        "attempt=1",
        "status=201",
        "duration_ms=",
    ] {
        assert!(stderr.contains(part), "{part} missing from: {stderr}");
    }
    assert!(!stderr.contains(mock.api_key()), "{stderr}");
    // RUST_LOG works without -v; nothing without either.
    let out = nox()
        .env("NOX_BASE_URL", mock.base_url())
        .env("NOX_API_KEY", mock.api_key())
        .env("RUST_LOG", "nox_auth_runtime=debug")
        .args([
            "link",
            "create",
            "--user-id",
            "u1",
            "--asset-type",
            "hp",
            "--redirect-url",
            "https://example.com/cb",
        ])
        .assert()
        .code(0);
    assert!(String::from_utf8_lossy(&out.get_output().stderr).contains("nox.request"));
    nox()
        .env("NOX_BASE_URL", mock.base_url())
        .env("NOX_API_KEY", mock.api_key())
        .env_remove("RUST_LOG")
        .args([
            "link",
            "create",
            "--user-id",
            "u1",
            "--asset-type",
            "hp",
            "--redirect-url",
            "https://example.com/cb",
        ])
        .assert()
        .code(0)
        .stderr(predicate::str::is_empty());
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
    let session: nox_auth::SupplierLinkSession = serde_json::from_str(&session_json).unwrap();
    let dir = std::env::temp_dir().join(format!("nox-cli-test-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let session_file = dir.join("session.json");
    std::fs::write(&session_file, &session_json).unwrap();

    let redirect = mock
        .complete(
            &session.link_token,
            nox_auth::Brand::Sma,
            vec!["inv-1".into()],
        )
        .unwrap();
    nox()
        .args(["callback", "decode", &redirect, "--session"])
        .arg(&session_file)
        .assert()
        .code(0)
        .stdout(predicate::str::contains(
            "verified:         yes, against link session",
        ));
    // The same callback against another user's session fails verification: exit 3,
    // distinct from malformed input (2).
    let mut other = session.clone();
    other.user_id = "someone-else".into();
    std::fs::write(&session_file, serde_json::to_string(&other).unwrap()).unwrap();
    nox()
        .args(["callback", "decode", &redirect, "--session"])
        .arg(&session_file)
        .assert()
        .code(3)
        .stdout(predicate::str::is_empty())
        .stderr(predicate::str::contains(
            "verification failed: the callback is for user `u2`",
        ));
    let out = nox()
        .args(["callback", "decode", &redirect, "--json", "--session"])
        .arg(&session_file)
        .assert()
        .code(3)
        .stdout(predicate::str::is_empty());
    let err: Value = serde_json::from_slice(&out.get_output().stderr).unwrap();
    assert_eq!(err["error"]["kind"], "verification");
    assert!(
        err["error"]["message"]
            .as_str()
            .unwrap()
            .contains("is for user `u2`")
    );
    // A `--now` past what the clock can hold is bad input, not a panic.
    nox()
        .args([
            "callback",
            "decode",
            &redirect,
            "--now",
            "18446744073709551615",
            "--session",
        ])
        .arg(&session_file)
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "past what this system's clock can hold",
        ))
        .stderr(predicate::str::contains("panicked").not());
    // A day after the session expired the (otherwise valid) callback is refused.
    std::fs::write(&session_file, &session_json).unwrap();
    let day_later = (session
        .times
        .expires_at
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs()
        + 86_400)
        .to_string();
    nox()
        .args([
            "callback",
            "decode",
            &redirect,
            "--now",
            &day_later,
            "--session",
        ])
        .arg(&session_file)
        .assert()
        .code(3)
        .stderr(predicate::str::contains("link session expired"));
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
        .stderr(predicate::str::contains("connection failure"))
        .stderr(predicate::str::contains("Connection refused"));
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
    assert_eq!(report["checks"].as_array().unwrap().len(), 7);

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
    let http = reqwest::Client::new();
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
