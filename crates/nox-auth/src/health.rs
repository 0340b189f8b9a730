//! A device's health as the Package API reports it (steerable, needs re-authentication,
//! not steerable and why), one shape for the three listings; and a user's devices with it.

use std::collections::HashSet;

use futures_util::TryStreamExt as _;
use nox_auth_runtime::Operation;

use crate::client::Client;
use crate::devices::{DeviceQuery, HeatPump, MAX_PAGE_SIZE, ManufacturerDevice, PvInverter};
use crate::error::{Error, ValidationError};

/// The most devices a scan of a listing without a user filter reads (the PV listing shows
/// none in NOX's docs) before it gives up with [`Error::TooManyItems`].
pub const MAX_SCANNED_DEVICES: usize = 200_000;
/// The most pages one scan follows before it gives up with [`Error::TooManyPages`] (a
/// server that serves small pages without end).
pub const MAX_SCANNED_PAGES: u32 = 100;

/// Which of the Package API's listings a device is on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Listing {
    /// `GET /v1/devices`: heat pumps (asset type `hp`).
    HeatPumps,
    /// `GET /v1/devices/pv`: PV inverters (asset type `pv`).
    PvInverters,
    /// `GET /v1/manufacturer/devices`: a manufacturer's devices (no user in NOX's example).
    Manufacturer,
}

impl Listing {
    /// The operation that reads this listing.
    pub fn operation(self) -> Operation {
        match self {
            Listing::HeatPumps => Operation::GetDevices,
            Listing::PvInverters => Operation::GetPvDevices,
            Listing::Manufacturer => Operation::GetManufacturerDevices,
        }
    }
}

/// What NOX says about a device's link.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Health {
    /// Linked, and NOX can steer it.
    Steerable,
    /// NOX needs the user to link again (`needs_reauthentication`): offer "Link again".
    NeedsReauthentication,
    /// Linked, but NOX cannot steer it now, with NOX's reason when it gives one.
    NotSteerable {
        /// NOX's words (`steerable_status.*.reason` or `general_reason`), as sent.
        reason: Option<String>,
    },
    /// Listed, with neither field (the manufacturer listing has none).
    Unreported,
}

/// A device as the Package API lists it, with its [`Health`].
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct DeviceHealth {
    /// NOX's device id.
    pub device_id: String,
    /// The listing it is on.
    pub listing: Listing,
    /// The `user_id` it is listed for (none on the manufacturer listing).
    pub user_id: Option<String>,
    /// The brand as listed (a slug, or the vendor's casing: compare normalised).
    pub brand: Option<String>,
    /// What NOX says about its link.
    pub health: Health,
}

fn health(
    needs_reauthentication: Option<bool>,
    steerable: Option<bool>,
    reason: Option<String>,
) -> Health {
    match (needs_reauthentication, steerable) {
        (Some(true), _) => Health::NeedsReauthentication,
        (_, Some(true)) => Health::Steerable,
        (_, Some(false)) => Health::NotSteerable { reason },
        (_, None) => Health::Unreported,
    }
}

// Owned conversions: a scan converts every device it reads, so the strings are moved,
// not copied (a copy cost ~0.2 µs per device, BENCHMARKS.md "7. Confirm").
impl From<HeatPump> for DeviceHealth {
    fn from(d: HeatPump) -> Self {
        let status = d.steerable_status;
        let steerable = status.as_ref().and_then(|s| s.steerable);
        // The first circuit that gives a reason (DHW, then room).
        let reason =
            status.and_then(|s| [s.dhw, s.room].into_iter().flatten().find_map(|c| c.reason));
        DeviceHealth {
            device_id: d.device_id,
            listing: Listing::HeatPumps,
            user_id: d.user_id,
            brand: d.brand,
            health: health(d.needs_reauthentication, steerable, reason),
        }
    }
}

impl From<PvInverter> for DeviceHealth {
    fn from(d: PvInverter) -> Self {
        let status = d.steerable_status;
        let steerable = status.as_ref().and_then(|s| s.steerable);
        DeviceHealth {
            device_id: d.device_id,
            listing: Listing::PvInverters,
            user_id: d.user_id,
            brand: d.brand,
            health: health(
                d.needs_reauthentication,
                steerable,
                status.and_then(|s| s.general_reason),
            ),
        }
    }
}

