//! Transport faults against real servers on 127.0.0.1: redirects (an error; the API key
//! never leaves the origin), a server that never answers, a refused connection, a body
//! that breaks off, and https through the TLS backend.

use crate::common;

use std::time::{Duration, Instant};

use common::{
    KEY, ROUTE, answering, assert_no_key, call, client, request, session_body, silent_server,
};
use nox_auth::{Client, Error, TransportKind};
use serde_json::json;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

/// A second server on another loopback address that records every request it gets.
async fn elsewhere() -> (MockServer, String) {
    let listener = std::net::TcpListener::bind("127.0.0.2:0").expect("127.0.0.2 is loopback");
    let server = MockServer::builder().listener(listener).start().await;
    Mock::given(wiremock::matchers::any())
        .respond_with(ResponseTemplate::new(201).set_body_json(session_body()))
        .mount(&server)
        .await;
    let origin = server.uri();
    (server, origin)
}

#[tokio::test]
async fn redirects_are_errors_and_the_key_never_leaves_the_origin() {
    let (thief, thief_origin) = elsewhere().await;
    for status in [301, 302, 303, 307, 308] {
        let server = MockServer::start().await;
        let location = format!("{thief_origin}/v2/supplier/link-sessions?token=SECRET-QUERY");
        Mock::given(method("POST"))
            .and(path(ROUTE))
            .respond_with(
                ResponseTemplate::new(status).insert_header("location", location.as_str()),
            )
            .expect(1)
            .mount(&server)
            .await;
        let e = call(&server).await.unwrap_err();
        assert_no_key(&e);
        match &e {
            Error::Redirect {
                status: s,
                target,
                followed,
                ..
            } => {
                assert_eq!(s.as_u16(), status);
                assert_eq!(target.as_deref(), Some(thief_origin.as_str()));
                assert!(!followed);
            }
            other => panic!("{status}: {other:?}"),
        }
        let text = e.to_string();
        assert!(
            text.contains(&status.to_string()) && text.contains(&thief_origin),
            "{text}"
        );
        assert!(!text.contains("SECRET-QUERY"), "{text}");
        assert!(!e.is_retryable());
    }
    let reached = thief.received_requests().await.unwrap();
    assert!(
        reached.is_empty(),
        "a request reached the other origin: {reached:?}"
    );

    // A relative Location names the same origin; still not followed.
    let server = answering(302, json!({})).await;
    server.reset().await;
    Mock::given(method("POST"))
        .and(path(ROUTE))
        .respond_with(ResponseTemplate::new(307).insert_header("location", "/elsewhere"))
        .mount(&server)
        .await;
    let e = call(&server).await.unwrap_err();
    assert!(
        matches!(&e, Error::Redirect { target: Some(t), .. } if *t == server.uri()),
        "{e:?}"
    );
    assert_eq!(server.received_requests().await.unwrap().len(), 1);
}

#[tokio::test]
async fn a_caller_supplied_client_that_follows_redirects_is_detected() {
    let (thief, thief_origin) = elsewhere().await;
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path(ROUTE))
        .respond_with(
            ResponseTemplate::new(307)
                .insert_header("location", format!("{thief_origin}{ROUTE}").as_str()),
        )
        .mount(&server)
        .await;
    // reqwest's default policy follows redirects: the documented misuse.
    let client = Client::builder()
        .api_key(KEY)
        .base_url(server.uri())
        .http_client(reqwest::Client::new())
        .no_retries()
        .build()
        .unwrap();
    let e = client
        .create_supplier_link_session(request())
        .await
        .unwrap_err();
    assert_no_key(&e);
    match &e {
        Error::Redirect {
            target,
            followed,
            status,
            ..
        } => {
            assert!(followed);
            assert_eq!(target.as_deref(), Some(thief_origin.as_str()));
            assert_eq!(status.as_u16(), 201, "what the other origin answered");
        }
        other => panic!("{other:?}"),
    }
    assert!(e.to_string().contains("Policy::none()"), "{e}");
    // The other origin's 201 was not taken for NOX's answer; it did get the request,
    // which is why `http_client` documents that the client must not follow redirects.
    assert_eq!(thief.received_requests().await.unwrap().len(), 1);
}

