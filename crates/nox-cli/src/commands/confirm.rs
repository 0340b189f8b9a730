//! `nox devices confirm`: a callback decoded, verified against the stored link session,
//! then confirmed at NOX's Package API (every device listed for the stored user), printed
//! with each device's health.

use std::path::PathBuf;
use std::time::{Duration, SystemTime};

use clap::{Args, ValueEnum};
use nox_auth::callback::{self, VerifiedConnection, VerifyOptions};
use nox_auth::{
    BindTo, ClientBuilder, ConfirmError, ConfirmOptions, ConfirmedConnection, DeviceHealth, Health,
    Listing, ManufacturerLinkSession, SupplierLinkSession, nox_auth_runtime,
};
use serde_json::{Value, json};

use crate::commands::callback::callback_input;
use crate::out::{EXIT_OK, EXIT_VERIFY, Failure, json as json_line, outln, report, safe};

/// Arguments of `nox devices confirm`.
#[derive(Args)]
pub(crate) struct ConfirmArgs {
    /// The redirect URL NOX sent the user to (or its query, or the `data` value); `-`
    /// reads it from stdin.
    input: String,
    /// The link session the callback belongs to: the JSON `nox link create --json` (or
    /// `create-manufacturer --json`) printed.
    #[arg(long, value_name = "FILE")]
    session: PathBuf,
    /// How long to wait for NOX to list a device it has not listed yet, in seconds (0: ask
    /// once; at most 120).
    #[arg(long, value_name = "SECS", default_value_t = nox_auth::DEFAULT_CONFIRM_WAIT.as_secs(),
          value_parser = clap::value_parser!(u64).range(0..=nox_auth::MAX_CONFIRM_WAIT.as_secs()))]
    wait: u64,
    /// Whose `user_id` to ask the Package API for: the session's user (default), or the
    /// callback's `nox_user_id`, which proves less: a forged callback names its own.
    #[arg(long, value_enum, default_value_t = Bind::Session)]
    bind_to: Bind,
    /// Accept a manufacturer link's confirmation, which cannot name the user (NOX's
    /// manufacturer listing has none): it proves the devices are yours, not whose.
    /// Without it a manufacturer link exits 3 (`no_user_on_listing`).
    #[arg(long)]
    device_only: bool,
    /// Base URL of the NOX Authenticator (default `https://auth.nox.energy`).
    #[arg(long, env = "NOX_BASE_URL")]
    base_url: Option<String>,
    /// Base URL of the Package API.
    #[arg(long)]
    package_base_url: Option<String>,
    /// One JSON object instead of text (errors too, on stderr).
    #[arg(long)]
    json: bool,
}

/// `--bind-to`.
#[derive(Clone, Copy, ValueEnum)]
enum Bind {
    /// The user id of the stored link session.
    Session,
    /// The callback's `nox_user_id` (only if NOX's Package API lists NOX's ids).
    NoxUserId,
}

/// The link session of the file: a supplier's or a manufacturer's.
enum Stored {
    Supplier(Box<SupplierLinkSession>),
    Manufacturer(Box<ManufacturerLinkSession>),
}

/// `nox devices confirm`: 0 confirmed, 1 NOX or the network failed, 2 bad input, 3 the
/// callback failed verification or NOX does not confirm it.
pub(crate) async fn confirm(args: ConfirmArgs) -> u8 {
    match confirm_inner(&args).await {
        Ok(()) => EXIT_OK,
        Err(failure) => report(args.json, &failure),
    }
}

async fn confirm_inner(args: &ConfirmArgs) -> Result<(), Failure> {
    // Everything local first: nothing is sent for bad input.
    let payload = callback::decode(&callback_input(&args.input)?)?;
    let stored = read_session(&args.session)?;
    let (now, options) = (SystemTime::now(), VerifyOptions::default());
    let verified = match &stored {
        Stored::Supplier(s) => payload.verify_supplier_with(s, now, &options),
        Stored::Manufacturer(s) => payload.verify_manufacturer_with(s, now, &options),
    }
    .map_err(|e| Failure::verification(&e))?;
    let mut builder = ClientBuilder::from_env();
    if let Some(url) = &args.base_url {
        builder = builder.base_url(url);
    }
    if let Some(url) = &args.package_base_url {
        builder = builder.package_base_url(url);
    }
    let client = builder.build()?;
    let options = ConfirmOptions::default()
        .max_wait(Duration::from_secs(args.wait))
        .bind_to(match args.bind_to {
            Bind::Session => BindTo::SupplierUserId,
            Bind::NoxUserId => BindTo::PayloadNoxUserId,
        })
        .accept_device_only(args.device_only);
    let confirmed = client
        .confirm_with(&verified, &options)
        .await
        .map_err(not_confirmed)?;
    if args.json {
        outln!("{}", json_line(&confirmed_json(&confirmed), false));
    } else {
        print_confirmed(&confirmed);
    }
    Ok(())
}

