//! The contract check against answers a careless or broken server gives: the key echoed
//! back (behind padding, so that a finding's cut would show part of it; as a JSON field
//! name; base64, percent-encoded, split in two), and an answer that breaks off.

use nox_contract::{CheckOptions, Report, check};
use serde_json::json;
use wiremock::{Mock, MockServer, ResponseTemplate};

const KEY: &str = "sk_live_CONTRACT_SECRET_42";

async fn run(base: &str) -> Report {
    check(CheckOptions::new(base, KEY)).await.unwrap()
}

/// A server that echoes the key it got behind 46 characters of text, in every answer:
/// a finding cuts what it shows at 80 characters, and the key must not survive in part.
#[tokio::test]
async fn a_key_echoed_behind_padding_is_not_shown_even_in_part() {
    let server = MockServer::start().await;
    Mock::given(wiremock::matchers::any())
        .respond_with(|req: &wiremock::Request| {
            let key = req
                .headers
                .get("x-api-key")
                .map(|v| v.to_str().unwrap().to_owned())
                .unwrap_or_default();
            ResponseTemplate::new(502)
                .insert_header("content-type", "text/plain")
                .set_body_string(format!("{}{key}", "x".repeat(46)))
        })
        .mount(&server)
        .await;
    let report = run(&server.uri()).await;
    let text = serde_json::to_string(&report).unwrap();
    // No 8-character piece of the key anywhere (a cut prefix included).
    for start in 0..=KEY.len() - 8 {
        let piece = &KEY[start..start + 8];
        assert!(!text.contains(piece), "`{piece}` of the key in {text}");
    }
    assert!(text.contains("<redacted>"), "{text}");
}

/// A server that promises 1,000 bytes and closes after 10: no answer to judge (a transport
/// error, exit 1 for `nox contract check`), never a breaking finding.
#[tokio::test]
async fn an_answer_that_breaks_off_is_no_answer_not_a_bad_one() {
    use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move {
        while let Ok((mut sock, _)) = listener.accept().await {
            tokio::spawn(async move {
                let mut buf = [0u8; 8192];
                let _ = sock.read(&mut buf).await;
                let _ = sock
                    .write_all(
                        b"HTTP/1.1 201 Created\r\ncontent-type: application/json\r\ncontent-length: 1000\r\n\r\n{\"link_url\"",
                    )
                    .await;
            });
        }
    });
    let report = run(&base).await;
    assert!(report.has_transport_errors(), "{report:#?}");
    assert!(!report.has_breaking(), "{report:#?}");
    let first = &report.checks[0];
    assert_eq!(first.status, Some(201));
    assert!(
        first
            .error
            .as_deref()
            .is_some_and(|e| e.contains("could not be read in full")),
        "{first:?}"
    );
    assert!(first.findings.is_empty());
}

/// The same, with the key echoed as a JSON field name (it becomes a finding's path), in
/// base64, percent-encoded and split in two: nothing of it in the report, text or JSON.
#[tokio::test]
async fn a_key_echoed_in_any_form_is_not_shown() {
    use base64::Engine as _;
    let server = MockServer::start().await;
    let seen = std::sync::atomic::AtomicUsize::new(0);
    Mock::given(wiremock::matchers::any())
        .respond_with(move |req: &wiremock::Request| {
            let n = seen.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            let key = req
                .headers
                .get("x-api-key")
                .map(|v| v.to_str().unwrap().to_owned())
                .unwrap_or_default();
            let (a, b) = key.split_at(key.len() / 2);
            let form = match n % 4 {
                0 => key.clone(),
                1 => base64::engine::general_purpose::STANDARD.encode(&key),
                2 => key.bytes().map(|c| format!("%{c:02x}")).collect(),
                _ => format!("{a}, {b}"),
            };
            ResponseTemplate::new(201).set_body_json(json!({ form.clone(): form }))
        })
        .mount(&server)
        .await;
    let report = run(&server.uri()).await;
    let mut texts = vec![serde_json::to_string(&report).unwrap()];
    for c in &report.checks {
        texts.extend(c.findings.iter().map(ToString::to_string));
    }
    let b64 = base64::engine::general_purpose::STANDARD.encode(KEY);
    for text in texts {
        for w in KEY.as_bytes().windows(8) {
            let piece = std::str::from_utf8(w).unwrap();
            assert!(!text.contains(piece), "`{piece}` in {text}");
        }
        assert!(!text.contains(&b64[..12]), "base64 in {text}");
    }
}
