//! The proxy's bodies, bounded in time and bytes: a request body read within the body
//! timeout and, after a grace period, at a minimum rate (a client that trickles is cut off
//! in seconds, not after the timeout); and an answer that holds its request's slot until
//! it is sent, so that a client that reads nothing of its answer keeps no more than its
//! slot's worth of memory (and is dropped by the accept loop after the header timeout).

use std::collections::VecDeque;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use axum::body::{Body, Bytes, HttpBody};
use http_body::{Frame, SizeHint};
use tokio::sync::{OwnedSemaphorePermit, Semaphore};
use tokio::time::Instant;

/// How long a request body may take to start before [`MIN_BODY_RATE`] applies: 2
/// seconds (as the mock's).
pub const BODY_GRACE: Duration = Duration::from_secs(2);
/// The slowest a request body may arrive, on average, once [`BODY_GRACE`] has passed: 1
/// KiB a second (as the mock's). Slower is answered 408 and the connection closed.
pub const MIN_BODY_RATE: u64 = 1024;

/// The most bytes of a body in one allocation. Bodies are held in blocks this size, not
/// in one buffer: blocks under the allocator's threshold for mapping memory of its own are
/// reused from one body to the next, where megabyte buffers freed by one thread and wanted
/// by another left the resident memory at twice what was live.
const BLOCK: usize = 64 * 1024;

/// A body longer than this is large: it must have one of [`MAX_LARGE_BODIES`] turns.
pub const LARGE_BODY: usize = BLOCK;
/// How many large bodies (over [`LARGE_BODY`]) the proxy holds at once, requests' and
/// answers' together: 4, so that they hold 4 MiB at most. A request body beyond is answered
/// 503; an answer waits for a turn (up to the upstream timeout, then 504). A body waiting
/// holds no turn and at most [`LARGE_BODY`] bytes, and one that has a turn waits for
/// nothing that another large body holds: no two wait for each other.
pub const MAX_LARGE_BODIES: usize = 4;

/// A body held in blocks of at most [`BLOCK`] bytes, and its turn once it is large.
#[derive(Default)]
pub(crate) struct Blocks {
    full: VecDeque<Bytes>,
    tail: Vec<u8>,
    len: usize,
    turn: Option<OwnedSemaphorePermit>,
}

impl Blocks {
    /// Appends `data`; `expected` (what is still to come, if known) sizes a new block.
    pub(crate) fn push(&mut self, mut data: &[u8], expected: Option<usize>) {
        self.len += data.len();
        while !data.is_empty() {
            if self.tail.capacity() == 0 {
                let wanted = expected.unwrap_or(BLOCK).max(data.len());
                self.tail = Vec::with_capacity(wanted.min(BLOCK));
            }
            let room = BLOCK - self.tail.len();
            let (now, rest) = data.split_at(room.min(data.len()));
            let needed = self.tail.len() + now.len();
            if needed > self.tail.capacity() {
                // Grown as a `Vec` grows, but never past a block.
                let target = (2 * self.tail.capacity()).max(needed).min(BLOCK);
                self.tail.reserve_exact(target - self.tail.len());
            }
            self.tail.extend_from_slice(now);
            data = rest;
            if self.tail.len() == BLOCK {
                self.full
                    .push_back(Bytes::from(std::mem::take(&mut self.tail)));
            }
        }
    }

    pub(crate) fn len(&self) -> usize {
        self.len
    }

    /// Whether `more` bytes make it large while it has no turn yet.
    pub(crate) fn needs_turn(&self, more: usize) -> bool {
        self.turn.is_none() && self.len + more > LARGE_BODY
    }

    /// Holds `turn` (one of [`MAX_LARGE_BODIES`]) as long as the body is held.
    pub(crate) fn take_turn(&mut self, turn: OwnedSemaphorePermit) {
        self.turn = Some(turn);
    }

    /// The body in one slice: its only block, or the blocks copied into `scratch`.
    pub(crate) fn contiguous<'a>(&'a self, scratch: &'a mut Vec<u8>) -> &'a [u8] {
        match (self.full.front(), self.tail.is_empty()) {
            (None, _) => &self.tail,
            (Some(only), true) if self.full.len() == 1 => only,
            _ => {
                scratch.clear();
                self.full.iter().for_each(|b| scratch.extend_from_slice(b));
                scratch.extend_from_slice(&self.tail);
                scratch
            }
        }
    }

