//! The log of answered requests: what a test reads back with [`crate::MockServer::requests`]
//! and `GET /_mock/requests`. A ring bounded by count and by bytes; each answer's JSON is
//! kept as the bytes sent (parsed only when read), so that its cost is its size.

use std::collections::VecDeque;
use std::sync::{Mutex, MutexGuard};

use serde::Serialize;

use crate::page::{Page, PageWriter};

/// The longest path the request log keeps, in characters (longer ones are cut, and
/// control characters escaped).
pub(crate) const MAX_LOGGED_PATH: usize = 256;

/// What an entry costs besides its texts and body (its fields, the ring's slot).
const ENTRY_OVERHEAD: usize = 64;

/// One request the mock answered. Never holds the API key.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[non_exhaustive]
pub struct RecordedRequest {
    /// HTTP method.
    pub method: String,
    /// Path without the query.
    pub path: String,
    /// The status answered.
    pub status: u16,
    /// The JSON body answered, if any (kept for conformance checks); `None` for a body
    /// over [`MAX_BODY_BYTES`](crate::MAX_BODY_BYTES) (a long page of devices).
    pub response: Option<serde_json::Value>,
}

#[derive(Debug)]
struct Entry {
    seq: u64,
    method: String,
    path: String,
    status: u16,
    /// The JSON answered, as sent (valid JSON: checked when recorded).
    body: Option<Box<[u8]>>,
}

impl Entry {
    fn cost(&self) -> usize {
        ENTRY_OVERHEAD
            + self.method.len()
            + self.path.len()
            + self.body.as_ref().map_or(0, |b| b.len())
    }

    fn recorded(&self) -> RecordedRequest {
        RecordedRequest {
            method: self.method.clone(),
            path: self.path.clone(),
            status: self.status,
            response: self
                .body
                .as_ref()
                .and_then(|b| serde_json::from_slice(b).ok()),
        }
    }

    /// As `GET /_mock/requests` lists it: a [`RecordedRequest`]'s fields, the body
    /// spliced in as kept.
    fn json(&self) -> Vec<u8> {
        let text = |s: &str| serde_json::to_vec(s).unwrap_or_default();
        let mut out = Vec::with_capacity(64 + self.cost());
        out.extend_from_slice(b"{\"method\":");
        out.extend(text(&self.method));
        out.extend_from_slice(b",\"path\":");
        out.extend(text(&self.path));
        out.extend_from_slice(format!(",\"status\":{},\"response\":", self.status).as_bytes());
        out.extend_from_slice(self.body.as_deref().unwrap_or(b"null"));
        out.push(b'}');
        out
    }
}

#[derive(Debug, Default)]
struct Ring {
    entries: VecDeque<Entry>,
    bytes: usize,
    next_seq: u64,
}

/// The ring of answered requests: at most `capacity` entries and `max_bytes` bytes, the
/// oldest going first.
#[derive(Debug)]
pub(crate) struct RequestLog {
    ring: Mutex<Ring>,
    capacity: usize,
    max_bytes: usize,
}

impl RequestLog {
    pub(crate) fn new(capacity: usize, max_bytes: usize) -> Self {
        Self {
            ring: Mutex::new(Ring::default()),
            capacity,
            max_bytes,
        }
    }

    fn lock(&self) -> MutexGuard<'_, Ring> {
        self.ring.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Logs an answer; `body` is its JSON when it is JSON (dropped when it alone would
    /// pass the byte bound).
    pub(crate) fn record(&self, method: String, path: String, status: u16, body: Option<&[u8]>) {
        if self.capacity == 0 {
            return;
        }
        let mut entry = Entry {
            seq: 0,
            method,
            path,
            status,
            body: body.map(Box::from),
        };
        if entry.cost() > self.max_bytes {
            entry.body = None;
        }
        let mut ring = self.lock();
        while !ring.entries.is_empty()
            && (ring.entries.len() >= self.capacity || ring.bytes + entry.cost() > self.max_bytes)
        {
            if let Some(gone) = ring.entries.pop_front() {
                ring.bytes -= gone.cost();
            }
        }
        entry.seq = ring.next_seq;
        ring.next_seq += 1;
        ring.bytes += entry.cost();
        ring.entries.push_back(entry);
    }

    /// Every entry, oldest first.
    pub(crate) fn all(&self) -> Vec<RecordedRequest> {
        self.lock().entries.iter().map(Entry::recorded).collect()
    }

    /// The newest `n` (method, path, status), newest first: the inspector's rows.
    pub(crate) fn newest(&self, n: usize) -> Vec<(String, String, u16)> {
        let ring = self.lock();
        ring.entries
            .iter()
            .rev()
            .take(n)
            .map(|e| (e.method.clone(), e.path.clone(), e.status))
            .collect()
    }

    /// One page, oldest first, from the entry numbered `cursor` (or the oldest kept after it).
    pub(crate) fn page(&self, cursor: u64, limit: usize) -> Page {
        let ring = self.lock();
        let start = ring.entries.partition_point(|e| e.seq < cursor);
        let mut page = PageWriter::new(limit);
        for e in ring.entries.iter().skip(start) {
            if !page.has_room() {
                page.more_from(e.seq);
                break;
            }
            if !page.push(e.seq, &e.json()) {
                break;
            }
        }
        page.finish(ring.entries.len())
    }

    /// Forgets every entry (the numbering goes on: an old cursor never points into new entries).
    pub(crate) fn clear(&self) {
        let mut ring = self.lock();
        let next_seq = ring.next_seq;
        *ring = Ring {
            next_seq,
            ..Ring::default()
        };
    }
}
