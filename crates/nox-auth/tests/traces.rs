//! The traces of a retry name the operation, the status and the attempt, never the key.
//!
//! A test binary of its own, with this one test: a subscriber installed with
//! `tracing::subscriber::set_default` sees every event only while no other thread reaches
//! the same callsites for the first time. Tracing caches each callsite's interest for the
//! whole process, and a callsite first reached by another test while this one installs its
//! subscriber can stay cached as "never" (in the merged integration binary the `nox.request`
//! span went missing so). Alone in its process, the test cannot race.

#[path = "integration/common/mod.rs"]
mod common;

use std::sync::{Arc, Mutex};

use common::{call, client, counting, request, session_body};
use wiremock::{MockServer, ResponseTemplate};

/// A `MakeWriter` that collects everything the subscriber writes.
#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl std::io::Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl<'a> tracing_subscriber::fmt::MakeWriter<'a> for Captured {
    type Writer = Captured;
    fn make_writer(&'a self) -> Self::Writer {
        self.clone()
    }
}

#[tokio::test]
async fn traces_name_the_operation_and_status_but_never_the_key() {
    let captured = Captured::default();
    let subscriber = tracing_subscriber::fmt()
        .with_writer(captured.clone())
        .with_max_level(tracing::Level::TRACE)
        .with_span_events(tracing_subscriber::fmt::format::FmtSpan::CLOSE)
        .with_ansi(false)
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);

    let server = MockServer::start().await;
    counting(&server, |n| {
        if n == 0 {
            ResponseTemplate::new(503)
        } else {
            ResponseTemplate::new(201).set_body_json(session_body())
        }
    })
    .await;
    call(&server).await.unwrap();
    // And a failing one.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let refused = format!("http://{}", listener.local_addr().unwrap());
    drop(listener);
    let _ = client(&refused)
        .create_supplier_link_session(request())
        .await;

    let logs = String::from_utf8(captured.0.lock().unwrap().clone()).unwrap();
    assert!(logs.contains("nox.request"), "{logs}");
    assert!(
        logs.contains("operation=\"create_supplier_link_session\"")
            || logs.contains("operation=create_supplier_link_session"),
        "{logs}"
    );
    assert!(logs.contains("status=503"), "{logs}");
    assert!(logs.contains("status=201"), "{logs}");
    assert!(logs.contains("attempt=2"), "{logs}");
    assert!(logs.contains("retrying"), "{logs}");
    assert!(!logs.contains("SUPERSECRET"), "key in traces:\n{logs}");
}
