//! The proxy's connections against clients that keep them busy, on 127.0.0.1: all of
//! [`MAX_CONNECTIONS`] kept alive by a request every 4 s (under the header timeout), the
//! clients reconnecting at once when closed; a new client still gets its answer.

use std::time::{Duration, Instant};

use nox_contract::{FINDINGS_PATH, MAX_CONNECTIONS, Proxy, ProxyConfig};
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio::net::TcpStream;
use wiremock::matchers::any;
use wiremock::{Mock, MockServer, ResponseTemplate};

/// Keeps a connection busy: a request every 4 s (one the proxy answers itself, 421 for a
/// foreign `Host`: no forwarding slot taken), its answer read; reconnects when closed.
/// How many times it was closed.
async fn busy(addr: String, until: Instant) -> usize {
    let mut closed = 0;
    let request = format!("GET {FINDINGS_PATH} HTTP/1.1\r\nhost: evil.example\r\n\r\n");
    while Instant::now() < until {
        let Ok(mut s) = TcpStream::connect(&addr).await else {
            tokio::time::sleep(Duration::from_millis(100)).await;
            continue;
        };
        loop {
            if s.write_all(request.as_bytes()).await.is_err() {
                break;
            }
            let mut answer = [0u8; 2048];
            let n = match s.read(&mut answer).await {
                Ok(0) | Err(_) => break,
                Ok(n) => n,
            };
            let text = String::from_utf8_lossy(&answer[..n]).to_ascii_lowercase();
            if text.contains("connection: close") || Instant::now() >= until {
                break;
            }
            tokio::time::sleep(Duration::from_secs(4)).await;
        }
        closed += 1;
    }
    closed
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn busy_keep_alive_connections_do_not_keep_a_new_client_out() {
    let server = MockServer::start().await;
    Mock::given(any())
        .respond_with(ResponseTemplate::new(200))
        .mount(&server)
        .await;
    let proxy = Proxy::start(ProxyConfig::new(server.uri().parse().unwrap()))
        .await
        .unwrap();
    let addr = proxy.base_url().trim_start_matches("http://").to_owned();
    let until = Instant::now() + Duration::from_secs(14);
    let held: Vec<_> = (0..MAX_CONNECTIONS)
        .map(|_| tokio::spawn(busy(addr.clone(), until)))
        .collect();
    // All of them connected and asking.
    tokio::time::sleep(Duration::from_secs(2)).await;
    let asked = Instant::now();
    let mut s = TcpStream::connect(&addr).await.unwrap();
    s.write_all(format!("GET /v2/new HTTP/1.1\r\nhost: {addr}\r\n\r\n").as_bytes())
        .await
        .unwrap();
    let mut answer = [0u8; 1024];
    let n = tokio::time::timeout(Duration::from_secs(10), s.read(&mut answer))
        .await
        .expect("answered within 10 s")
        .unwrap();
    let served = asked.elapsed();
    // Answered: the busy clients have made their point (stopping them here keeps the
    // test at ~3 s instead of the 14 s they would otherwise go on for).
    for h in &held {
        h.abort();
    }
    eprintln!(
        "proxy: {MAX_CONNECTIONS} keep-alive connections busy with a request every 4 s; a new client answered in {served:.2?}"
    );
    assert!(
        answer[..n].starts_with(b"HTTP/1.1 200"),
        "{}",
        String::from_utf8_lossy(&answer[..n])
    );
    assert!(served < Duration::from_secs(6), "{served:?}");
}
