//! One page of a control listing (`GET /_mock/sessions`, `/_mock/requests`,
//! `/_mock/devices`), written as it is read: at most `limit` items and about
//! [`MAX_PAGE_BYTES`] of JSON, so that a listing of 100,000 sessions costs one page of
//! memory per reader, never the whole store.

/// The most items a control listing answers at once, and the default `limit`.
pub const MAX_LISTED: usize = 1000;

/// The most JSON a control listing answers at once, in bytes: a page ends at the item
/// that would pass it (a page holds at least one item).
pub const MAX_PAGE_BYTES: usize = 1024 * 1024;

/// A page being written: a JSON array of items, and where the listing goes on.
#[derive(Debug)]
pub(crate) struct PageWriter {
    json: Vec<u8>,
    count: usize,
    limit: usize,
    /// The position of the first item left out, when one was.
    next: Option<u64>,
}

/// A finished page.
#[derive(Debug)]
pub(crate) struct Page {
    /// A JSON array.
    pub(crate) json: Vec<u8>,
    /// The cursor of the next page, when there is one.
    pub(crate) next: Option<u64>,
    /// How many items the whole listing has now.
    pub(crate) total: usize,
}

impl PageWriter {
    pub(crate) fn new(limit: usize) -> Self {
        Self {
            json: b"[".to_vec(),
            count: 0,
            limit: limit.clamp(1, MAX_LISTED),
            next: None,
        }
    }

    /// Whether another item may still be added (by count; bytes are checked by [`PageWriter::push`]).
    pub(crate) fn has_room(&self) -> bool {
        self.next.is_none() && self.count < self.limit
    }

    /// Adds the item at position `at` (its JSON), or ends the page before it: `false`
    /// then, and the listing goes on from `at`.
    pub(crate) fn push(&mut self, at: u64, item: &[u8]) -> bool {
        let fits = self.count == 0 || self.json.len() + item.len() + 2 <= MAX_PAGE_BYTES;
        if !self.has_room() || !fits {
            self.next.get_or_insert(at);
            return false;
        }
        if self.count > 0 {
            self.json.push(b',');
        }
        self.json.extend_from_slice(item);
        self.count += 1;
        true
    }

    /// Marks that the listing goes on from `at` although the page has room left (the
    /// caller stopped at the limit).
    pub(crate) fn more_from(&mut self, at: u64) {
        self.next.get_or_insert(at);
    }

    pub(crate) fn finish(mut self, total: usize) -> Page {
        self.json.push(b']');
        Page {
            json: self.json,
            next: self.next,
            total,
        }
    }
}