/// The session file, as a supplier's link session or else a manufacturer's.
fn read_session(path: &PathBuf) -> Result<Stored, Failure> {
    let cannot = |e: String| {
        Failure::input(
            "input",
            format!("cannot read the link session from {}: {e}", path.display()),
        )
    };
    let text = std::fs::read_to_string(path).map_err(|e| cannot(e.to_string()))?;
    match serde_json::from_str::<SupplierLinkSession>(&text) {
        Ok(s) => Ok(Stored::Supplier(Box::new(s))),
        Err(supplier) => match serde_json::from_str::<ManufacturerLinkSession>(&text) {
            Ok(s) => Ok(Stored::Manufacturer(Box::new(s))),
            // The supplier's reason: the usual kind of session file.
            Err(_) => Err(cannot(supplier.to_string())),
        },
    }
}

/// A refusal, with a kind a script can tell apart; asking NOX failing is the SDK's error
/// (exit 1, or 2 for a bad configuration).
fn not_confirmed(e: ConfirmError) -> Failure {
    if let ConfirmError::Nox(inner) = e {
        return Failure::from(inner);
    }
    let kind = match &e {
        ConfirmError::NotVisibleYet { .. } => "not_visible_yet",
        ConfirmError::UnknownToNox { .. } => "unknown_to_nox",
        ConfirmError::ListedForAnotherUser { .. } => "listed_for_another_user",
        ConfirmError::BrandDiffers { .. } => "brand_differs",
        ConfirmError::AssetTypeDiffers { .. } => "asset_type_differs",
        ConfirmError::NeedsReauthentication { .. } => "needs_reauthentication",
        ConfirmError::NoDevices => "no_devices",
        ConfirmError::ListedWithoutUser { .. } => "listed_without_user",
        ConfirmError::NoUserOnListing { .. } => "no_user_on_listing",
        ConfirmError::TooManyDevices { .. } => "too_many_devices",
        _ => "not_confirmed",
    };
    Failure {
        kind,
        message: format!("NOX does not confirm the link: {e}"),
        exit: EXIT_VERIFY,
    }
}

/// A listing as `nox` names it.
pub(crate) fn listing_name(listing: Listing) -> &'static str {
    match listing {
        Listing::HeatPumps => "heat pumps",
        Listing::PvInverters => "pv inverters",
        Listing::Manufacturer => "manufacturer",
        _ => "other",
    }
}

/// A device's health in words, NOX's reason cut and escaped for a terminal.
pub(crate) fn health_text(health: &Health) -> String {
    match health {
        Health::Steerable => "steerable".into(),
        Health::NeedsReauthentication => "needs re-authentication: link again".into(),
        Health::NotSteerable { reason: Some(r) } => format!(
            "not steerable: {}",
            safe(&nox_auth_runtime::text::excerpt(r, 120))
        ),
        Health::NotSteerable { reason: None } => "not steerable".into(),
        _ => "not reported".into(),
    }
}

fn print_confirmed(c: &ConfirmedConnection) {
    let v = &c.connection;
    let asset = match v.asset_type.as_str() {
        "" => "manufacturer link".to_owned(),
        other => safe(other).to_string(),
    };
    let whose = if c.user_bound {
        format!("for user {}", safe(&v.user_id))
    } else {
        format!(
            "for your account, not bound to user {} (the manufacturer listing names no user)",
            safe(&v.user_id)
        )
    };
    outln!(
        "confirmed: NOX lists {} device(s) of link session {} {whose} ({asset}, brand {})",
        c.devices.len(),
        safe(&nox_auth_runtime::text::excerpt(&v.link_token, 64)),
        safe(&v.brand)
    );
    for d in &c.devices {
        outln!("  {}", device_line(d));
    }
}

/// One device: id, listing, and health, as the demo prints it too.
pub(crate) fn device_line(d: &DeviceHealth) -> String {
    format!(
        "{} ({}): {}",
        safe(&nox_auth_runtime::text::excerpt(&d.device_id, 64)),
        listing_name(d.listing),
        health_text(&d.health)
    )
}

/// The confirmed link as one JSON object (strings JSON-escaped, so no control character
/// reaches a terminal).
fn confirmed_json(c: &ConfirmedConnection) -> Value {
    let v: &VerifiedConnection = &c.connection;
    let devices: Vec<Value> = c
        .devices
        .iter()
        .map(|d| {
            let (health, reason) = match &d.health {
                Health::Steerable => ("steerable", None),
                Health::NeedsReauthentication => ("needs_reauthentication", None),
                Health::NotSteerable { reason } => ("not_steerable", reason.clone()),
                _ => ("unreported", None),
            };
            json!({
                "device_id": d.device_id,
                "listing": listing_name(d.listing),
                "user_id": d.user_id,
                "brand": d.brand,
                "health": health,
                "reason": reason,
            })
        })
        .collect();
    json!({
        "confirmed": true,
        "user_bound": c.user_bound,
        "link_token": v.link_token,
        "user_id": v.user_id,
        "nox_user_id": v.nox_user_id,
        "asset_type": v.asset_type.as_str(),
        "brand": v.brand,
        "devices": devices,
    })
}
