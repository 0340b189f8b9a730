//! The accept loop: HTTP/1 connections with a deadline for each request's headers (which
//! also ends idle keep-alive connections), a client that stops reading its answer
//! dropped after the same time, optionally a cap on connections (and, at the cap, each
//! answer closing its connection, so that kept-alive connections cannot keep new clients
//! out) and on the size of a request head, a lingering close (so that the last answer is
//! not destroyed by a reset), and a graceful stop.
//!
//! Public because it is the accept loop of `nox mock proxy` too (`nox_contract::Proxy`):
//! one loop for both servers of this workspace, instead of `axum::serve`, which has no
//! header or idle timeout.

use std::future::Future;
use std::io;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use axum::Router;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::GracefulShutdown;
use hyper_util::service::TowerToHyperService;
use tokio::io::{AsyncRead, AsyncReadExt as _, AsyncWrite, AsyncWriteExt as _, ReadBuf};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{OwnedSemaphorePermit, Semaphore, oneshot};
use tokio::time::Sleep;

/// How long a stop waits for requests in flight.
const DRAIN: Duration = Duration::from_secs(5);
/// How long a closed connection goes on reading (and dropping) what its client still sends.
const LINGER: Duration = Duration::from_secs(1);
/// The most bytes a closed connection reads (and drops) before it lets go.
const LINGER_BYTES: usize = 256 * 1024;

/// How [`run`] bounds its connections.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct Bounds {
    /// How long a connection may take to send a request head, sit idle between keep-alive
    /// requests, or leave its answer unread.
    pub header_timeout: Duration,
    /// At most this many connections at once; further ones wait in the listen backlog
    /// (not accepted) until one closes. `None`: no cap (the file limit).
    pub max_connections: Option<usize>,
    /// The largest request head read, in bytes (hyper's read buffer, at least 8,192); a
    /// larger head is answered 431. `None`: hyper's default (about 400 KiB).
    pub max_head_bytes: Option<usize>,
    /// With [`Bounds::max_connections`]: while every connection is taken, each answer asks
    /// its connection to close (`Connection: close`), so that clients waiting to be accepted
    /// get their turn: 256 keep-alive connections each sending a request every few seconds
    /// (under the header timeout) kept everyone else out for good. Off: the mock's
    /// behaviour (it has no cap).
    pub close_when_full: bool,
}

impl Bounds {
    /// `header_timeout`, no cap on connections, hyper's head size: the mock's bounds.
    pub fn new(header_timeout: Duration) -> Self {
        Bounds {
            header_timeout,
            max_connections: None,
            max_head_bytes: None,
            close_when_full: false,
        }
    }
}

/// Serves `router` on `listener` until `stop` fires (or its sender is dropped).
///
/// A connection that has not sent a complete request head within
/// [`Bounds::header_timeout`] of starting to wait for one (right after connecting, or
/// after its previous answer on a keep-alive connection) is closed: half-open connections
/// and idle ones cannot pile up until the file limit is reached. A client that reads
/// nothing of its answer for as long is dropped too: an answer it does not read is not
/// held forever. A closed connection lingers: its write side is shut, and what the client
/// still sends is read and dropped for up to 1 second (256 KiB), so that the last answer
/// (a 408 for a body that comes too slowly) reaches a client that is still sending,
/// instead of being destroyed by the reset that closing a socket with unread bytes sends.
/// At a stop, requests in flight get 5 seconds to finish.
pub async fn run(
    listener: TcpListener,
    router: Router,
    bounds: Bounds,
    mut stop: oneshot::Receiver<()>,
) {
    let mut http = hyper::server::conn::http1::Builder::new();
    http.timer(TokioTimer::new())
        .header_read_timeout(bounds.header_timeout)
        .keep_alive(true);
    if let Some(bytes) = bounds.max_head_bytes {
        http.max_buf_size(bytes.max(8192));
    }
    let open = bounds
        .max_connections
        .map(|n| Arc::new(Semaphore::new(n.clamp(1, Semaphore::MAX_PERMITS))));
    let router = match (&open, bounds.close_when_full) {
        (Some(open), true) => close_when_full(router, open.clone()),
        _ => router,
    };
    let graceful = GracefulShutdown::new();
    loop {
        // At the cap, wait for a connection to close before accepting the next.
        let permit = match &open {
            Some(open) => tokio::select! {
                _ = &mut stop => break,
                permit = open.clone().acquire_owned() => permit.ok(),
            },
            None => None,
        };
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
        let stream = Stalling {
            io: Some(stream),
            limit: bounds.header_timeout,
            stalled: None,
            permit,
        };
        let connection = http.serve_connection(TokioIo::new(stream), service);
        let connection = graceful.watch(connection);
        tokio::spawn(async move {
            let _ = connection.await;
        });
    }
    drop(listener);
    let _ = tokio::time::timeout(DRAIN, graceful.shutdown()).await;
}

