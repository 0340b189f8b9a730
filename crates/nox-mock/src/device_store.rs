//! The devices behind the Package API listings: one record per linked device, one per bulk
//! addition (its devices generated as they are listed), kept in linking order per listing,
//! capped, the oldest evicted first. Pure logic, no HTTP.

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use crate::device::{
    AddedDevices, DeviceBatch, DeviceKind, DeviceMark, MAX_BULK_DEVICES, MAX_DEVICE_DELAY,
    PackageUserId,
};
use crate::page_token::{Filter, Position, TokenKey};

/// How the records are listed (the control API, the inspector, the Rust API).
mod records;

/// The longest `user_id`, brand or device id prefix a bulk addition may name, in bytes.
pub(crate) const MAX_BULK_TEXT: usize = 256;

/// What a device answers besides its ids: its marks.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct Flags {
    pub(crate) needs_reauthentication: bool,
    pub(crate) not_steerable: bool,
}

impl Flags {
    fn apply(&mut self, mark: DeviceMark) {
        if let Some(yes) = mark.needs_reauthentication {
            self.needs_reauthentication = yes;
        }
        if let Some(yes) = mark.steerable {
            self.not_steerable = !yes;
        }
    }
}

#[derive(Debug)]
enum Ids {
    /// A device a completed link named.
    Linked { device_id: String, flags: Flags },
    /// `count` devices `<prefix><index>`; the marked ones in `marks`.
    Bulk {
        prefix: String,
        count: u64,
        marks: HashMap<u64, Flags>,
    },
}

#[derive(Debug)]
struct Record {
    owner: Arc<str>,
    brand: Arc<str>,
    linked_at: u64,
    visible_at: u64,
    ids: Ids,
}

impl Record {
    /// The text it holds, as [`DeviceSettings::max_bytes`] counts it: its owner and
    /// brand (shared by the devices of one link, counted for each) and its id or prefix.
    fn text(&self) -> usize {
        self.owner.len()
            + self.brand.len()
            + match &self.ids {
                Ids::Linked { device_id, .. } => device_id.len(),
                Ids::Bulk { prefix, .. } => prefix.len(),
            }
    }
}

/// One device of a page, copied out of the store.
#[derive(Debug, Clone)]
pub(crate) struct Listed {
    pub(crate) device_id: String,
    pub(crate) owner: Arc<str>,
    pub(crate) brand: Arc<str>,
    pub(crate) linked_at: u64,
    pub(crate) flags: Flags,
}

/// How the device store is set up (from [`crate::MockConfig`]).
#[derive(Debug, Clone)]
pub(crate) struct DeviceSettings {
    /// The most records kept (a linked device or a bulk addition is one).
    pub(crate) max_records: usize,
    /// The most text the records hold together (see [`Record::text`]).
    pub(crate) max_bytes: usize,
    /// Whose id `user_id` carries.
    pub(crate) user_id: PackageUserId,
    /// The visibility delay at start and after a reset.
    pub(crate) delay: Duration,
    /// The brand of a bulk addition of manufacturer devices.
    pub(crate) manufacturer_name: String,
}

#[derive(Debug, Default)]
struct Inner {
    /// Per listing ([`DeviceKind::index`]): records by sequence number (linking order).
    lists: [BTreeMap<u64, Record>; 3],
    next_seq: u64,
    records: usize,
    /// Their text (see [`Record::text`]).
    bytes: usize,
    /// Marked devices of bulk additions, all together (bounded by `max_records`).
    bulk_marks: usize,
    delay: Duration,
    additions: u64,
}

/// The devices, shared by the handlers.
#[derive(Debug)]
pub(crate) struct DeviceStore {
    inner: Mutex<Inner>,
    pub(crate) settings: DeviceSettings,
    /// The key of the listings' `next_token`s.
    pub(crate) tokens: TokenKey,
}

/// The index of `device_id` in a bulk addition, if it is one of its ids.
fn bulk_index(prefix: &str, count: u64, device_id: &str) -> Option<u64> {
    let digits = device_id.strip_prefix(prefix)?;
    let canonical = !digits.is_empty()
        && digits.bytes().all(|b| b.is_ascii_digit())
        && (digits == "0" || !digits.starts_with('0'));
    let index: u64 = digits.parse().ok().filter(|_| canonical)?;
    (index < count).then_some(index)
}

impl DeviceStore {
    pub(crate) fn new(settings: DeviceSettings) -> Self {
        let inner = Inner {
            delay: settings.delay,
            ..Inner::default()
        };
        Self {
            inner: Mutex::new(inner),
            settings,
            tokens: TokenKey::new(),
        }
    }

