//! The proxy and what its upstream answers, on 127.0.0.1: a silent upstream is cut off at
//! the upstream timeout (504), and differences on the operation whose spec is our guess
//! (`/post-login-redirect`) are questions, never breakage.

use std::time::{Duration, Instant};

use nox_contract::{Proxy, ProxyConfig};
use wiremock::matchers::any;
use wiremock::{Mock, MockServer, ResponseTemplate};

/// An upstream answering every request with `respond`, under the prefix `/api`.
async fn upstream(respond: ResponseTemplate) -> (MockServer, Proxy) {
    let server = MockServer::start().await;
    Mock::given(any())
        .respond_with(respond)
        .mount(&server)
        .await;
    let config = ProxyConfig::new(format!("{}/api", server.uri()).parse().unwrap());
    let proxy = Proxy::start(config).await.unwrap();
    (server, proxy)
}

/// An upstream that accepts the connection and never answers: the client gets 504 once the
/// upstream timeout has passed (1 s here; 30 s by default), not a wait without end.
#[tokio::test]
async fn a_silent_upstream_is_answered_504_after_the_upstream_timeout() {
    let silent = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = silent.local_addr().unwrap();
    let hold = tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((s, _)) = silent.accept().await {
            held.push(s);
        }
    });
    let mut config = ProxyConfig::new(format!("http://{addr}/api").parse().unwrap());
    config.upstream_timeout = Duration::from_secs(1);
    let proxy = Proxy::start(config).await.unwrap();
    let started = Instant::now();
    let answer = reqwest::Client::new()
        .get(format!("{}/v2/supplier/link-sessions/x", proxy.base_url()))
        .timeout(Duration::from_secs(20))
        .send()
        .await
        .expect("the proxy answers");
    assert_eq!(answer.status(), 504);
    let took = started.elapsed();
    assert!(
        took >= Duration::from_secs(1),
        "answered before the timeout: {took:?}"
    );
    eprintln!("proxy: a silent upstream answered 504 after {took:.2?} (upstream timeout 1 s)");
    hold.abort();
}

/// `/post-login-redirect` is our guess of NOX's API (reconstructed from prose): traffic that
/// differs from it, both ways, is a question for NOX, never breakage, as in the contract
/// check. A documented operation's differences still break.
#[tokio::test]
async fn differences_on_the_reconstructed_operation_are_questions() {
    let (_server, proxy) =
        upstream(ResponseTemplate::new(200).set_body_json(serde_json::json!({"mapped": [1, 2]})))
            .await;
    let http = reqwest::Client::new();
    http.post(format!("{}/post-login-redirect", proxy.base_url()))
        .header("x-api-key", "k")
        .json(&serde_json::json!({"nox_state": 7}))
        .send()
        .await
        .unwrap();
    let findings = proxy.findings();
    let guessed: Vec<_> = findings
        .iter()
        .filter(|s| s.finding.operation == "post_login_redirect")
        .collect();
    assert!(!guessed.is_empty(), "{findings:?}");
    for s in &guessed {
        assert!(!s.finding.breaking, "{s:?}");
        assert_eq!(s.finding.kind, nox_contract::FindingKind::Question, "{s:?}");
    }
    // The same kind of difference on a documented operation is breaking.
    http.post(format!("{}/v2/supplier/link-sessions", proxy.base_url()))
        .header("x-api-key", "k")
        .json(&serde_json::json!({"asset_type": 7}))
        .send()
        .await
        .unwrap();
    assert!(
        proxy
            .findings()
            .iter()
            .any(|s| s.finding.operation != "post_login_redirect" && s.finding.breaking),
        "{:?}",
        proxy.findings()
    );
}
