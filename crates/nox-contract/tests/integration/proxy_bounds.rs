//! The proxy against a hostile client and upstream, on 127.0.0.1: dot segments that would
//! leave the upstream prefix, headers named in `Connection:`, too many
//! requests at once, a rebinding `Host` for the findings, the client's key echoed back,
//! connections that hold their request head or sit idle, and findings without end. Its
//! memory under abuse: `proxy_memory.rs`.

use std::time::{Duration, Instant};

use nox_contract::{
    FINDING_TEXT_LIMIT, KEPT_FINDINGS, KEPT_FINDINGS_BYTES, MAX_CONCURRENT, MAX_FINDINGS, Proxy,
    ProxyConfig,
};
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio::net::TcpStream;
use wiremock::matchers::any;
use wiremock::{Mock, MockServer, Request, ResponseTemplate};

/// An upstream that records what reached it, under the prefix `/api`.
async fn upstream(respond: ResponseTemplate) -> (MockServer, Proxy) {
    upstream_with(respond, nox_contract::HEADER_TIMEOUT).await
}

/// The same, the proxy closing connections that hold their head `header_timeout`.
async fn upstream_with(respond: ResponseTemplate, header_timeout: Duration) -> (MockServer, Proxy) {
    let server = MockServer::start().await;
    Mock::given(any())
        .respond_with(respond)
        .mount(&server)
        .await;
    let mut config = ProxyConfig::new(format!("{}/api", server.uri()).parse().unwrap());
    config.header_timeout = header_timeout;
    let proxy = Proxy::start(config).await.unwrap();
    (server, proxy)
}

#[tokio::test]
async fn dot_segments_and_connection_named_headers_are_not_forwarded() {
    let (server, proxy) = upstream(ResponseTemplate::new(200)).await;
    let http = reqwest::Client::new();
    for path in ["/../secret", "/v2/%2e%2e/%2E%2E/secret", "/a/./b"] {
        // reqwest would normalise `..`: send the path raw.
        let resp = raw_get(&proxy, path).await;
        assert!(resp.starts_with("HTTP/1.1 400"), "{path}: {resp}");
    }
    http.get(format!("{}/v2/x", proxy.base_url()))
        .header("connection", "x-secret-hop")
        .header("x-secret-hop", "do not forward")
        .header("keep-alive", "timeout=5")
        .send()
        .await
        .unwrap();
    let got: Vec<Request> = server.received_requests().await.unwrap();
    assert_eq!(got.len(), 1, "only the last request reached the upstream");
    assert_eq!(got[0].url.path(), "/api/v2/x");
    assert!(got[0].headers.get("x-secret-hop").is_none());
    assert!(got[0].headers.get("keep-alive").is_none());
}

#[tokio::test]
async fn backslashes_and_encoded_slashes_do_not_leave_the_prefix() {
    let (server, proxy) = upstream(ResponseTemplate::new(200)).await;
    // `url` reads `\` as `/` and then resolves the `..` before it: `/..\x` was `GET /x`.
    for path in [
        "/..\\x",
        "/v2/..\\..\\x",
        "/v2\\x",
        "/v2/%5c..%5cx",
        "/v2/..%5Cx",
        "/v2/..%2fx",
        "/v2/a%2Fb",
    ] {
        let resp = raw_get(&proxy, path).await;
        assert!(resp.starts_with("HTTP/1.1 400"), "{path}: {resp}");
    }
    let got: Vec<Request> = server.received_requests().await.unwrap();
    let paths: Vec<&str> = got.iter().map(|r| r.url.path()).collect();
    assert!(paths.is_empty(), "reached the upstream: {paths:?}");
}

/// `GET path` written by hand (no client-side normalisation); the raw answer.
async fn raw_get(proxy: &Proxy, path: &str) -> String {
    let addr = proxy.base_url().trim_start_matches("http://").to_owned();
    let mut sock = tokio::net::TcpStream::connect(&addr).await.unwrap();
    sock.write_all(
        format!("GET {path} HTTP/1.1\r\nhost: {addr}\r\nconnection: close\r\n\r\n").as_bytes(),
    )
    .await
    .unwrap();
    let mut out = String::new();
    let _ = sock.read_to_string(&mut out).await;
    out
}