impl From<ManufacturerDevice> for DeviceHealth {
    fn from(d: ManufacturerDevice) -> Self {
        DeviceHealth {
            device_id: d.device_id,
            listing: Listing::Manufacturer,
            user_id: None,
            brand: None,
            health: Health::Unreported,
        }
    }
}

impl Client {
    /// A user's devices on `listing` with their health, for your own pages and jobs:
    /// steerable, needs re-authentication, or not steerable with NOX's reason. `user_id` is
    /// the Package API's `user_id` (your user id by default; see `ConfirmOptions`). The PV
    /// listing has no user filter in NOX's docs, so it is scanned (at most
    /// [`MAX_SCANNED_DEVICES`]); the manufacturer listing names no users, so asking it is
    /// refused ([`ValidationError::UnsupportedFilter`]).
    ///
    /// ```no_run
    /// # async fn run(client: nox_auth::Client) -> Result<(), nox_auth::Error> {
    /// use nox_auth::{Health, Listing};
    /// for device in client.link_health("user-42", Listing::HeatPumps).await? {
    ///     if device.health == Health::NeedsReauthentication {
    ///         println!("{}: offer 'Link again'", device.device_id);
    ///     }
    /// }
    /// # Ok(()) }
    /// ```
    pub async fn link_health(
        &self,
        user_id: &str,
        listing: Listing,
    ) -> Result<Vec<DeviceHealth>, Error> {
        self.listed(listing, Some(user_id), None).await
    }

    /// The devices on `listing`, for `user_id` and/or only those in `only` (each where
    /// given), as [`DeviceHealth`]. One listing's filters where NOX has them, a scan
    /// (bounded) where it has not.
    pub(crate) async fn listed(
        &self,
        listing: Listing,
        user_id: Option<&str>,
        only: Option<&HashSet<&str>>,
    ) -> Result<Vec<DeviceHealth>, Error> {
        let keep = |d: &DeviceHealth| {
            user_id.is_none_or(|u| d.user_id.as_deref() == Some(u))
                && only.is_none_or(|ids| ids.contains(d.device_id.as_str()))
        };
        let page = DeviceQuery::all()
            .page_size(MAX_PAGE_SIZE)
            .max_pages(MAX_SCANNED_PAGES);
        let mut out = Vec::new();
        let mut scanned = 0usize;
        let mut take = |d: DeviceHealth| {
            scanned += 1;
            if scanned > MAX_SCANNED_DEVICES {
                return Err(Error::TooManyItems {
                    max: MAX_SCANNED_DEVICES,
                });
            }
            if keep(&d) {
                out.push(d);
            }
            Ok(())
        };
        match listing {
            Listing::HeatPumps => {
                // NOX filters this listing by user and by device: the user's listing, or
                // without a user one call per device asked for (or the whole listing).
                let queries = match user_id {
                    Some(u) => vec![page.user(u)],
                    None => per_device(page, only),
                };
                for query in queries {
                    let mut devices = self.heat_pumps(query);
                    while let Some(d) = devices.try_next().await? {
                        take(DeviceHealth::from(d))?;
                    }
                }
            }
            Listing::PvInverters => {
                let mut devices = self.pv_inverters(page);
                while let Some(d) = devices.try_next().await? {
                    take(DeviceHealth::from(d))?;
                }
            }
            Listing::Manufacturer => {
                if user_id.is_some() {
                    return Err(ValidationError::UnsupportedFilter {
                        operation: Operation::GetManufacturerDevices,
                        filter: "user_id",
                    }
                    .into());
                }
                // One filtered call per device asked for; the whole listing otherwise.
                for query in per_device(page, only) {
                    let mut devices = self.manufacturer_devices(query);
                    while let Some(d) = devices.try_next().await? {
                        take(DeviceHealth::from(d))?;
                    }
                }
            }
        }
        Ok(out)
    }
}

/// `page` filtered to each device of `only`, one query per device; `page` itself (the
/// whole listing) without `only`.
fn per_device(page: DeviceQuery, only: Option<&HashSet<&str>>) -> Vec<DeviceQuery> {
    match only {
        Some(ids) => ids.iter().map(|id| page.clone().device(*id)).collect(),
        None => vec![page],
    }
}
