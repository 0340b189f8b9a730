//! `nox devices confirm`, run for real against the mock over HTTP: a linked device
//! confirmed with its health (text, JSON, stdin); a forged callback that verifies but that
//! NOX does not confirm (exit 3: not listed, listed for another user, long unknown); bad
//! input (exit 2, nothing sent).

use crate::common;

use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use common::nox;
use nox_auth::callback::CallbackPayload;
use nox_auth::{AssetType, Brand, SupplierLinkRequest, SupplierLinkSession};
use nox_mock::{DeviceMark, MockServer};
use predicates::prelude::*;
use serde_json::{Value, json};

/// A scratch folder for session files, removed at the end of the test.
struct Scratch(PathBuf);

impl Scratch {
    fn new(name: &str) -> Scratch {
        let dir =
            std::env::temp_dir().join(format!("nox-cli-confirm-{name}-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        Scratch(dir)
    }

    /// Writes `text` to `name` in the folder, as `nox link create --json` would.
    fn file(&self, name: &str, text: &str) -> PathBuf {
        let path = self.0.join(name);
        std::fs::write(&path, text).unwrap();
        path
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// `nox devices confirm` against the mock, with its key and base URL from the environment.
fn confirm(mock: &MockServer, input: &str, session: &Path) -> assert_cmd::Command {
    let mut cmd = nox();
    cmd.env("NOX_BASE_URL", mock.base_url())
        .env("NOX_API_KEY", mock.api_key())
        .args(["devices", "confirm", input, "--session"])
        .arg(session);
    cmd
}

async fn session_for(mock: &MockServer, user: &str) -> SupplierLinkSession {
    mock.client()
        .unwrap()
        .create_supplier_link_session(
            SupplierLinkRequest::new(user, AssetType::Hp, "https://example.com/nox/callback")
                .brand(Brand::Daikin),
        )
        .await
        .unwrap()
}

fn json_of(session: &SupplierLinkSession) -> String {
    serde_json::to_string_pretty(session).unwrap()
}

fn package_calls(mock: &MockServer) -> usize {
    mock.requests()
        .iter()
        .filter(|r| r.path.starts_with("/v1/devices") || r.path.starts_with("/v1/manufacturer"))
        .count()
}

fn stderr_json(out: &assert_cmd::assert::Assert) -> Value {
    serde_json::from_slice(&out.get_output().stderr).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_linked_device_is_confirmed_with_its_health() {
    let mock = MockServer::start().await.unwrap();
    let scratch = Scratch::new("ok");
    let session = session_for(&mock, "u1").await;
    let file = scratch.file("session.json", &json_of(&session));
    let redirect = mock
        .complete(&session.link_token, Brand::Daikin, vec!["hp-1".into()])
        .unwrap();

    confirm(&mock, &redirect, &file)
        .assert()
        .code(0)
        .stdout(predicate::str::contains(
            "confirmed: NOX lists 1 device(s) of link session",
        ))
        .stdout(predicate::str::contains("for user u1 (hp, brand daikin)"))
        .stdout(predicate::str::contains("hp-1 (heat pumps): steerable"));
    assert!(package_calls(&mock) >= 1, "asked the Package API");

    // From stdin, as JSON.
    let out = confirm(&mock, "-", &file)
        .arg("--json")
        .write_stdin(format!("{redirect}\n"))
        .assert()
        .code(0);
    let confirmed: Value = serde_json::from_slice(&out.get_output().stdout).unwrap();
    assert_eq!(confirmed["confirmed"], true);
    assert_eq!(confirmed["user_id"], "u1");
    assert_eq!(confirmed["link_token"], session.link_token.as_str());
    assert_eq!(
        confirmed["devices"],
        json!([{"device_id": "hp-1", "listing": "heat pumps", "user_id": "u1", "brand": "daikin",
                "health": "steerable", "reason": null}])
    );

    // NOX now says the user must link again: not confirmed, exit 3, and why.
    mock.mark_device("hp-1", DeviceMark::default().needs_reauthentication(true))
        .unwrap();
    let out = confirm(&mock, &redirect, &file)
        .args(["--wait", "0", "--json"])
        .assert()
        .code(3)
        .stdout(predicate::str::is_empty());
    let err = stderr_json(&out);
    assert_eq!(err["error"]["kind"], "needs_reauthentication", "{err}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_manufacturer_link_is_confirmed_from_its_session_file() {
    let mock = MockServer::start().await.unwrap();
    let scratch = Scratch::new("manufacturer");
    let session = mock
        .client()
        .unwrap()
        .create_manufacturer_link_session(nox_auth::ManufacturerLinkRequest::new(
            "m1",
            "https://example.com/nox/callback",
        ))
        .await
        .unwrap();
    let file = scratch.file(
        "session.json",
        &serde_json::to_string_pretty(&session).unwrap(),
    );
    let redirect = mock
        .complete_manufacturer(&session.link_token, "Acme", vec!["m-dev-1".into()])
        .unwrap();
    // The manufacturer listing names no user: not confirmed unless that is accepted.
    confirm(&mock, &redirect, &file)
        .assert()
        .code(3)
        .stderr(predicate::str::contains("names no users"));
    confirm(&mock, &redirect, &file)
        .arg("--device-only")
        .assert()
        .code(0)
        .stdout(predicate::str::contains("not bound to user m1"))
        .stdout(predicate::str::contains("(manufacturer link, brand acme)"))
        .stdout(predicate::str::contains(
            "m-dev-1 (manufacturer): not reported",
        ));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_forged_callback_verifies_but_nox_does_not_confirm_it() {
    let mock = MockServer::start().await.unwrap();
    let scratch = Scratch::new("forged");
    let session = session_for(&mock, "u1").await;
    let file = scratch.file("session.json", &json_of(&session));
    // Built elsewhere: our user's id, a device NOX never linked. It fits the session.
    let forged = CallbackPayload::new(
        "nox-attacker",
        "u1",
        "daikin",
        vec!["forged-dev".into()],
        SystemTime::now(),
    )
    .redirect_url(&session.redirect_url)
    .unwrap();
    nox()
        .args(["callback", "decode", &forged, "--session"])
        .arg(&file)
        .assert()
        .code(0)
        .stdout(predicate::str::contains("verified:         yes"));
    let out = confirm(&mock, &forged, &file)
        .args(["--wait", "1", "--json"])
        .assert()
        .code(3)
        .stdout(predicate::str::is_empty());
    let err = stderr_json(&out);
    assert_eq!(err["error"]["kind"], "not_visible_yet", "{err}");
    assert!(
        err["error"]["message"]
            .as_str()
            .unwrap()
            .contains("`forged-dev`"),
        "{err}"
    );
    assert!(package_calls(&mock) >= 1);

    // The attacker's own device, which NOX lists for the attacker: named so, at once.
    let mallory = session_for(&mock, "mallory").await;
    mock.complete(
        &mallory.link_token,
        Brand::Daikin,
        vec!["mallory-hp".into()],
    )
    .unwrap();
    let stolen = CallbackPayload::new(
        "nox-mallory",
        "u1",
        "daikin",
        vec!["mallory-hp".into()],
        SystemTime::now(),
    )
    .redirect_url(&session.redirect_url)
    .unwrap();
    confirm(&mock, &stolen, &file)
        .assert()
        .code(3)
        .stderr(predicate::str::contains(
            "NOX does not confirm the link: NOX lists device `mallory-hp` for another user than `u1`",
        ));

    // A forged device id that would rewrite the terminal reaches it escaped.
    let evil = CallbackPayload::new(
        "nox-attacker",
        "u1",
        "daikin",
        vec!["evil\u{1b}[2Jdev".into()],
        SystemTime::now(),
    )
    .redirect_url(&session.redirect_url)
    .unwrap();
    let out = confirm(&mock, &evil, &file)
        .args(["--wait", "0"])
        .assert()
        .code(3);
    let stderr = String::from_utf8(out.get_output().stderr.clone()).unwrap();
    assert!(stderr.contains("does not list device(s)"), "{stderr}");
    assert!(!stderr.contains('\u{1b}'), "{stderr:?}");

    // A session file (as stored) whose callback says it connected 6 minutes ago: NOX
    // would list it by now, so it is unknown to NOX, not late.
    let now = nox_auth::time::to_unix_secs(SystemTime::now()).unwrap();
    let mut old: Value = serde_json::from_str(&json_of(&session)).unwrap();
    old["created_at"] = json!(now - 540);
    old["expires_at"] = json!(now + 60);
    let old_file = scratch.file("old.json", &old.to_string());
    let late = CallbackPayload::new(
        "nox-attacker",
        "u1",
        "daikin",
        vec!["forged-dev".into()],
        SystemTime::now() - Duration::from_secs(360),
    )
    .redirect_url(&session.redirect_url)
    .unwrap();
    let out = confirm(&mock, &late, &old_file)
        .args(["--wait", "0", "--json"])
        .assert()
        .code(3);
    assert_eq!(stderr_json(&out)["error"]["kind"], "unknown_to_nox");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_input_exits_2_and_a_failed_verification_3_with_nothing_sent() {
    let mock = MockServer::start().await.unwrap();
    let scratch = Scratch::new("bad");
    let session = session_for(&mock, "u1").await;
    let file = scratch.file("session.json", &json_of(&session));
    let redirect = mock
        .complete(&session.link_token, Brand::Daikin, vec!["hp-1".into()])
        .unwrap();

    // A malformed callback.
    let out = confirm(&mock, "https://example.com/cb?data=%%%", &file)
        .arg("--json")
        .assert()
        .code(2);
    assert_eq!(stderr_json(&out)["error"]["kind"], "callback");
    // No session file, an unreadable one, one that is no link session.
    nox()
        .args(["devices", "confirm", &redirect])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("--session"));
    confirm(&mock, &redirect, &scratch.0.join("missing.json"))
        .assert()
        .code(2)
        .stderr(predicate::str::contains("cannot read the link session"));
    let junk = scratch.file("junk.json", r#"{"hello": "world"}"#);
    confirm(&mock, &redirect, &junk)
        .assert()
        .code(2)
        .stderr(predicate::str::contains("cannot read the link session"));
    // A wait past the maximum.
    confirm(&mock, &redirect, &file)
        .args(["--wait", "121"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("--wait"));
    // No key: a configuration error, after the callback was verified.
    nox()
        .env("NOX_BASE_URL", mock.base_url())
        .args(["devices", "confirm", &redirect, "--session"])
        .arg(&file)
        .assert()
        .code(2)
        .stderr(predicate::str::contains("no API key"));
    // Another user's session: the callback fails verification, exit 3.
    let mut other = session.clone();
    other.user_id = "someone-else".into();
    let other_file = scratch.file("other.json", &json_of(&other));
    let out = confirm(&mock, &redirect, &other_file)
        .arg("--json")
        .assert()
        .code(3);
    assert_eq!(stderr_json(&out)["error"]["kind"], "verification");
    assert_eq!(package_calls(&mock), 0, "nothing was asked of NOX");

    // NOX unreachable: exit 1.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    confirm(&mock, &redirect, &file)
        .args(["--package-base-url", &format!("http://127.0.0.1:{port}")])
        .args(["--wait", "0"])
        .assert()
        .code(1)
        .stderr(predicate::str::contains("connection failure"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn where_nox_lists_its_own_user_ids_only_bind_to_nox_user_id_confirms() {
    let mock = MockServer::start_with(
        nox_mock::MockConfig::default().package_user_id(nox_mock::PackageUserId::NoxUserId),
    )
    .await
    .unwrap();
    let scratch = Scratch::new("nox-ids");
    let session = session_for(&mock, "u1").await;
    let file = scratch.file("session.json", &json_of(&session));
    let redirect = mock
        .complete(&session.link_token, Brand::Daikin, vec!["hp-1".into()])
        .unwrap();
    // The strict default: NOX lists the device for an id that is not the session's user.
    confirm(&mock, &redirect, &file)
        .args(["--wait", "0"])
        .assert()
        .code(3)
        .stderr(predicate::str::contains("for another user than `u1`"));
    // The documented weaker option: the callback's own nox_user_id.
    confirm(&mock, &redirect, &file)
        .args(["--bind-to", "nox-user-id"])
        .assert()
        .code(0)
        .stdout(predicate::str::contains("hp-1 (heat pumps): steerable"));
}
