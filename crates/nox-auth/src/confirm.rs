//! The last step of a link: a [`VerifiedConnection`] (the unsigned payload, consistent with
//! the link session you stored) becomes a [`ConfirmedConnection`] when NOX's Package API
//! lists every device of the callback for the user *you* stored.

use std::collections::HashSet;
use std::time::{Duration, Instant, SystemTime};

use crate::brand::{AssetType, normalise};
use crate::callback::VerifiedConnection;
use crate::client::Client;
use crate::confirm_error::ConfirmError;
use crate::health::{DeviceHealth, Health, Listing};
use crate::open::Open;

/// How long [`Client::confirm`] waits, by default, for NOX to list a device it just linked.
pub const DEFAULT_CONFIRM_WAIT: Duration = Duration::from_secs(20);
/// The longest wait [`ConfirmOptions::max_wait`] accepts (a longer one is cut to it).
pub const MAX_CONFIRM_WAIT: Duration = Duration::from_secs(120);
/// A callback connected longer ago than this, whose device NOX does not list, is
/// [`ConfirmError::UnknownToNox`] rather than [`ConfirmError::NotVisibleYet`]. The time is
/// the payload's own claim: a forged callback can always look recent, so a
/// `NotVisibleYet` is never a confirmation either.
pub const NOX_LAG: Duration = Duration::from_secs(300);
/// The least time a confirmation may take in all, whatever [`ConfirmOptions::max_wait`]
/// says (one round of asking needs it); the whole confirmation takes at most the larger of
/// the two.
pub const MIN_CONFIRM_TIME: Duration = Duration::from_secs(10);
/// The most devices one callback may name for confirmation (each may cost NOX calls).
pub const MAX_CONFIRM_DEVICES: usize = 64;

/// Whose `user_id` the Package API is asked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum BindTo {
    /// The user id of the link session you stored (the default, the strict reading of the
    /// open question whether the Package API's `user_id` is yours or NOX's): a forged
    /// callback naming your user cannot point at devices NOX lists for someone else.
    #[default]
    SupplierUserId,
    /// The payload's `nox_user_id`, if the Package API turns out to list NOX's ids (the
    /// contract check reports which). **This proves less**: the payload names that id
    /// itself, so a callback carrying someone else's NOX user and devices is confirmed.
    /// The state nonce of `nox-auth-axum` stops such a callback only when it is sent to
    /// *another* user's browser; a logged-in user who edits *their own* callback to carry
    /// a victim's `nox_user_id` and devices gets them confirmed into their account. Only
    /// a user ↔ supplier id mapping exposed by NOX would close that.
    PayloadNoxUserId,
}

/// How [`Client::confirm_with`] asks.
///
/// ```
/// use std::time::Duration;
/// let options = nox_auth::ConfirmOptions::default().max_wait(Duration::from_secs(5));
/// assert_eq!(options.max_wait, Duration::from_secs(5));
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct ConfirmOptions {
    /// How long to wait for NOX to list a device it has not listed yet (default
    /// [`DEFAULT_CONFIRM_WAIT`], at most [`MAX_CONFIRM_WAIT`]). Zero asks once.
    pub max_wait: Duration,
    /// The first pause between two askings; it doubles up to 4 s. Default 500 ms.
    pub initial_backoff: Duration,
    /// Whose `user_id` to ask for (default: the one you stored).
    pub bind_to: BindTo,
    /// Accept a confirmation that cannot name the user (the manufacturer listing has no
    /// `user_id`): it then proves the devices are linked to your manufacturer account, not
    /// to which of your users. Default `false`: such a link is
    /// [`ConfirmError::NoUserOnListing`].
    pub accept_device_only: bool,
}

impl Default for ConfirmOptions {
    fn default() -> Self {
        ConfirmOptions {
            max_wait: DEFAULT_CONFIRM_WAIT,
            initial_backoff: Duration::from_millis(500),
            bind_to: BindTo::SupplierUserId,
            accept_device_only: false,
        }
    }
}

impl ConfirmOptions {
    /// How long to wait for NOX to list the devices (cut to [`MAX_CONFIRM_WAIT`]).
    pub fn max_wait(mut self, wait: Duration) -> Self {
        self.max_wait = wait.min(MAX_CONFIRM_WAIT);
        self
    }

    /// The first pause between two askings.
    pub fn initial_backoff(mut self, pause: Duration) -> Self {
        self.initial_backoff = pause;
        self
    }

    /// Whose `user_id` to ask the Package API for.
    pub fn bind_to(mut self, bind_to: BindTo) -> Self {
        self.bind_to = bind_to;
        self
    }

    /// Accepts confirmations that cannot name the user (see
    /// [`ConfirmOptions::accept_device_only`]).
    pub fn accept_device_only(mut self, accept: bool) -> Self {
        self.accept_device_only = accept;
        self
    }
}