#[tokio::test]
async fn too_many_at_once_get_503_and_a_rebound_host_gets_no_findings() {
    // An upstream that takes 2 s: MAX_CONCURRENT requests fill the proxy.
    let (_server, proxy) =
        upstream(ResponseTemplate::new(200).set_delay(Duration::from_secs(2))).await;
    let http = reqwest::Client::new();
    let calls: Vec<_> = (0..MAX_CONCURRENT + 4)
        .map(|_| http.get(format!("{}/v2/slow", proxy.base_url())).send())
        .collect();
    let statuses: Vec<u16> = futures_util::future::join_all(calls)
        .await
        .into_iter()
        .map(|r| r.unwrap().status().as_u16())
        .collect();
    assert_eq!(
        statuses.iter().filter(|s| **s == 503).count(),
        4,
        "{statuses:?}"
    );
    assert_eq!(
        statuses.iter().filter(|s| **s == 200).count(),
        MAX_CONCURRENT
    );

    let findings = |host: &'static str| {
        http.get(format!(
            "{}{}",
            proxy.base_url(),
            nox_contract::FINDINGS_PATH
        ))
        .header("host", host)
        .send()
    };
    assert_eq!(findings("evil.example").await.unwrap().status(), 421);
    assert_eq!(findings("localhost:1234").await.unwrap().status(), 200);
}

#[tokio::test]
async fn the_clients_key_echoed_by_the_upstream_is_not_in_the_findings() {
    let key = "sk_live_PROXYSECRET_0987654321";
    // The upstream answers a link session with the key as a field name and value.
    let (_server, proxy) = upstream(
        ResponseTemplate::new(201)
            .set_body_json(serde_json::json!({ key: key, "link_url": format!("x{key}") })),
    )
    .await;
    reqwest::Client::new()
        .post(format!("{}/v2/supplier/link-sessions", proxy.base_url()))
        .header("x-api-key", key)
        .json(&serde_json::json!({"user_id": "u", "asset_type": "hp", "redirect_url": "https://e.com/cb"}))
        .send()
        .await
        .unwrap();
    let findings = proxy.findings();
    assert!(!findings.is_empty());
    let text = serde_json::to_string(&findings).unwrap();
    for w in key.as_bytes().windows(8) {
        let piece = std::str::from_utf8(w).unwrap();
        assert!(!text.contains(piece), "`{piece}` in {text}");
    }
}

#[tokio::test]
async fn the_key_json_escaped_or_upper_cased_by_the_upstream_is_not_in_the_findings() {
    let key = "sk_live_PROXYSECRET_0987654321";
    // `\u0073k_l\u0069ve…`: every third character escaped, in a value past 4,096 bytes
    // (shown as written, not parsed), and the key upper-cased in another.
    let escaped: String = key
        .chars()
        .enumerate()
        .map(|(i, c)| match i % 3 {
            0 => format!("\\u{:04x}", c as u32),
            _ => c.to_string(),
        })
        .collect();
    let body = format!(
        r#"{{"link_token":"t","link_url":"https://e.com/ui","expires_at":"2026-01-01T00:00:00Z","echo":"{escaped}{}","shout":"{}"}}"#,
        "x".repeat(5_000),
        key.to_ascii_uppercase()
    );
    let (_server, proxy) =
        upstream(ResponseTemplate::new(201).set_body_raw(body, "application/json")).await;
    reqwest::Client::new()
        .post(format!("{}/v2/supplier/link-sessions", proxy.base_url()))
        .header("x-api-key", key)
        .json(&serde_json::json!({"user_id": "u", "asset_type": "hp", "redirect_url": "https://e.com/cb"}))
        .send()
        .await
        .unwrap();
    let findings = proxy.findings();
    let text = serde_json::to_string(&findings).unwrap();
    assert!(
        text.contains("$.echo") && text.contains("$.shout"),
        "{text}"
    );
    let lower = text.to_ascii_lowercase();
    for w in key.to_ascii_lowercase().as_bytes().windows(8) {
        let piece = std::str::from_utf8(w).unwrap();
        assert!(!lower.contains(piece), "`{piece}` in {text}");
    }
    // The escaped key is read as the key it spells, and taken out.
    for field in ["$.echo", "$.shout"] {
        let seen = findings.iter().find(|f| f.finding.path == field).unwrap();
        let observed = &seen.finding.observed;
        assert!(observed.contains("<redacted>"), "{field}: {observed}");
        assert!(!observed.contains("\\u00"), "{field}: {observed}");
    }
}

