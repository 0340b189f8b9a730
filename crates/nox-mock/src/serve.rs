//! The accept loop: HTTP/1 connections with a deadline for each request's headers (which
//! also ends idle keep-alive connections), and a graceful stop.

use std::time::Duration;

use axum::Router;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::GracefulShutdown;
use hyper_util::service::TowerToHyperService;
use tokio::net::TcpListener;
use tokio::sync::oneshot;

/// How long a stop waits for requests in flight.
const DRAIN: Duration = Duration::from_secs(5);

/// Serves `router` on `listener` until `stop` fires.
///
/// A connection that has not sent a complete request head within `header_timeout` of
/// starting to wait for one (right after connecting, or after its previous answer on a
/// keep-alive connection) is closed: half-open connections and idle ones cannot pile up
/// until the file limit is reached.
pub(crate) async fn run(
    listener: TcpListener,
    router: Router,
    header_timeout: Duration,
    mut stop: oneshot::Receiver<()>,
) {
    let mut http = hyper::server::conn::http1::Builder::new();
    http.timer(TokioTimer::new())
        .header_read_timeout(header_timeout)
        .keep_alive(true);
    let graceful = GracefulShutdown::new();
    loop {
        let stream = tokio::select! {
            _ = &mut stop => break,
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) => stream,
                // Out of file descriptors or a connection reset before accept: back off
                // briefly instead of spinning, then accept again.
                Err(_) => {
                    tokio::time::sleep(Duration::from_millis(20)).await;
                    continue;
                }
            },
        };
        let _ = stream.set_nodelay(true);
        let service = TowerToHyperService::new(router.clone());
        let connection = http.serve_connection(TokioIo::new(stream), service);
        let connection = graceful.watch(connection);
        tokio::spawn(async move {
            let _ = connection.await;
        });
    }
    drop(listener);
    let _ = tokio::time::timeout(DRAIN, graceful.shutdown()).await;
}
