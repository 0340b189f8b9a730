//! The Package API's device listings: one call per endpoint, a [`DeviceStream`] of typed
//! devices across pages, with the pagination distrusted.

use std::collections::HashSet;
use std::fmt;
use std::future::Future;
use std::hash::{BuildHasher, RandomState};
use std::pin::Pin;
use std::task::{Context, Poll};

use futures_core::Stream;
use futures_util::{StreamExt as _, TryStreamExt as _, stream};
use nox_auth_runtime::Operation;
use nox_auth_runtime::text::excerpt;
use nox_package_v1::devices::types;

use crate::client::Client;
use crate::error::{Error, ValidationError};
use crate::send::send;

/// A heat pump as `GET /v1/devices` lists it (every field optional: NOX's docs show
/// examples only; unknown fields are ignored).
pub type HeatPump = types::HeatPumpDevice;
/// A PV inverter as `GET /v1/devices/pv` lists it.
pub type PvInverter = types::PvDevice;
/// A device as `GET /v1/manufacturer/devices` lists it.
pub type ManufacturerDevice = types::ManufacturerDevice;

/// The page size NOX uses when none is asked for.
pub const DEFAULT_PAGE_SIZE: u16 = 1000;
/// The largest page NOX serves.
pub const MAX_PAGE_SIZE: u16 = 4000;
/// The longest `next_token` accepted (NOX's are base64 of a small JSON object).
pub const MAX_TOKEN_LEN: usize = 4096;
/// How many pages in a row may be empty while still naming a next page, before the
/// listing stops with an error instead of following tokens forever. Generous: NOX's tokens
/// look like a key-value store's cursor, and such stores may fill a page *before* a filter
/// (`user_id`) is applied, so a filtered listing may legitimately cross many empty pages.
pub const MAX_EMPTY_PAGES: u32 = 64;

/// Which devices a listing asks for: all the key may see, one user's, or one device; and
/// the page size (1 to [`MAX_PAGE_SIZE`], default [`DEFAULT_PAGE_SIZE`]).
///
/// ```
/// use nox_auth::DeviceQuery;
/// let q = DeviceQuery::all().user("nox-user-7").page_size(500);
/// assert_eq!(q.user_id.as_deref(), Some("nox-user-7"));
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct DeviceQuery {
    /// Only this user's devices (`user_id`).
    pub user_id: Option<String>,
    /// Only this device (`device_id`).
    pub device_id: Option<String>,
    /// Devices per page (`limit`).
    pub page_size: Option<u16>,
    /// The most pages to follow: one more is [`Error::TooManyPages`] (default: no bound;
    /// the stream is lazy, so its reader decides how far it goes).
    pub max_pages: Option<u32>,
}

impl DeviceQuery {
    /// Every device the key may see.
    pub fn all() -> Self {
        Self::default()
    }

    /// Only this user's devices.
    pub fn user(mut self, user_id: impl Into<String>) -> Self {
        self.user_id = Some(user_id.into());
        self
    }

    /// Only this device.
    pub fn device(mut self, device_id: impl Into<String>) -> Self {
        self.device_id = Some(device_id.into());
        self
    }

    /// Devices per page, 1 to [`MAX_PAGE_SIZE`].
    pub fn page_size(mut self, n: u16) -> Self {
        self.page_size = Some(n);
        self
    }

    /// Follows at most `n` pages; one more ends the stream with [`Error::TooManyPages`].
    pub fn max_pages(mut self, n: u32) -> Self {
        self.max_pages = Some(n);
        self
    }

    fn limit(&self) -> Result<u16, ValidationError> {
        let n = self.page_size.unwrap_or(DEFAULT_PAGE_SIZE);
        if (1..=MAX_PAGE_SIZE).contains(&n) {
            Ok(n)
        } else {
            Err(ValidationError::OutOfRange {
                field: "page_size",
                value: n.to_string(),
                range: "1 to 4000",
            })
        }
    }
}

/// The devices of a listing, fetched page by page as the stream is read: memory holds
/// one page at most, whatever the total. Each item is a device or the error that ended
/// the listing (after an error the stream ends).
///
/// ```no_run
/// use futures_util::TryStreamExt as _;
/// # async fn run(client: nox_auth::Client) -> Result<(), nox_auth::Error> {
/// let mut devices = client.heat_pumps(nox_auth::DeviceQuery::all().user("nox-user-7"));
/// while let Some(hp) = devices.try_next().await? {
///     println!("{:?} needs re-authentication: {:?}", hp.device_id, hp.needs_reauthentication);
/// }
/// # Ok(()) }
/// ```
pub struct DeviceStream<T> {
    inner: Pin<Box<dyn Stream<Item = Result<T, Error>> + Send>>,
}

