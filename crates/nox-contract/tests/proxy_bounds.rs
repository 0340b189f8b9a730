//! The proxy against a hostile client and upstream, on 127.0.0.1: dot segments that would
//! leave the upstream prefix, headers named in `Connection:`, a silent upstream, too many
//! requests at once, a rebinding `Host` for the findings, and the client's key echoed back.

use std::time::Duration;

use nox_contract::{MAX_CONCURRENT, Proxy, ProxyConfig};
use wiremock::matchers::any;
use wiremock::{Mock, MockServer, Request, ResponseTemplate};

/// An upstream that records what reached it, under the prefix `/api`.
async fn upstream(respond: ResponseTemplate) -> (MockServer, Proxy) {
    let server = MockServer::start().await;
    Mock::given(any())
        .respond_with(respond)
        .mount(&server)
        .await;
    let proxy = Proxy::start(ProxyConfig::new(
        format!("{}/api", server.uri()).parse().unwrap(),
    ))
    .await
    .unwrap();
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

/// `GET path` written by hand (no client-side normalisation); the raw answer.
async fn raw_get(proxy: &Proxy, path: &str) -> String {
    use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
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