/// `router`, its answers asking their connection to close while `open` has no permit left
/// (every connection taken).
fn close_when_full(router: Router, open: Arc<Semaphore>) -> Router {
    router.layer(axum::middleware::map_response(
        move |mut answer: axum::response::Response| {
            let full = open.available_permits() == 0;
            async move {
                if full {
                    answer.headers_mut().insert(
                        axum::http::header::CONNECTION,
                        axum::http::HeaderValue::from_static("close"),
                    );
                }
                answer
            }
        },
    ))
}

/// A connection whose writes must make progress: a write or flush that stays pending (the
/// client reads nothing, its window is full) for `limit` fails, and hyper drops the
/// connection with the answer it held. Dropped, it [`linger`]s, holding its place under
/// the cap on connections (`permit`) until then.
struct Stalling {
    /// `None` only once dropped (taken by [`linger`]).
    io: Option<TcpStream>,
    limit: Duration,
    stalled: Option<Pin<Box<Sleep>>>,
    permit: Option<OwnedSemaphorePermit>,
}

impl Drop for Stalling {
    fn drop(&mut self) {
        let Some(io) = self.io.take() else {
            return;
        };
        // Outside a runtime (it is shutting down) the socket simply closes.
        if let Ok(runtime) = tokio::runtime::Handle::try_current() {
            runtime.spawn(linger(io, self.permit.take()));
        }
    }
}

/// Closes a connection gently: shuts its write side (the client reads the last answer,
/// then the end), then reads and drops what the client still sends, until it closes too,
/// for at most [`LINGER`] and [`LINGER_BYTES`]. Closing a socket with unread bytes sends a
/// reset, and a client that has not read the last answer yet can lose it.
async fn linger(mut io: TcpStream, permit: Option<OwnedSemaphorePermit>) {
    let _ = io.shutdown().await;
    let mut sink = [0u8; 4096];
    let mut left = LINGER_BYTES;
    let _ = tokio::time::timeout(LINGER, async {
        while left > 0 {
            match io.read(&mut sink).await {
                Ok(0) | Err(_) => break,
                Ok(n) => left = left.saturating_sub(n),
            }
        }
    })
    .await;
    drop(permit);
}

/// The error of a use after [`linger`] took the socket (which hyper never does).
fn gone() -> io::Error {
    io::Error::new(io::ErrorKind::NotConnected, "the connection was closed")
}

impl Stalling {
    /// After a write `result`: ready clears the stall; pending starts (or goes on
    /// waiting on) the stall's deadline, past which the write fails.
    fn progress<T>(
        &mut self,
        cx: &mut Context<'_>,
        result: Poll<io::Result<T>>,
    ) -> Poll<io::Result<T>> {
        if result.is_ready() {
            self.stalled = None;
            return result;
        }
        let limit = self.limit;
        let stalled = self
            .stalled
            .get_or_insert_with(|| Box::pin(tokio::time::sleep(limit)));
        match stalled.as_mut().poll(cx) {
            Poll::Ready(()) => Poll::Ready(Err(io::Error::new(
                io::ErrorKind::TimedOut,
                "the client stopped reading its answer",
            ))),
            Poll::Pending => Poll::Pending,
        }
    }
}

impl AsyncRead for Stalling {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        match self.io.as_mut() {
            Some(io) => Pin::new(io).poll_read(cx, buf),
            None => Poll::Ready(Err(gone())),
        }
    }
}

impl AsyncWrite for Stalling {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let result = match self.io.as_mut() {
            Some(io) => Pin::new(io).poll_write(cx, buf),
            None => return Poll::Ready(Err(gone())),
        };
        self.progress(cx, result)
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        let result = match self.io.as_mut() {
            Some(io) => Pin::new(io).poll_write_vectored(cx, bufs),
            None => return Poll::Ready(Err(gone())),
        };
        self.progress(cx, result)
    }

    fn is_write_vectored(&self) -> bool {
        self.io.as_ref().is_some_and(TcpStream::is_write_vectored)
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let result = match self.io.as_mut() {
            Some(io) => Pin::new(io).poll_flush(cx),
            None => return Poll::Ready(Err(gone())),
        };
        self.progress(cx, result)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        match self.io.as_mut() {
            Some(io) => Pin::new(io).poll_shutdown(cx),
            None => Poll::Ready(Ok(())),
        }
    }
}
