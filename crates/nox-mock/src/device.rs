//! The Package API's devices as the mock's Rust API shows them: which listing a device is
//! on, whose `user_id` it carries, bulk additions and marks.

use std::time::Duration;

use serde::{Deserialize, Serialize};

/// The most devices one bulk addition may add: 1,000,000 (they are generated as they
/// are listed, so a large one costs no memory).
pub const MAX_BULK_DEVICES: u64 = 1_000_000;

/// The longest visibility delay the mock accepts: one week.
pub const MAX_DEVICE_DELAY: Duration = Duration::from_secs(7 * 24 * 3600);

/// The Package API listing a device is on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[non_exhaustive]
pub enum DeviceKind {
    /// A heat pump: `GET /v1/devices` (a supplier `hp` link, v1 or v2). `"hp"` in JSON.
    #[serde(rename = "hp")]
    HeatPump,
    /// A PV inverter: `GET /v1/devices/pv` (a supplier `pv` link). `"pv"` in JSON.
    #[serde(rename = "pv")]
    Pv,
    /// A manufacturer's device: `GET /v1/manufacturer/devices` (a manufacturer link, v1
    /// or v2). `"manufacturer"` in JSON.
    #[serde(rename = "manufacturer")]
    Manufacturer,
}

impl DeviceKind {
    /// Every kind, in the order of the listings' paths (a slice: another kind does not
    /// change its type).
    pub const ALL: &'static [DeviceKind] = &[
        DeviceKind::HeatPump,
        DeviceKind::Pv,
        DeviceKind::Manufacturer,
    ];

    /// The JSON name: `hp`, `pv` or `manufacturer`.
    pub fn as_str(self) -> &'static str {
        match self {
            DeviceKind::HeatPump => "hp",
            DeviceKind::Pv => "pv",
            DeviceKind::Manufacturer => "manufacturer",
        }
    }

    pub(crate) fn index(self) -> usize {
        match self {
            DeviceKind::HeatPump => 0,
            DeviceKind::Pv => 1,
            DeviceKind::Manufacturer => 2,
        }
    }
}

/// Which id the Package API's `user_id` (the filter of `GET /v1/devices` and the field of
/// heat pumps and PV inverters) carries. NOX does not say (open question Q1 of
/// `specs/README.md`), so the mock lets a test choose.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum PackageUserId {
    /// The user id the link session was created with (`supplier_user_id`; for a
    /// manufacturer link the `manufacturer_user_id`, though that listing shows no
    /// `user_id`). The default: the strict reading the confirm step is written against.
    #[default]
    SupplierUserId,
    /// NOX's user id (`nox_user_id` of the callback), as NOX's guides suggest.
    NoxUserId,
}

impl PackageUserId {
    /// The `user_id` a linked device is listed under: the supplier's id of the user, or
    /// NOX's, as this setting says.
    pub(crate) fn owner<'a>(self, supplier_user_id: &'a str, nox_user_id: &'a str) -> &'a str {
        match self {
            PackageUserId::NoxUserId => nox_user_id,
            PackageUserId::SupplierUserId => supplier_user_id,
        }
    }
}

/// A device on one of the mock's listings, as linked (one per device id of a completed
/// link session).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct Device {
    /// The device id the link's completion named.
    pub device_id: String,
    /// The listing it is on.
    pub kind: DeviceKind,
    /// Its Package API `user_id` (see [`PackageUserId`]).
    pub user_id: String,
    /// The brand as the listing spells it: the lowercase slug for heat pumps, the vendor's
    /// casing for PV (`SMA`, `SolarEdge`), the manufacturer's name for manufacturers.
    pub brand: String,
    /// When its link was completed, Unix seconds.
    pub linked_at: u64,
    /// From when it is listed, Unix seconds (`linked_at` plus the visibility delay).
    pub visible_at: u64,
    /// What `needs_reauthentication` answers.
    pub needs_reauthentication: bool,
    /// What `steerable_status.steerable` answers (false too while re-authentication is needed).
    pub steerable: bool,
}