/// A link NOX confirmed: every device of the callback is listed for your user.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct ConfirmedConnection {
    /// The verified callback.
    pub connection: VerifiedConnection,
    /// Its devices as NOX lists them, in the callback's order, with their health.
    pub devices: Vec<DeviceHealth>,
    /// Whether NOX listed them for the user (`false` only for a manufacturer link confirmed
    /// with [`ConfirmOptions::accept_device_only`]: the devices are yours, whose is unknown).
    pub user_bound: bool,
}

/// Brands compare without case, spaces, hyphens or underscores (`Saunier Duval` is
/// `saunier-duval`, `SMA` is `sma`).
fn same_brand(a: &str, b: &str) -> bool {
    normalise(a).replace('-', "") == normalise(b).replace('-', "")
}

impl Client {
    /// Confirms a verified link at NOX with [`ConfirmOptions::default`]: every device of the
    /// callback must be listed by the Package API, on the listing of its asset type, for the
    /// user id of the link session you stored, with the callback's brand, and not already
    /// needing re-authentication. Waits up to [`DEFAULT_CONFIRM_WAIT`] for NOX to list it.
    ///
    /// ```no_run
    /// # async fn run(client: nox_auth::Client, verified: nox_auth::callback::VerifiedConnection) {
    /// match client.confirm(&verified).await {
    ///     Ok(confirmed) => println!("linked: {:?}", confirmed.devices),
    ///     Err(e) => eprintln!("not confirmed: {e}"),
    /// }
    /// # }
    /// ```
    pub async fn confirm(
        &self,
        verified: &VerifiedConnection,
    ) -> Result<ConfirmedConnection, ConfirmError> {
        self.confirm_with(verified, &ConfirmOptions::default())
            .await
    }

    /// [`Client::confirm`] with explicit [`ConfirmOptions`].
    ///
    /// The manufacturer listing names no user in NOX's docs: for a manufacturer link,
    /// confirming proves the devices are linked to you, not to which of your users.
    pub async fn confirm_with(
        &self,
        verified: &VerifiedConnection,
        options: &ConfirmOptions,
    ) -> Result<ConfirmedConnection, ConfirmError> {
        // Which listing: the kind of session it was verified against, then the asset
        // type NOX echoed for a supplier session (an unknown one is not guessed).
        let listing = match (&verified.asset_type, verified.manufacturer) {
            (_, true) => Listing::Manufacturer,
            (Open::Known(AssetType::Hp), false) => Listing::HeatPumps,
            (Open::Known(AssetType::Pv), false) => Listing::PvInverters,
            (other, false) => {
                return Err(ConfirmError::UnsupportedAssetType {
                    asset_type: nox_auth_runtime::text::excerpt(other.as_str(), 64),
                });
            }
        };
        if listing == Listing::Manufacturer && !options.accept_device_only {
            return Err(ConfirmError::NoUserOnListing { listing });
        }
        if verified.device_ids.is_empty() {
            return Err(ConfirmError::NoDevices);
        }
        if verified.device_ids.len() > MAX_CONFIRM_DEVICES {
            return Err(ConfirmError::TooManyDevices {
                count: verified.device_ids.len(),
                max: MAX_CONFIRM_DEVICES,
            });
        }
        // The whole confirmation, every round and every wait, within this.
        let budget = options.max_wait.min(MAX_CONFIRM_WAIT).max(MIN_CONFIRM_TIME);
        match tokio::time::timeout(budget, self.confirm_rounds(verified, options, listing)).await {
            Ok(outcome) => outcome,
            Err(_) => Err(not_listed(verified, verified.device_ids.clone(), budget)),
        }
    }

    /// The rounds of [`Client::confirm_with`]: ask, check, wait with backoff, until every
    /// device is listed, one is refused, or `max_wait` is spent.
    async fn confirm_rounds(
        &self,
        verified: &VerifiedConnection,
        options: &ConfirmOptions,
        listing: Listing,
    ) -> Result<ConfirmedConnection, ConfirmError> {
        let user = match options.bind_to {
            BindTo::SupplierUserId => verified.user_id.as_str(),
            BindTo::PayloadNoxUserId => verified.nox_user_id.as_str(),
        };
        let wanted: HashSet<&str> = verified.device_ids.iter().map(String::as_str).collect();
        let max_wait = options.max_wait.min(MAX_CONFIRM_WAIT);
        let started = Instant::now();
        let mut pause = options.initial_backoff;
        let mut looked_on_pv = false;
        loop {
            // The heat-pump listing filters by user at NOX; the PV listing is scanned and
            // each device's user compared (a device of another user is then named so).
            let user_filter = (listing == Listing::HeatPumps).then_some(user);
            let listed = self.listed(listing, user_filter, Some(&wanted)).await?;
            let mut devices = Vec::new();
            let mut missing = Vec::new();
            for id in &verified.device_ids {
                // Every entry NOX lists under this id must pass (one for another user
                // refuses the device, whatever order NOX lists them in).
                let mut entries = listed.iter().filter(|d| &d.device_id == id).peekable();
                if entries.peek().is_none() {
                    missing.push(id.clone());
                    continue;
                }
                let mut first = None;
                for d in entries {
                    let checked = check(d, verified, user, listing)?;
                    first.get_or_insert(checked);
                }
                devices.extend(first);
            }
            if missing.is_empty() {
                return Ok(ConfirmedConnection {
                    connection: verified.clone(),
                    devices,
                    user_bound: listing != Listing::Manufacturer,
                });
            }
            // Listed for someone else, or on the other listing: no wait changes that. (The
            // PV listing has no device filter: a heat-pump link looks there once.)
            if let Some(e) = self
                .listed_elsewhere(listing, user, &missing[0], &mut looked_on_pv)
                .await
            {
                return Err(e);
            }
            if started.elapsed() + pause > max_wait {
                return Err(not_listed(verified, missing, started.elapsed()));
            }
            tokio::time::sleep(pause).await;
            pause = (pause * 2).min(Duration::from_secs(4));
        }
    }

