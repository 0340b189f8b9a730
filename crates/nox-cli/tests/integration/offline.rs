//! The `nox` binary, run for real, on commands that need no NOX: demo, callback decode,
//! brands, help, completions, and its output (a closed stdout, JSON errors, escaped text).

use crate::common;

use std::process::Stdio;
use std::time::{Duration, UNIX_EPOCH};

use common::nox;
use nox_auth::callback::CallbackPayload;
use predicates::prelude::*;
use serde_json::Value;

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
        .stdout(predicate::str::contains("[1/7] Started the local NOX Authenticator mock at http://127.0.0.1:"))
        .stdout(predicate::str::contains("[3/7] Created a v2 supplier link session for user demo-user-1 (hp, brand daikin)"))
        .stdout(predicate::str::contains("[4/7] Opened the Authenticator UI: \"Connect your device to NOX\"; brands offered: daikin"))
        .stdout(predicate::str::contains("[6/7] Callback received and verified"))
        .stdout(predicate::str::contains(
            "[7/7] Confirmed at NOX's Package API (http://127.0.0.1:",
        ))
        .stdout(predicate::str::contains(
            "): 1 device(s) listed for user demo-user-1",
        ))
        .stdout(predicate::str::is_match(r"\n      dev-[0-9a-f]+ \(heat pumps\): steerable\n").unwrap())
        .stdout(predicate::str::contains(
            "Done: the device is linked, the callback was verified against its link session, and NOX confirmed the link.",
        ));
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
        .stdout(predicate::str::contains("brand sma"))
        .stdout(predicate::str::contains("(pv inverters): steerable"));
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
        vec!["devices", "list", "--help"],
        vec!["devices", "confirm", "--help"],
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
    // With --json: valid JSON whose strings escape DEL, C1 and bidi controls too (JSON
    // itself only requires C0), so `jq -r` or a log viewer cannot be steered either.
    p.nox_user_id = "nox\u{202e}1\u{7f}\u{9b}2J".into();
    let out = nox()
        .args(["callback", "decode", "--json", &p.encode()])
        .assert()
        .code(0);
    let json = String::from_utf8(out.get_output().stdout.clone()).unwrap();
    for c in json.chars() {
        assert!(
            c == '\n' || !(c.is_control() || ('\u{202a}'..='\u{202e}').contains(&c)),
            "raw control character {c:?} in {json:?}"
        );
    }
    let parsed: serde_json::Value = serde_json::from_str(&json).expect("--json prints JSON");
    assert_eq!(
        parsed["nox_user_id"].as_str(),
        Some("nox\u{202e}1\u{7f}\u{9b}2J"),
        "the value survives, escaped only in the text: {json}"
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

/// clap quotes what was typed in its errors: an argument holding terminal escapes, a
/// bidi override or a megabyte comes back escaped and cut, in text and in JSON.
#[test]
fn usage_errors_escape_and_cut_what_was_typed() {
    let hostile = format!(
        "--x\u{1b}]0;pwned\u{7}\u{1b}[2J\u{202e}\u{9b}{}",
        "A".repeat(100_000)
    );
    for json in [false, true] {
        let mut cmd = nox();
        cmd.args(["brands", &hostile]);
        if json {
            cmd.arg("--json");
        }
        let out = cmd.assert().code(2);
        let stderr = String::from_utf8(out.get_output().stderr.clone()).unwrap();
        for raw in ['\u{1b}', '\u{7}', '\u{202e}', '\u{9b}'] {
            assert!(!stderr.contains(raw), "{raw:?} raw in {stderr:?}");
        }
        assert!(stderr.contains("unexpected argument"), "{stderr}");
        assert!(stderr.len() < 4_000, "{} bytes", stderr.len());
        if json {
            let v: serde_json::Value = serde_json::from_str(stderr.trim()).unwrap();
            assert_eq!(v["error"]["kind"], "usage");
        }
    }
}