/// Devices to add in bulk ([`MockServer::add_devices`](crate::MockServer::add_devices), or
/// `POST /_mock/devices`): `count` devices of `kind` for one user, with ids
/// `<prefix><index>` (index 0 to count − 1), generated as they are listed, so 100,000
/// cost no more memory than one.
///
/// ```
/// use nox_mock::{DeviceBatch, DeviceKind};
/// let batch = DeviceBatch::new(DeviceKind::HeatPump, "user-1", 10_000).prefix("hp-").brand("nibe");
/// assert_eq!(batch.count, 10_000);
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct DeviceBatch {
    /// The listing.
    pub kind: DeviceKind,
    /// The Package API `user_id` the devices carry, as given (not mapped by [`PackageUserId`]).
    pub user_id: String,
    /// How many, 1 to [`MAX_BULK_DEVICES`].
    pub count: u64,
    /// The brand as listed; default `nibe` for heat pumps, `SMA` for PV, the
    /// manufacturer's name for manufacturers.
    pub brand: Option<String>,
    /// The device ids' prefix; default `mock-<kind>-<n>-` (`n` counts the additions).
    pub prefix: Option<String>,
    /// Listed this long after now; default the mock's visibility delay.
    pub visible_after: Option<Duration>,
}

impl DeviceBatch {
    /// `count` devices of `kind` for `user_id`.
    pub fn new(kind: DeviceKind, user_id: impl Into<String>, count: u64) -> Self {
        Self {
            kind,
            user_id: user_id.into(),
            count,
            brand: None,
            prefix: None,
            visible_after: None,
        }
    }

    /// The brand as listed.
    pub fn brand(mut self, brand: impl Into<String>) -> Self {
        self.brand = Some(brand.into());
        self
    }

    /// The device ids' prefix (ids are `<prefix><index>`).
    pub fn prefix(mut self, prefix: impl Into<String>) -> Self {
        self.prefix = Some(prefix.into());
        self
    }

    /// Listed `delay` after now, instead of after the mock's visibility delay.
    pub fn visible_after(mut self, delay: Duration) -> Self {
        self.visible_after = Some(delay);
        self
    }
}

/// What a bulk addition added.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct AddedDevices {
    /// The listing.
    pub kind: DeviceKind,
    /// The `user_id` they carry.
    pub user_id: String,
    /// How many.
    pub count: u64,
    /// Their ids' prefix: the ids are `<prefix>0` to `<prefix><count - 1>`.
    pub prefix: String,
    /// The brand they are listed with.
    pub brand: String,
    /// From when they are listed, Unix seconds.
    pub visible_at: u64,
}

impl AddedDevices {
    /// The id of device `index` (0 to count − 1), `None` past the end.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")] async fn main() -> anyhow::Result<()> {
    /// use nox_mock::{DeviceBatch, DeviceKind, MockServer};
    /// let mock = MockServer::start().await?;
    /// let added = mock.add_devices(DeviceBatch::new(DeviceKind::Pv, "u1", 3).prefix("pv-"))?;
    /// assert_eq!(added.device_id(2).as_deref(), Some("pv-2"));
    /// assert_eq!(added.device_id(3), None);
    /// # Ok(()) }
    /// ```
    pub fn device_id(&self, index: u64) -> Option<String> {
        (index < self.count).then(|| format!("{}{index}", self.prefix))
    }
}

/// A change to a device's state ([`MockServer::mark_device`](crate::MockServer::mark_device),
/// or `POST /_mock/devices/{device_id}/mark`); what is `None` stays as it is.
///
/// ```
/// use nox_mock::DeviceMark;
/// let mark = DeviceMark::default().needs_reauthentication(true).steerable(false);
/// assert_eq!(mark.needs_reauthentication, Some(true));
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub struct DeviceMark {
    /// Whether the user must link the device again.
    pub needs_reauthentication: Option<bool>,
    /// Whether NOX can steer it (`false`: `steerable_status` says it cannot).
    pub steerable: Option<bool>,
}

impl DeviceMark {
    /// Set `needs_reauthentication`.
    pub fn needs_reauthentication(mut self, yes: bool) -> Self {
        self.needs_reauthentication = Some(yes);
        self
    }

    /// Set whether the device is steerable.
    pub fn steerable(mut self, yes: bool) -> Self {
        self.steerable = Some(yes);
        self
    }
}
