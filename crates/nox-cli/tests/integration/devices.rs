//! `nox devices list`, run for real against a Package API on 127.0.0.1: pages followed and
//! printed as they come, JSON lines, NOX's text escaped for the terminal, exit statuses.

use crate::common;

use common::nox;
use serde_json::{Value, json};
use wiremock::matchers::{method, path, query_param, query_param_is_missing};
use wiremock::{Mock, MockServer, ResponseTemplate};

const KEY: &str = "k-devices-test";

/// Two pages of heat pumps, the second reached with the first page's token.
async fn two_pages() -> MockServer {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/v1/devices"))
        .and(query_param_is_missing("next_token"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "data": [
                {"device_id": "hp-1", "user_id": "nox-u1", "brand": "nibe", "needs_reauthentication": false,
                 "steerable_status": {"steerable": true}},
                {"device_id": "hp-2", "user_id": "nox-u1", "brand": "evil\u{1b}[31mred", "needs_reauthentication": true}
            ],
            "meta": {"next_token": "p2"}
        })))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/v1/devices"))
        .and(query_param("next_token", "p2"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "data": [{"device_id": "hp-3", "user_id": "nox-u1", "brand": "ni\u{9b}2J\u{202e}\u{7f}be"}],
            "meta": {"next_token": null}
        })))
        .mount(&server)
        .await;
    server
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn lists_every_page_as_a_table_with_nox_text_escaped() {
    let server = two_pages().await;
    let out = nox()
        .env("NOX_API_KEY", KEY)
        .args(["devices", "list", "--user-id", "nox-u1", "--base-url"])
        .arg(server.uri())
        .assert()
        .code(0);
    let stdout = String::from_utf8(out.get_output().stdout.clone()).unwrap();
    assert!(stdout.starts_with("device_id"), "{stdout}");
    let rows: Vec<&str> = stdout.lines().filter(|l| l.starts_with("hp-")).collect();
    assert_eq!(rows.len(), 3, "{stdout}");
    assert!(
        rows[0].contains("nibe") && rows[0].contains("yes"),
        "{stdout}"
    );
    assert!(
        rows[1].ends_with("yes"),
        "re-authentication shown: {stdout}"
    );
    assert!(
        !stdout.contains('\u{1b}'),
        "a raw escape reached the terminal: {stdout:?}"
    );
    assert!(stdout.contains("3 devices."), "{stdout}");
    // The filter and the key went to NOX with every page.
    for req in server.received_requests().await.unwrap() {
        assert_eq!(req.headers["x-api-key"], KEY);
        assert!(
            req.url.query().unwrap().contains("user_id=nox-u1"),
            "{}",
            req.url
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn json_lines_one_device_per_line() {
    let server = two_pages().await;
    let out = nox()
        .env("NOX_API_KEY", KEY)
        .args(["devices", "list", "--json", "--base-url"])
        .arg(server.uri())
        .assert()
        .code(0);
    let stdout = String::from_utf8(out.get_output().stdout.clone()).unwrap();
    let devices: Vec<Value> = stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let ids: Vec<&str> = devices
        .iter()
        .map(|d| d["device_id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, ["hp-1", "hp-2", "hp-3"]);
    assert_eq!(
        devices[1]["brand"], "evil\u{1b}[31mred",
        "the value, JSON-escaped"
    );
    assert!(!stdout.contains('\u{1b}'), "{stdout:?}");
    // C1 controls, bidi overrides and DEL (which serde_json leaves raw) are escaped too,
    // and the value reads back the same.
    for raw in ['\u{9b}', '\u{202e}', '\u{7f}'] {
        assert!(!stdout.contains(raw), "{raw:?} raw in {stdout:?}");
    }
    assert_eq!(devices[2]["brand"], "ni\u{9b}2J\u{202e}\u{7f}be");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_input_and_refusals_have_their_exit_status() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(401))
        .mount(&server)
        .await;
    // A page size NOX does not serve: refused before sending, exit 2.
    let out = nox()
        .env("NOX_API_KEY", KEY)
        .args([
            "devices",
            "list",
            "--page-size",
            "5000",
            "--json",
            "--base-url",
        ])
        .arg(server.uri())
        .assert()
        .code(2);
    let err: Value = serde_json::from_slice(&out.get_output().stderr).unwrap();
    assert_eq!(err["error"]["kind"], "validation", "{err}");
    // A filter the endpoint does not have: exit 2 too.
    nox()
        .env("NOX_API_KEY", KEY)
        .args(["devices", "list", "--pv", "--user-id", "u", "--base-url"])
        .arg(server.uri())
        .assert()
        .code(2)
        .stdout("")
        .stderr(predicates::str::contains("has no `user_id` filter"));
    assert!(server.received_requests().await.unwrap().is_empty());
    // NOX refuses the key: exit 1, and the key is not printed.
    let out = nox()
        .env("NOX_API_KEY", KEY)
        .args(["devices", "list", "--manufacturer", "--base-url"])
        .arg(server.uri())
        .assert()
        .code(1);
    let stderr = String::from_utf8(out.get_output().stderr.clone()).unwrap();
    assert!(stderr.contains("401"), "{stderr}");
    assert!(!stderr.contains(KEY), "{stderr}");
}

/// The listing streams: a second page that fails leaves the first page's devices printed
/// (each line as its page came), then the error on stderr and a failing exit status.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failing_second_page_leaves_the_first_printed() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/v1/devices"))
        .and(query_param_is_missing("next_token"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "data": [{"device_id": "hp-1", "user_id": "nox-u1", "brand": "nibe"},
                     {"device_id": "hp-2", "user_id": "nox-u1", "brand": "nibe"}],
            "meta": {"next_token": "p2"}
        })))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/v1/devices"))
        .and(query_param("next_token", "p2"))
        .respond_with(
            ResponseTemplate::new(401).set_body_json(json!({"detail": "Invalid API key"})),
        )
        .mount(&server)
        .await;
    let out = nox()
        .env("NOX_API_KEY", KEY)
        .args([
            "devices",
            "list",
            "--json",
            "--user-id",
            "nox-u1",
            "--base-url",
        ])
        .arg(server.uri())
        .assert()
        .failure();
    let stdout = String::from_utf8(out.get_output().stdout.clone()).unwrap();
    let ids: Vec<String> = stdout
        .lines()
        .map(|l| {
            serde_json::from_str::<Value>(l).unwrap()["device_id"]
                .as_str()
                .unwrap()
                .to_owned()
        })
        .collect();
    assert_eq!(ids, ["hp-1", "hp-2"], "{stdout}");
    let stderr = String::from_utf8(out.get_output().stderr.clone()).unwrap();
    assert!(!stderr.is_empty(), "the failure is said");
    assert!(!stderr.contains(KEY) && !stdout.contains(KEY));
}