#[tokio::test]
async fn an_encoded_answer_is_not_checked_and_no_encoding_is_asked_for() {
    // A gzip answer (whatever its bytes): not read as JSON, so not a breaking finding.
    let (server, proxy) = upstream(
        ResponseTemplate::new(201)
            .insert_header("content-encoding", "gzip")
            .set_body_raw(vec![0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3], "application/json"),
    )
    .await;
    let resp = reqwest::Client::new()
        .post(format!("{}/v2/supplier/link-sessions", proxy.base_url()))
        .header("accept-encoding", "gzip, br")
        .json(&serde_json::json!({"user_id": "u", "asset_type": "hp", "redirect_url": "https://e.com/cb"}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.headers()["content-encoding"], "gzip");
    let findings = proxy.findings();
    assert!(findings.iter().all(|f| !f.finding.breaking), "{findings:?}");
    assert!(
        findings
            .iter()
            .any(|f| f.direction == "response" && f.finding.observed == "content-encoding gzip"),
        "{findings:?}"
    );
    let got: Vec<Request> = server.received_requests().await.unwrap();
    assert!(got[0].headers.get("accept-encoding").is_none());
}

/// POSTs a body of 60,000 bytes at 1,100 bytes a second (over the minimum rate) for
/// `during`, then drops the connection.
async fn trickle_body(addr: String, during: Duration) {
    let Ok(mut s) = TcpStream::connect(&addr).await else {
        return;
    };
    let head = format!(
        "POST /v2/supplier/link-sessions HTTP/1.1\r\nhost: {addr}\r\ncontent-type: application/json\r\ncontent-length: 60000\r\n\r\n"
    );
    let _ = s.write_all(head.as_bytes()).await;
    let start = Instant::now();
    while start.elapsed() < during {
        if s.write_all(&[b' '; 110]).await.is_err() {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bodies_trickling_in_take_no_forwarding_slot() {
    let (_server, proxy) = upstream(ResponseTemplate::new(200)).await;
    let addr = proxy.base_url().trim_start_matches("http://").to_owned();
    let trickling: Vec<_> = (0..MAX_CONCURRENT)
        .map(|_| tokio::spawn(trickle_body(addr.clone(), Duration::from_secs(4))))
        .collect();
    tokio::time::sleep(Duration::from_secs(1)).await;
    let asked = Instant::now();
    let resp = reqwest::Client::new()
        .get(format!("{}/v2/ok", proxy.base_url()))
        .send()
        .await
        .unwrap();
    eprintln!(
        "proxy: {MAX_CONCURRENT} bodies trickling in at 1,100 B/s; a request meanwhile answered {} in {:.2?}",
        resp.status(),
        asked.elapsed()
    );
    assert_eq!(resp.status(), 200);
    for t in trickling {
        t.abort();
    }
}

/// Connects and holds: trickles a request head a byte every 100 ms (`trickle`), or sends
/// nothing; how long until the proxy closed it (`None`: open after `bound`).
async fn hold(addr: String, trickle: bool, bound: Duration) -> Option<Duration> {
    let mut s = TcpStream::connect(&addr).await.ok()?;
    let start = Instant::now();
    let head = format!(
        "GET /v2/x HTTP/1.1\r\nhost: {addr}\r\nx-filler: {}\r\n\r\n",
        "y".repeat(200)
    );
    let mut pending = if trickle { head.as_bytes() } else { b"" };
    let mut buf = [0u8; 256];
    loop {
        tokio::select! {
            read = s.read(&mut buf) => match read {
                Ok(0) | Err(_) => return Some(start.elapsed()),
                Ok(_) => {}
            },
            _ = tokio::time::sleep(Duration::from_millis(100)), if !pending.is_empty() => {
                if s.write_all(&pending[..1]).await.is_err() {
                    return Some(start.elapsed());
                }
                pending = &pending[1..];
            },
            _ = tokio::time::sleep(bound.saturating_sub(start.elapsed())) => return None,
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn heads_that_do_not_arrive_and_idle_connections_are_closed() {
    // Generous: the header timeout (1 s here) and then some.
    const BOUND: Duration = Duration::from_secs(10);
    let (_server, proxy) = upstream_with(ResponseTemplate::new(200), Duration::from_secs(1)).await;
    let addr = proxy.base_url().trim_start_matches("http://").to_owned();
    let held: Vec<_> = (0..200)
        .map(|i| tokio::spawn(hold(addr.clone(), i % 2 == 0, BOUND)))
        .collect();
    tokio::time::sleep(Duration::from_millis(300)).await;
    // A request meanwhile, on a connection kept alive afterwards.
    let mut idle = TcpStream::connect(&addr).await.unwrap();
    let asked = Instant::now();
    idle.write_all(format!("GET /v2/ok HTTP/1.1\r\nhost: {addr}\r\n\r\n").as_bytes())
        .await
        .unwrap();
    let mut answer = [0u8; 1024];
    let n = idle.read(&mut answer).await.unwrap();
    let served = asked.elapsed();
    assert!(
        answer[..n].starts_with(b"HTTP/1.1 200"),
        "{}",
        String::from_utf8_lossy(&answer[..n])
    );
    let mut slowest = Duration::ZERO;
    for h in held {
        slowest = slowest.max(h.await.unwrap().expect("closed by the proxy"));
    }
    // The kept-alive connection, idle since its answer, is closed too.
    let idle_closed = tokio::time::timeout(BOUND, idle.read(&mut answer)).await;
    assert!(matches!(idle_closed, Ok(Ok(0) | Err(_))), "{idle_closed:?}");
    let idle_after = asked.elapsed();
    eprintln!(
        "proxy: 100 connections trickling a head and 100 sending nothing closed within {slowest:.2?} \
         (header timeout 1 s); a request meanwhile answered in {served:.2?}, its idle connection closed \
         {idle_after:.2?} after it was asked"
    );
    assert!(slowest < BOUND && idle_after < BOUND);
}

#[tokio::test]
async fn findings_are_cut_and_kept_within_their_bounds() {
    // An answer whose every field is unknown, with names of 2,000 characters, each of
    // which is a bidirectional override (escaped in 8: `\u{202e}`).
    let fields: serde_json::Map<String, serde_json::Value> = (0..150)
        .map(|i| {
            (
                format!("{i:03}{}", "\u{202e}".repeat(2_000)),
                serde_json::json!(i),
            )
        })
        .collect();
    let (_server, proxy) = upstream(ResponseTemplate::new(201).set_body_json(fields)).await;
    let http = reqwest::Client::new();
    for round in 0..20 {
        http.post(format!("{}/v2/supplier/link-sessions", proxy.base_url()))
            .json(&serde_json::json!({"user_id": "u", "asset_type": "hp", "redirect_url": "https://e.com/cb"}))
            .send()
            .await
            .unwrap();
        if round == 0 {
            // 150 unknown fields: the validator stops at MAX_FINDINGS.
            assert_eq!(proxy.findings().len(), MAX_FINDINGS);
        }
    }
    let findings = proxy.findings();
    let texts = |f: &nox_contract::Seen| {
        let f = &f.finding;
        [&f.operation, &f.path, &f.observed, &f.expected].map(|t| t.len())
    };
    let bytes: usize = findings
        .iter()
        .map(|f| texts(f).iter().sum::<usize>())
        .sum();
    eprintln!(
        "proxy: 20 answers of 150 unknown fields named with 2,000 bidi overrides: {} findings kept, {bytes} bytes of text",
        findings.len()
    );
    // The ring stays within its bytes (before its count).
    assert!(bytes <= KEPT_FINDINGS_BYTES, "{bytes}");
    assert!(findings.len() < KEPT_FINDINGS);
    for f in &findings {
        // Cut at FINDING_TEXT_LIMIT characters, then escaped (8 characters for each override).
        let path = &f.finding.path;
        assert!(path.len() <= 8 * FINDING_TEXT_LIMIT + 3, "{path}");
        assert!(!path.contains('\u{202e}'), "escaped");
    }
}
