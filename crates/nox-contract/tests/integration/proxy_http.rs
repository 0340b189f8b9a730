//! The proxy's HTTP on 127.0.0.1: a HEAD answer keeps its Content-Length, an
//! absolute-form request target naming another host gets no findings, and small answers
//! are not held behind large ones being checked.

use nox_contract::{FINDINGS_PATH, Proxy, ProxyConfig};
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio::net::{TcpListener, TcpStream};

/// An upstream that answers every request `200` with `content-length: 1234` and no body
/// (as to a HEAD), on connections of one request.
async fn head_upstream() -> String {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move {
        while let Ok((mut s, _)) = listener.accept().await {
            tokio::spawn(async move {
                let mut head = Vec::new();
                let mut buf = [0u8; 1024];
                while !head.windows(4).any(|w| w == b"\r\n\r\n") {
                    match s.read(&mut buf).await {
                        Ok(0) | Err(_) => return,
                        Ok(n) => head.extend_from_slice(&buf[..n]),
                    }
                }
                let _ = s
                    .write_all(b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 1234\r\nconnection: close\r\n\r\n")
                    .await;
            });
        }
    });
    base
}

/// `head` sent as written; the raw answer's head, lower-cased.
async fn raw(proxy: &Proxy, head: &str) -> String {
    let addr = proxy.base_url().trim_start_matches("http://").to_owned();
    let mut sock = TcpStream::connect(&addr).await.unwrap();
    sock.write_all(head.as_bytes()).await.unwrap();
    let mut out = Vec::new();
    let mut buf = [0u8; 4096];
    while !out.windows(4).any(|w| w == b"\r\n\r\n") {
        match sock.read(&mut buf).await {
            Ok(0) | Err(_) => break,
            Ok(n) => out.extend_from_slice(&buf[..n]),
        }
    }
    String::from_utf8_lossy(&out).to_ascii_lowercase()
}

#[tokio::test]
async fn a_head_answer_keeps_its_content_length() {
    let proxy = Proxy::start(ProxyConfig::new(head_upstream().await.parse().unwrap()))
        .await
        .unwrap();
    let answer = raw(
        &proxy,
        "HEAD /v2/x HTTP/1.1\r\nhost: localhost\r\nconnection: close\r\n\r\n",
    )
    .await;
    assert!(answer.starts_with("http/1.1 200"), "{answer}");
    assert!(answer.contains("content-length: 1234\r\n"), "{answer}");
}

#[tokio::test]
async fn an_absolute_form_target_naming_another_host_gets_no_findings() {
    let proxy = Proxy::start(ProxyConfig::new(head_upstream().await.parse().unwrap()))
        .await
        .unwrap();
    let addr = proxy.base_url().trim_start_matches("http://").to_owned();
    let ask = |target: String| {
        format!("GET {target} HTTP/1.1\r\nhost: localhost\r\nconnection: close\r\n\r\n")
    };
    let evil = raw(&proxy, &ask(format!("http://evil.example{FINDINGS_PATH}"))).await;
    assert!(evil.starts_with("http/1.1 421"), "{evil}");
    let own = raw(&proxy, &ask(format!("http://{addr}{FINDINGS_PATH}"))).await;
    assert!(own.starts_with("http/1.1 200"), "{own}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn small_answers_do_not_wait_behind_large_ones_being_checked() {
    use std::time::{Duration, Instant};
    use wiremock::matchers::path;
    use wiremock::{Mock, MockServer, ResponseTemplate};
    let server = MockServer::start().await;
    // Answers of just under 1 MiB: each scrubbed of the client's key (a look-up a byte)
    // in tens of milliseconds.
    let big = format!(r#"{{"items":"{}"}}"#, "x".repeat(1024 * 1024 - 20));
    Mock::given(path("/v2/big"))
        .respond_with(ResponseTemplate::new(200).set_body_raw(big, "application/json"))
        .mount(&server)
        .await;
    Mock::given(path("/v2/small"))
        .respond_with(ResponseTemplate::new(200).set_body_raw("{}", "application/json"))
        .mount(&server)
        .await;
    let proxy = Proxy::start(ProxyConfig::new(server.uri().parse().unwrap()))
        .await
        .unwrap();
    let http = reqwest::Client::new();
    let until = Instant::now() + Duration::from_secs(3);
    let large: Vec<_> = (0..4)
        .map(|_| {
            let (http, url) = (http.clone(), format!("{}/v2/big", proxy.base_url()));
            tokio::spawn(async move {
                let mut n = 0;
                while Instant::now() < until {
                    let asked = http
                        .get(&url)
                        .header("x-api-key", "sk_live_0123456789abcdef");
                    let _ = asked.send().await.unwrap().bytes().await;
                    n += 1;
                }
                n
            })
        })
        .collect();
    tokio::time::sleep(Duration::from_millis(300)).await;
    let mut slowest = Duration::ZERO;
    let mut small = 0;
    while Instant::now() < until {
        let asked = Instant::now();
        let resp = http
            .get(format!("{}/v2/small", proxy.base_url()))
            .header("x-api-key", "sk_live_0123456789abcdef")
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), 200);
        slowest = slowest.max(asked.elapsed());
        small += 1;
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let mut big = 0;
    for l in large {
        big += l.await.unwrap();
    }
    eprintln!(
        "proxy: {small} small answers while {big} of 1 MiB were checked (4 at a time): the slowest in {slowest:.2?}"
    );
    // Behind the large ones (one at a time, ~0.2 s each in a debug build): over a second.
    assert!(slowest < Duration::from_millis(400), "{slowest:?}");
}