    fn lock(&self) -> MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Adds a record, evicting the oldest ones (of any listing) past the cap.
    fn insert(&self, inner: &mut Inner, kind: DeviceKind, record: Record) {
        let cost = record.text();
        while inner.records >= self.settings.max_records.max(1)
            || (inner.records > 0 && inner.bytes + cost > self.settings.max_bytes)
        {
            let oldest = DeviceKind::ALL
                .iter()
                .copied()
                .filter_map(|k| {
                    inner.lists[k.index()]
                        .first_key_value()
                        .map(|(s, _)| (*s, k))
                })
                .min();
            let Some((_, k)) = oldest else { break };
            if let Some((_, gone)) = inner.lists[k.index()].pop_first() {
                inner.records -= 1;
                inner.bytes -= gone.text();
                if let Ids::Bulk { marks, .. } = gone.ids {
                    inner.bulk_marks -= marks.len();
                }
            }
        }
        let seq = inner.next_seq;
        inner.next_seq += 1;
        inner.lists[kind.index()].insert(seq, record);
        inner.records += 1;
        inner.bytes += cost;
    }

    /// The devices of a completed link: `owner`'s earlier linked devices on this listing
    /// are replaced (a re-link replaces the devices, as for the NOX user), each new one
    /// listed from `now` plus the visibility delay.
    pub(crate) fn link(
        &self,
        kind: DeviceKind,
        owner: &str,
        brand: &str,
        device_ids: &[String],
        now: u64,
    ) {
        let mut inner = self.lock();
        let list = &mut inner.lists[kind.index()];
        let (mut removed, mut text) = (0, 0);
        list.retain(|_, r| {
            let keep = !(matches!(r.ids, Ids::Linked { .. }) && *r.owner == *owner);
            if !keep {
                removed += 1;
                text += r.text();
            }
            keep
        });
        inner.records -= removed;
        inner.bytes -= text;
        let visible_at = now.saturating_add(inner.delay.as_secs());
        let (owner, brand): (Arc<str>, Arc<str>) = (owner.into(), brand.into());
        let mut seen = std::collections::HashSet::new();
        for id in device_ids.iter().map(|d| d.trim()) {
            if id.is_empty() || !seen.insert(id) {
                continue;
            }
            let record = Record {
                owner: owner.clone(),
                brand: brand.clone(),
                linked_at: now,
                visible_at,
                ids: Ids::Linked {
                    device_id: id.to_owned(),
                    flags: Flags::default(),
                },
            };
            self.insert(&mut inner, kind, record);
        }
    }

    /// A bulk addition, checked; the error says what is out of range.
    pub(crate) fn add(&self, batch: DeviceBatch, now: u64) -> Result<AddedDevices, String> {
        if !(1..=MAX_BULK_DEVICES).contains(&batch.count) {
            return Err(format!(
                "count must be 1 to {MAX_BULK_DEVICES}, not {}",
                batch.count
            ));
        }
        for (field, text) in [
            ("user_id", Some(&batch.user_id)),
            ("brand", batch.brand.as_ref()),
            ("prefix", batch.prefix.as_ref()),
        ] {
            if text.is_some_and(|t| t.len() > MAX_BULK_TEXT || t.chars().any(char::is_control)) {
                return Err(format!(
                    "{field} must be at most {MAX_BULK_TEXT} bytes, without control characters"
                ));
            }
        }
        if batch.visible_after.is_some_and(|d| d > MAX_DEVICE_DELAY) {
            return Err(format!(
                "the visibility delay must be at most {} seconds",
                MAX_DEVICE_DELAY.as_secs()
            ));
        }
        let mut inner = self.lock();
        inner.additions += 1;
        let prefix = batch
            .prefix
            .unwrap_or_else(|| format!("mock-{}-{}-", batch.kind.as_str(), inner.additions));
        let brand = batch.brand.unwrap_or_else(|| match batch.kind {
            DeviceKind::HeatPump => "nibe".to_owned(),
            DeviceKind::Pv => "SMA".to_owned(),
            DeviceKind::Manufacturer => self.settings.manufacturer_name.clone(),
        });
        let delay = batch.visible_after.unwrap_or(inner.delay);
        let visible_at = now.saturating_add(delay.as_secs());
        let record = Record {
            owner: batch.user_id.as_str().into(),
            brand: brand.as_str().into(),
            linked_at: now,
            visible_at,
            ids: Ids::Bulk {
                prefix: prefix.clone(),
                count: batch.count,
                marks: HashMap::new(),
            },
        };
        self.insert(&mut inner, batch.kind, record);
        Ok(AddedDevices {
            kind: batch.kind,
            user_id: batch.user_id,
            count: batch.count,
            prefix,
            brand,
            visible_at,
        })
    }

