//! The device records as they are listed: [`crate::MockServer::devices`] and
//! [`crate::MockServer::bulk_devices`] (all of them), `GET /_mock/devices` (a page at a
//! time, across the three listings in the order they were added) and the inspector (the
//! newest).

use super::{DeviceStore, Ids, Inner, Record};
use crate::device::{AddedDevices, Device, DeviceKind};

/// One page of records, oldest first.
#[derive(Debug, Default)]
pub(crate) struct RecordsPage {
    /// The linked devices of the page.
    pub(crate) linked: Vec<Device>,
    /// The bulk additions of the page.
    pub(crate) bulk: Vec<AddedDevices>,
    /// Where the next page starts, when there is one.
    pub(crate) next: Option<u64>,
    /// How many linked devices and bulk additions are kept in all.
    pub(crate) totals: (usize, usize),
}

/// A record as what it is: a linked device, or a bulk addition.
enum Item {
    Linked(Device),
    Bulk(AddedDevices),
}

fn item(kind: DeviceKind, r: &Record) -> Item {
    match &r.ids {
        Ids::Linked { device_id, flags } => Item::Linked(Device {
            device_id: device_id.clone(),
            kind,
            user_id: r.owner.to_string(),
            brand: r.brand.to_string(),
            linked_at: r.linked_at,
            visible_at: r.visible_at,
            needs_reauthentication: flags.needs_reauthentication,
            steerable: !flags.not_steerable && !flags.needs_reauthentication,
        }),
        Ids::Bulk { prefix, count, .. } => Item::Bulk(AddedDevices {
            kind,
            user_id: r.owner.to_string(),
            count: *count,
            prefix: prefix.clone(),
            brand: r.brand.to_string(),
            visible_at: r.visible_at,
        }),
    }
}

/// Every record of the three listings with its number, in the order given by `rev`
/// (newest first when true), the linked ones or the bulk ones.
fn numbered<'a>(
    inner: &'a Inner,
    linked: bool,
    rev: bool,
) -> impl Iterator<Item = (u64, DeviceKind, &'a Record)> + 'a {
    let mut all: Vec<(u64, DeviceKind, &Record)> = Vec::new();
    for &kind in DeviceKind::ALL {
        for (&seq, r) in &inner.lists[kind.index()] {
            if matches!(r.ids, Ids::Linked { .. }) == linked {
                all.push((seq, kind, r));
            }
        }
    }
    all.sort_by_key(|(seq, _, _)| *seq);
    if rev {
        all.reverse();
    }
    all.into_iter()
}

impl DeviceStore {
    /// The linked devices (not the bulk additions), in linking order.
    pub(crate) fn linked(&self) -> Vec<Device> {
        let inner = self.lock();
        numbered(&inner, true, false)
            .filter_map(|(_, kind, r)| match item(kind, r) {
                Item::Linked(d) => Some(d),
                Item::Bulk(_) => None,
            })
            .collect()
    }

    /// The bulk additions still kept, oldest first.
    pub(crate) fn bulk(&self) -> Vec<AddedDevices> {
        let inner = self.lock();
        numbered(&inner, false, false)
            .filter_map(|(_, kind, r)| match item(kind, r) {
                Item::Bulk(b) => Some(b),
                Item::Linked(_) => None,
            })
            .collect()
    }

    /// The newest `n` linked devices and the newest `n` bulk additions, newest first,
    /// and how many of each are kept: the inspector's rows.
    pub(crate) fn newest(&self, n: usize) -> RecordsPage {
        let inner = self.lock();
        let mut page = RecordsPage::default();
        for linked in [true, false] {
            let mut total = 0;
            for (_, kind, r) in numbered(&inner, linked, true) {
                total += 1;
                match item(kind, r) {
                    Item::Linked(d) if page.linked.len() < n => page.linked.push(d),
                    Item::Bulk(b) if page.bulk.len() < n => page.bulk.push(b),
                    _ => {}
                }
            }
            if linked {
                page.totals.0 = total;
            } else {
                page.totals.1 = total;
            }
        }
        page
    }

    /// At most `limit` records (linked devices and bulk additions together), oldest
    /// first, from the record numbered `cursor` (or the oldest kept after it).
    pub(crate) fn records_page(&self, cursor: u64, limit: usize) -> RecordsPage {
        let inner = self.lock();
        let mut from: Vec<(u64, DeviceKind, &Record)> = Vec::new();
        for &kind in DeviceKind::ALL {
            let list = &inner.lists[kind.index()];
            from.extend(
                list.range(cursor..)
                    .take(limit + 1)
                    .map(|(&seq, r)| (seq, kind, r)),
            );
        }
        from.sort_by_key(|(seq, _, _)| *seq);
        let mut page = RecordsPage {
            next: from.get(limit).map(|(seq, _, _)| *seq),
            ..RecordsPage::default()
        };
        for &(_, kind, r) in from.iter().take(limit) {
            match item(kind, r) {
                Item::Linked(d) => page.linked.push(d),
                Item::Bulk(b) => page.bulk.push(b),
            }
        }
        let linked = inner
            .lists
            .iter()
            .flat_map(|l| l.values())
            .filter(|r| matches!(r.ids, Ids::Linked { .. }))
            .count();
        page.totals = (linked, inner.records - linked);
        page
    }
}