impl<T> fmt::Debug for DeviceStream<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DeviceStream").finish_non_exhaustive()
    }
}

impl<T> Stream for DeviceStream<T> {
    type Item = Result<T, Error>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        self.inner.as_mut().poll_next(cx)
    }
}

impl<T> DeviceStream<T> {
    /// Every device, as long as there are at most `max`: more is
    /// [`Error::TooManyItems`] (nothing is cut off silently). Stream the listing to handle
    /// any number.
    pub async fn collect_at_most(mut self, max: usize) -> Result<Vec<T>, Error> {
        let mut all = Vec::new();
        while let Some(device) = self.inner.try_next().await? {
            if all.len() == max {
                return Err(Error::TooManyItems { max });
            }
            all.push(device);
        }
        Ok(all)
    }
}

/// What a listing's pages have in common: the items and the next page's token.
trait Page: Send + 'static {
    type Item: Send + 'static;
    fn into_parts(self) -> (Vec<Self::Item>, Option<String>);
    /// A hash of the page's device ids, in order.
    fn ids_hash(&self, hasher: &RandomState) -> u64;
}

macro_rules! page {
    ($($page:ty => $item:ty),*) => {$(
        impl Page for $page {
            type Item = $item;
            fn into_parts(self) -> (Vec<$item>, Option<String>) {
                (self.data, self.meta.next_token)
            }
            fn ids_hash(&self, hasher: &RandomState) -> u64 {
                use std::hash::{Hash as _, Hasher as _};
                let mut h = hasher.build_hasher();
                for d in &self.data {
                    d.device_id.hash(&mut h);
                }
                h.finish()
            }
        }
    )*};
}
page!(
    types::HeatPumpDevicePage => HeatPump,
    types::PvDevicePage => PvInverter,
    types::ManufacturerDevicePage => ManufacturerDevice
);

/// Where a listing stands between pages.
struct Cursor<F> {
    fetch: F,
    token: Option<String>,
    /// Hashes of every token followed (a repeat would loop), and of every non-empty
    /// page's device ids (the same page again under a fresh token would loop too).
    seen: HashSet<u64>,
    pages_seen: HashSet<u64>,
    hasher: RandomState,
    empty_in_a_row: u32,
    pages: u32,
    done: bool,
}

/// The stream over the pages `fetch` returns (given the token of the page to fetch).
fn paginate<P, F, Fut>(
    operation: Operation,
    (limit, max_pages): (u16, Option<u32>),
    fetch: F,
) -> DeviceStream<P::Item>
where
    P: Page,
    F: FnMut(Option<String>) -> Fut + Send + 'static,
    Fut: Future<Output = Result<P, Error>> + Send,
{
    let invalid = move |reason: String| Error::InvalidResponse { operation, reason };
    let cursor = Cursor {
        fetch,
        token: None,
        seen: HashSet::new(),
        pages_seen: HashSet::new(),
        hasher: RandomState::new(),
        empty_in_a_row: 0,
        pages: 0,
        done: false,
    };
    let pages = stream::try_unfold(cursor, move |mut cur| async move {
        if cur.done {
            return Ok(None);
        }
        if let Some(max) = max_pages
            && cur.pages >= max
        {
            return Err(Error::TooManyPages { max });
        }
        cur.pages += 1;
        let page = (cur.fetch)(cur.token.take()).await?;
        let page_hash = page.ids_hash(&cur.hasher);
        let (items, next) = page.into_parts();
        if items.len() > usize::from(limit) {
            return Err(invalid(format!(
                "a page of {} devices, over the {limit} asked for",
                items.len()
            )));
        }
        match next.filter(|t| !t.is_empty()) {
            None => cur.done = true,
            Some(token) => {
                if token.len() > MAX_TOKEN_LEN {
                    return Err(invalid(format!(
                        "a next_token of {} bytes (at most {MAX_TOKEN_LEN} are followed)",
                        token.len()
                    )));
                }
                if !cur.seen.insert(cur.hasher.hash_one(&token)) {
                    return Err(invalid(format!(
                        "the next_token `{}` was already followed: the listing would loop",
                        excerpt(&token, 40)
                    )));
                }
                if !items.is_empty() && !cur.pages_seen.insert(page_hash) {
                    return Err(invalid(
                        "the same page of devices again under a new next_token: the listing would loop"
                            .into(),
                    ));
                }
                cur.empty_in_a_row = if items.is_empty() {
                    cur.empty_in_a_row + 1
                } else {
                    0
                };
                if cur.empty_in_a_row > MAX_EMPTY_PAGES {
                    return Err(invalid(format!(
                        "{} empty pages in a row, each naming another: the listing stops",
                        cur.empty_in_a_row
                    )));
                }
                cur.token = Some(token);
            }
        }
        Ok(Some((items, cur)))
    });
    let devices = pages
        .map_ok(|items| stream::iter(items.into_iter().map(Ok)))
        .try_flatten();
    DeviceStream {
        inner: devices.boxed(),
    }
}

