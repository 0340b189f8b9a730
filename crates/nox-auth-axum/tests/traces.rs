//! A refused callback answers the browser without the details and logs them for the
//! operator (a WARN naming the status and the likely cause).
//!
//! A test binary of its own, with this one test: a subscriber installed with
//! `tracing::subscriber::set_default` sees every event only while no other thread reaches
//! the same callsites for the first time. Tracing caches each callsite's interest for the
//! whole process, and a callsite first reached by another test (every refused callback logs
//! this WARN) while this one installs its subscriber can stay cached as "never". Alone in its
//! process, the test cannot race.

#[path = "integration/common/mod.rs"]
mod common;

use std::sync::Arc;

use axum::response::IntoResponse;
use common::alice_callback;
use nox_auth_axum::finish_supplier_link_unconfirmed;
use reqwest::StatusCode;
use tower_sessions::Session;

/// A `MakeWriter` that collects what the subscriber writes.
#[derive(Clone, Default)]
struct Captured(Arc<std::sync::Mutex<Vec<u8>>>);

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
async fn the_response_hides_the_details_and_the_log_keeps_them() {
    let captured = Captured::default();
    let subscriber = tracing_subscriber::fmt()
        .with_writer(captured.clone())
        .with_ansi(false)
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);

    let store = Arc::new(tower_sessions::MemoryStore::default());
    let session = Session::new(None, store, None);
    let err = finish_supplier_link_unconfirmed(&session, "alice", &alice_callback())
        .await
        .unwrap_err();
    let response = err.into_response();
    assert_eq!(response.status(), StatusCode::GONE);
    let body = axum::body::to_bytes(response.into_body(), 1024)
        .await
        .unwrap();
    let body = String::from_utf8(body.to_vec()).unwrap();
    assert!(!body.contains("SameSite"), "{body}");

    let log = String::from_utf8(captured.0.lock().unwrap().clone()).unwrap();
    assert!(log.contains("WARN"), "{log}");
    assert!(log.contains("NOX link refused"), "{log}");
    assert!(log.contains("status=410"), "{log}");
    assert!(log.contains("is it SameSite=Strict?"), "{log}");
}