    /// Marks every device with this id (on any listing); how many were marked (0: no
    /// device has it). The error says why a bulk device could not be marked.
    pub(crate) fn mark(&self, device_id: &str, mark: DeviceMark) -> Result<usize, String> {
        let mut guard = self.lock();
        let inner = &mut *guard;
        let cap = self.settings.max_records.max(1);
        let mut marked = 0;
        for list in inner.lists.iter_mut() {
            for record in list.values_mut() {
                match &mut record.ids {
                    Ids::Linked {
                        device_id: id,
                        flags,
                    } if id == device_id => {
                        flags.apply(mark);
                        marked += 1;
                    }
                    Ids::Linked { .. } => {}
                    Ids::Bulk {
                        prefix,
                        count,
                        marks,
                    } => {
                        let Some(index) = bulk_index(prefix, *count, device_id) else {
                            continue;
                        };
                        let mut flags = marks.get(&index).copied().unwrap_or_default();
                        flags.apply(mark);
                        if flags == Flags::default() {
                            inner.bulk_marks -= usize::from(marks.remove(&index).is_some());
                        } else if marks.insert(index, flags).is_none() {
                            if inner.bulk_marks >= cap {
                                marks.remove(&index);
                                return Err(format!(
                                    "at most {cap} devices of bulk additions can be marked at once"
                                ));
                            }
                            inner.bulk_marks += 1;
                        }
                        marked += 1;
                    }
                }
            }
        }
        Ok(marked)
    }

    /// One page of a listing: at most `limit` devices visible at `now` that pass `filter`,
    /// from `from` on, and where the next page starts (`None`: this is the last).
    pub(crate) fn page(
        &self,
        kind: DeviceKind,
        filter: &Filter<'_>,
        from: Position,
        limit: usize,
        now: u64,
    ) -> (Vec<Listed>, Option<Position>) {
        let inner = self.lock();
        let mut out = Vec::with_capacity(limit.min(1024));
        for (&seq, record) in inner.lists[kind.index()].range(from.seq..) {
            if record.visible_at > now || filter.user_id.is_some_and(|u| *record.owner != *u) {
                continue;
            }
            let first = if seq == from.seq { from.index } else { 0 };
            let listed = |device_id: String, flags: Flags| Listed {
                device_id,
                owner: record.owner.clone(),
                brand: record.brand.clone(),
                linked_at: record.linked_at,
                flags,
            };
            match &record.ids {
                Ids::Linked { device_id, flags } => {
                    if first > 0 || filter.device_id.is_some_and(|d| d != device_id) {
                        continue;
                    }
                    if out.len() == limit {
                        return (out, Some(Position { seq, index: 0 }));
                    }
                    out.push(listed(device_id.clone(), *flags));
                }
                Ids::Bulk {
                    prefix,
                    count,
                    marks,
                } => {
                    let indexes = match filter.device_id {
                        None => first..*count,
                        Some(d) => match bulk_index(prefix, *count, d) {
                            Some(i) if i >= first => i..i + 1,
                            _ => continue,
                        },
                    };
                    for index in indexes {
                        if out.len() == limit {
                            return (out, Some(Position { seq, index }));
                        }
                        let flags = marks.get(&index).copied().unwrap_or_default();
                        out.push(listed(format!("{prefix}{index}"), flags));
                    }
                }
            }
        }
        (out, None)
    }

    /// The visibility delay of links completed from now on.
    pub(crate) fn delay(&self) -> Duration {
        self.lock().delay
    }

    /// Sets the visibility delay (at most [`MAX_DEVICE_DELAY`]).
    pub(crate) fn set_delay(&self, delay: Duration) -> Result<(), String> {
        if delay > MAX_DEVICE_DELAY {
            return Err(format!(
                "the visibility delay must be at most {} seconds",
                MAX_DEVICE_DELAY.as_secs()
            ));
        }
        self.lock().delay = delay;
        Ok(())
    }

    /// Forgets every device; the delay goes back to the configured one.
    pub(crate) fn reset(&self) {
        let mut inner = self.lock();
        let next_seq = inner.next_seq;
        *inner = Inner {
            next_seq,
            delay: self.settings.delay,
            ..Inner::default()
        };
    }
}
