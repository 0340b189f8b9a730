//! The `nox` binary, run for real, on `nox link` against the mock: create (with `-v` traces
//! and never the key), the callback verified against the stored session, and the errors
//! and exit codes.

use crate::common;

use std::time::UNIX_EPOCH;

use assert_cmd::Command;
use common::nox;
use predicates::prelude::*;
use serde_json::Value;

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
        "operation=\"create_supplier_link_session\"",
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