    /// A device missing from the user's listing that NOX lists elsewhere: for another user
    /// (the heat-pump listing is asked for this one device, whoever's it is), as a heat
    /// pump for a PV link, or as a PV inverter for a heat-pump link (a bounded scan, the PV
    /// listing has no device filter: done once, `pv_scanned` set when it was). `None` when
    /// it is not found there either (or asking failed: the wait goes on).
    async fn listed_elsewhere(
        &self,
        listing: Listing,
        user: &str,
        device_id: &str,
        pv_scanned: &mut bool,
    ) -> Option<ConfirmError> {
        if listing == Listing::Manufacturer {
            return None;
        }
        let one: HashSet<&str> = [device_id].into();
        let found = self
            .listed(Listing::HeatPumps, None, Some(&one))
            .await
            .ok()?;
        let Some(d) = found.first() else {
            if listing != Listing::HeatPumps || *pv_scanned {
                return None;
            }
            let on_pv = self
                .listed(Listing::PvInverters, None, Some(&one))
                .await
                .ok()?;
            *pv_scanned = true;
            return on_pv.first().map(|d| ConfirmError::AssetTypeDiffers {
                device_id: d.device_id.clone(),
                listed: Listing::PvInverters,
                expected: listing,
            });
        };
        if listing == Listing::PvInverters {
            return Some(ConfirmError::AssetTypeDiffers {
                device_id: d.device_id.clone(),
                listed: Listing::HeatPumps,
                expected: listing,
            });
        }
        match d.user_id.as_deref() {
            Some(listed) if listed == user => None,
            Some(_) => Some(ConfirmError::ListedForAnotherUser {
                device_id: d.device_id.clone(),
                expected_user: user.to_owned(),
            }),
            None => Some(ConfirmError::ListedWithoutUser {
                device_id: d.device_id.clone(),
                expected_user: user.to_owned(),
            }),
        }
    }
}

/// A listed device of the callback, checked: the user, the brand, re-authentication.
fn check(
    d: &DeviceHealth,
    verified: &VerifiedConnection,
    user: &str,
    listing: Listing,
) -> Result<DeviceHealth, ConfirmError> {
    // The manufacturer listing names no users (accepted only with accept_device_only);
    // on the others a device is this user's only when NOX says so.
    if listing != Listing::Manufacturer {
        match d.user_id.as_deref() {
            Some(listed) if listed == user => {}
            Some(_) => {
                return Err(ConfirmError::ListedForAnotherUser {
                    device_id: d.device_id.clone(),
                    expected_user: user.to_owned(),
                });
            }
            None => {
                return Err(ConfirmError::ListedWithoutUser {
                    device_id: d.device_id.clone(),
                    expected_user: user.to_owned(),
                });
            }
        }
    }
    // A listing without a brand (the field is optional in every example NOX shows) cannot
    // contradict the callback's: the device is then confirmed on its id and user alone.
    if let Some(listed) = &d.brand
        && !same_brand(listed, &verified.brand)
    {
        return Err(ConfirmError::BrandDiffers {
            device_id: d.device_id.clone(),
            listed: nox_auth_runtime::text::excerpt(listed, 64),
            expected: nox_auth_runtime::text::excerpt(&verified.brand, 64),
        });
    }
    if d.health == Health::NeedsReauthentication {
        return Err(ConfirmError::NeedsReauthentication {
            device_id: d.device_id.clone(),
        });
    }
    Ok(d.clone())
}

/// Devices NOX does not list after the wait: not visible yet if the callback is recent
/// ([`NOX_LAG`]), unknown to NOX otherwise.
fn not_listed(
    verified: &VerifiedConnection,
    missing: Vec<String>,
    waited: Duration,
) -> ConfirmError {
    let connected_ago = SystemTime::now()
        .duration_since(verified.connected_at)
        .unwrap_or_default();
    if connected_ago > NOX_LAG {
        ConfirmError::UnknownToNox {
            device_ids: missing,
            connected_ago,
        }
    } else {
        ConfirmError::NotVisibleYet {
            device_ids: missing,
            waited,
        }
    }
}