/// A stream that yields `e` and ends: a listing whose query was refused before sending.
fn refused<T: Send + 'static>(e: Error) -> DeviceStream<T> {
    DeviceStream {
        inner: stream::once(async move { Err(e) }).boxed(),
    }
}

impl Client {
    /// The heat pumps the key may see (`GET /v1/devices`), page by page.
    ///
    /// ```no_run
    /// # async fn run(client: nox_auth::Client) -> Result<(), nox_auth::Error> {
    /// let all = client
    ///     .heat_pumps(nox_auth::DeviceQuery::all().user("nox-user-7"))
    ///     .collect_at_most(100)
    ///     .await?;
    /// # Ok(()) }
    /// ```
    pub fn heat_pumps(&self, query: DeviceQuery) -> DeviceStream<HeatPump> {
        let operation = Operation::GetDevices;
        let limit = match query.limit() {
            Ok(limit) => limit,
            Err(e) => return refused(e.into()),
        };
        let (client, scrubber) = (self.package.clone(), self.scrubber.clone());
        paginate(operation, (limit, query.max_pages), move |token| {
            // One clone per page: the generated builder borrows its client.
            let (client, query, scrubber) = (client.clone(), query.clone(), scrubber.clone());
            async move {
                let mut call = client.get_devices().limit(u64::from(limit));
                if let Some(user) = &query.user_id {
                    call = call.user_id(user.clone());
                }
                if let Some(device) = &query.device_id {
                    call = call.device_id(device.clone());
                }
                if let Some(token) = token {
                    call = call.next_token(token);
                }
                send(&scrubber, operation, call.send()).await
            }
        })
    }

    /// The PV inverters the key may see (`GET /v1/devices/pv`), page by page. NOX's docs
    /// show no user or device filter here: a query naming one is refused before sending.
    pub fn pv_inverters(&self, query: DeviceQuery) -> DeviceStream<PvInverter> {
        let operation = Operation::GetPvDevices;
        for (set, filter) in [
            (query.user_id.is_some(), "user_id"),
            (query.device_id.is_some(), "device_id"),
        ] {
            if set {
                return refused(ValidationError::UnsupportedFilter { operation, filter }.into());
            }
        }
        let limit = match query.limit() {
            Ok(limit) => limit,
            Err(e) => return refused(e.into()),
        };
        let (client, scrubber) = (self.package.clone(), self.scrubber.clone());
        paginate(operation, (limit, query.max_pages), move |token| {
            // One clone per page: the generated builder borrows its client.
            let (client, scrubber) = (client.clone(), scrubber.clone());
            async move {
                let mut call = client.get_pv_devices().limit(u64::from(limit));
                if let Some(token) = token {
                    call = call.next_token(token);
                }
                send(&scrubber, operation, call.send()).await
            }
        })
    }

    /// The devices linked to the manufacturer (`GET /v1/manufacturer/devices`), page by
    /// page; a user filter is refused before sending (NOX's docs show only `device_id`).
    pub fn manufacturer_devices(&self, query: DeviceQuery) -> DeviceStream<ManufacturerDevice> {
        let operation = Operation::GetManufacturerDevices;
        if query.user_id.is_some() {
            let filter = "user_id";
            return refused(ValidationError::UnsupportedFilter { operation, filter }.into());
        }
        let limit = match query.limit() {
            Ok(limit) => limit,
            Err(e) => return refused(e.into()),
        };
        let (client, scrubber) = (self.package.clone(), self.scrubber.clone());
        paginate(operation, (limit, query.max_pages), move |token| {
            // One clone per page: the generated builder borrows its client.
            let (client, query, scrubber) = (client.clone(), query.clone(), scrubber.clone());
            async move {
                let mut call = client.get_manufacturer_devices().limit(u64::from(limit));
                if let Some(device) = &query.device_id {
                    call = call.device_id(device.clone());
                }
                if let Some(token) = token {
                    call = call.next_token(token);
                }
                send(&scrubber, operation, call.send()).await
            }
        })
    }
}