#[tokio::test]
async fn a_server_that_never_answers_times_out_in_the_configured_time() {
    let (base, _) = silent_server().await;
    let client = Client::builder()
        .api_key(KEY)
        .base_url(&base)
        .timeout(Duration::from_millis(300))
        .build()
        .unwrap();
    let started = Instant::now();
    let e = client
        .create_supplier_link_session(request())
        .await
        .unwrap_err();
    let elapsed = started.elapsed();
    assert_no_key(&e);
    assert!(
        matches!(
            &e,
            Error::Transport {
                kind: TransportKind::Timeout,
                ..
            }
        ),
        "{e:?}"
    );
    assert!(e.is_retryable());
    // Timeouts are not retried (the create may have happened), so one timeout's worth.
    assert!(elapsed >= Duration::from_millis(300), "{elapsed:?}");
    assert!(elapsed < Duration::from_secs(10), "{elapsed:?}");
}

#[tokio::test]
async fn connection_refused_is_retried_then_a_connect_error() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    drop(listener);
    let e = client(&base)
        .create_supplier_link_session(request())
        .await
        .unwrap_err();
    assert_no_key(&e);
    assert!(
        matches!(
            &e,
            Error::Transport {
                kind: TransportKind::Connect,
                ..
            }
        ),
        "{e:?}"
    );
    assert!(e.to_string().contains("connection failure"), "{e}");
    // The cause itself, not only reqwest's "error sending request".
    assert!(e.to_string().contains("Connection refused"), "{e}");
}

#[tokio::test]
async fn a_body_that_breaks_off_is_a_transport_error() {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        while let Ok((mut sock, _)) = listener.accept().await {
            let mut buf = [0u8; 8192];
            let _ = sock.read(&mut buf).await;
            let _ = sock
                .write_all(b"HTTP/1.1 201 Created\r\ncontent-type: application/json\r\ncontent-length: 500\r\n\r\n{\"link_url\":")
                .await;
            drop(sock);
        }
    });
    let e = client(&format!("http://{addr}"))
        .create_supplier_link_session(request())
        .await
        .unwrap_err();
    assert!(
        matches!(
            &e,
            Error::Transport {
                kind: TransportKind::Body,
                ..
            }
        ),
        "{e:?}"
    );
}

#[tokio::test]
async fn https_is_supported_by_the_tls_backend() {
    // progenitor-client turns reqwest's default features off; the workspace turns rustls
    // back on. An https request to a local server that speaks no TLS must fail in the TLS
    // handshake (a connect error), not with "scheme is not http" (no TLS compiled in).
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let (saw_hello, mut hello) = tokio::sync::mpsc::unbounded_channel::<bool>();
    tokio::spawn(async move {
        while let Ok((mut sock, _)) = listener.accept().await {
            let mut buf = [0u8; 1024];
            let n = sock.read(&mut buf).await.unwrap_or(0);
            // A TLS ClientHello starts with a handshake record: 0x16 0x03.
            let _ = saw_hello.send(n >= 2 && buf[0] == 0x16 && buf[1] == 0x03);
            let _ = sock.write_all(b"not tls").await;
        }
    });
    let client = Client::builder()
        .api_key(KEY)
        .base_url(format!("https://localhost:{}", addr.port()))
        .no_retries()
        .build()
        .unwrap();
    let e = client
        .create_supplier_link_session(request())
        .await
        .unwrap_err();
    assert!(
        matches!(
            &e,
            Error::Transport {
                kind: TransportKind::Connect,
                ..
            }
        ),
        "{e:?}"
    );
    let chain = format!("{:?}", e);
    assert!(!chain.contains("scheme is not http"), "{chain}");
    assert_eq!(
        hello.recv().await,
        Some(true),
        "the client sent a TLS ClientHello"
    );
}
