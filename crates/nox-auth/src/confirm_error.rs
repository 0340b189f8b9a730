//! [`ConfirmError`]: why NOX did not confirm a link, each outcome with the device and what
//! NOX said (ids escaped for logs and terminals).

use std::time::Duration;

use crate::error::Error;
use crate::health::Listing;

/// Why NOX did not confirm a link. Each names the device and what NOX said.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ConfirmError {
    /// NOX does not list the devices yet, after waiting: it may still lag (the callback is
    /// recent). Try again later; do not treat the link as made.
    #[error(
        "NOX does not list device(s) {} yet (asked for {} s); it may still lag behind the callback",
        join(device_ids), waited.as_secs()
    )]
    NotVisibleYet {
        /// The devices not listed.
        device_ids: Vec<String>,
        /// How long was waited.
        waited: Duration,
    },
    /// NOX does not list the devices, long after the callback: a forged callback, or a
    /// client configured for another NOX environment (production vs sandbox).
    #[error(
        "NOX does not list device(s) {} (connected {} s ago): a forged callback, or another NOX environment",
        join(device_ids), connected_ago.as_secs()
    )]
    UnknownToNox {
        /// The devices not listed.
        device_ids: Vec<String>,
        /// How long ago the callback says they were connected.
        connected_ago: Duration,
    },
    /// NOX lists the device for another user than the one you stored: the callback is not
    /// this user's (a forged callback naming your user with someone else's device).
    #[error(
        "NOX lists device `{}` for another user than `{}`",
        esc(device_id),
        esc(expected_user)
    )]
    ListedForAnotherUser {
        /// The device.
        device_id: String,
        /// The user you stored.
        expected_user: String,
    },
    /// NOX lists the device with another brand than the callback names.
    #[error(
        "NOX lists device `{}` as brand `{}`, the callback says `{}`",
        esc(device_id),
        esc(listed),
        esc(expected)
    )]
    BrandDiffers {
        /// The device.
        device_id: String,
        /// The brand NOX lists.
        listed: String,
        /// The callback's brand.
        expected: String,
    },
    /// NOX lists the device on another listing than the link's asset type (a PV link
    /// whose device is a heat pump).
    #[error(
        "NOX lists device `{}` as {listed:?}, not as the link's {expected:?}",
        esc(device_id)
    )]
    AssetTypeDiffers {
        /// The device.
        device_id: String,
        /// Where NOX lists it.
        listed: Listing,
        /// Where the link's asset type says it should be.
        expected: Listing,
    },
    /// NOX already says the device needs the user to link again.
    #[error(
        "NOX says device `{}` needs re-authentication: the user must link again",
        esc(device_id)
    )]
    NeedsReauthentication {
        /// The device.
        device_id: String,
    },
    /// The callback names no device.
    #[error("the callback names no device: nothing to confirm")]
    NoDevices,
    /// The callback names more devices than [`MAX_CONFIRM_DEVICES`](crate::MAX_CONFIRM_DEVICES).
    #[error("the callback names {count} devices, more than {max} can be confirmed")]
    TooManyDevices {
        /// How many it names.
        count: usize,
        /// The bound.
        max: usize,
    },
    /// NOX lists the device without a `user_id`: whose it is cannot be told, so it is not
    /// confirmed for yours.
    #[error(
        "NOX lists device `{}` without a user: it cannot be confirmed for `{}`",
        esc(device_id),
        esc(expected_user)
    )]
    ListedWithoutUser {
        /// The device.
        device_id: String,
        /// The user you stored.
        expected_user: String,
    },
    /// The listing of this link names no users (a manufacturer link): NOX cannot confirm
    /// whose the devices are. [`ConfirmOptions::accept_device_only`](crate::ConfirmOptions::accept_device_only) accepts that.
    #[error(
        "the {listing:?} listing names no users: NOX cannot confirm whose the devices are (ConfirmOptions::accept_device_only accepts that)"
    )]
    NoUserOnListing {
        /// The listing.
        listing: Listing,
    },
    /// The link's asset type is one this SDK cannot map to a listing.
    #[error("asset type `{asset_type}` has no Package API listing this SDK knows")]
    UnsupportedAssetType {
        /// The asset type as NOX sent it.
        asset_type: String,
    },
    /// Asking NOX failed (network, an answer the SDK refuses, a refused key).
    #[error("asking NOX's Package API failed: {0}")]
    Nox(#[from] Error),
}

/// A device id or user id from NOX or the payload, cut and escaped for a message.
fn esc(text: &str) -> String {
    nox_auth_runtime::text::excerpt(text, 128)
}

fn join(ids: &[String]) -> String {
    let shown: Vec<String> = ids
        .iter()
        .take(5)
        .map(|id| format!("`{}`", nox_auth_runtime::text::excerpt(id, 64)))
        .collect();
    let more = ids.len().saturating_sub(5);
    if more > 0 {
        format!("{} and {more} more", shown.join(", "))
    } else {
        shown.join(", ")
    }
}