    /// The body to send: its blocks one at a time, holding its turn and `permit` (if any)
    /// until the last has been handed to the connection (see the module).
    pub(crate) fn into_held(mut self, permit: Option<OwnedSemaphorePermit>) -> Held {
        if !self.tail.is_empty() {
            self.full
                .push_back(Bytes::from(std::mem::take(&mut self.tail)));
        }
        Held {
            rest: self.full,
            len: self.len as u64,
            permits: [permit, self.turn],
        }
    }
}

/// How a request body ended.
pub(crate) enum Read {
    /// In full.
    Done(Blocks),
    /// Longer than the limit: read no further.
    TooLarge,
    /// Large while [`MAX_LARGE_BODIES`] are held already.
    Busy,
    /// Too slow: past the body timeout, or under the minimum rate.
    TooSlow,
    /// The connection failed while it was read.
    Broken,
}

/// The latest moment the next byte may arrive, `received` bytes after `start`: the grace
/// period plus one second per [`MIN_BODY_RATE`] bytes received, never past `timeout`.
fn deadline(start: Instant, received: usize, timeout: Duration) -> Instant {
    let earned = Duration::from_secs_f64(received as f64 / MIN_BODY_RATE as f64);
    start + (BODY_GRACE + earned).min(timeout)
}

/// Reads `body` in full: at most `limit` bytes, within `timeout` and at the minimum rate.
/// `expected` is its `Content-Length`, if any.
pub(crate) async fn read(
    mut body: Body,
    expected: Option<usize>,
    limit: usize,
    timeout: Duration,
    turns: &Arc<Semaphore>,
) -> Read {
    let start = Instant::now();
    let mut blocks = Blocks::default();
    // A body announced large has its turn before any of it is read.
    if blocks.needs_turn(expected.unwrap_or(0).min(limit + 1)) {
        match turns.clone().try_acquire_owned() {
            Ok(turn) => blocks.take_turn(turn),
            Err(_) => return Read::Busy,
        }
    }
    loop {
        let next = std::future::poll_fn(|cx| Pin::new(&mut body).poll_frame(cx));
        let frame =
            match tokio::time::timeout_at(deadline(start, blocks.len(), timeout), next).await {
                Err(_) => return Read::TooSlow,
                Ok(None) => return Read::Done(blocks),
                Ok(Some(Err(_))) => return Read::Broken,
                Ok(Some(Ok(frame))) => frame,
            };
        if let Ok(data) = frame.into_data() {
            if blocks.len() + data.len() > limit {
                return Read::TooLarge;
            }
            if blocks.needs_turn(data.len()) {
                match turns.clone().try_acquire_owned() {
                    Ok(turn) => blocks.take_turn(turn),
                    Err(_) => return Read::Busy,
                }
            }
            let rest = expected.map(|e| e.saturating_sub(blocks.len()).min(limit));
            blocks.push(&data, rest);
        }
    }
}

/// A body sent a block at a time, holding a permit (its request's slot, or a turn to read
/// the findings) until the last block has been handed to the connection: the connection
/// asks for the next block only once it has written the previous one.
pub(crate) struct Held {
    rest: VecDeque<Bytes>,
    len: u64,
    permits: [Option<OwnedSemaphorePermit>; 2],
}

impl std::io::Write for Blocks {
    fn write(&mut self, data: &[u8]) -> std::io::Result<usize> {
        self.push(data, None);
        Ok(data.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl HttpBody for Held {
    type Data = Bytes;
    type Error = std::convert::Infallible;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        _cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Self::Error>>> {
        match self.rest.pop_front() {
            Some(block) => {
                self.len -= block.len() as u64;
                Poll::Ready(Some(Ok(Frame::data(block))))
            }
            None => {
                self.permits = [None, None];
                Poll::Ready(None)
            }
        }
    }

    fn is_end_stream(&self) -> bool {
        self.rest.is_empty()
    }

    fn size_hint(&self) -> SizeHint {
        SizeHint::with_exact(self.len)
    }
}
