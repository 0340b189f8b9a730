//! `nox devices list`: the devices NOX's Package API lists, streamed page by page; and
//! `nox devices confirm` (in `confirm.rs`).

use clap::{Args, Subcommand};
use futures_util::{Stream, TryStreamExt as _};
use nox_auth::{
    ClientBuilder, DeviceQuery, HeatPump, ManufacturerDevice, PvInverter, nox_auth_runtime,
};
use serde::Serialize;

use crate::out::{EXIT_OK, Failure, json as json_line, outln, report, safe};

/// `nox devices …`
#[derive(Subcommand)]
pub(crate) enum DevicesCommand {
    /// List devices: heat pumps (default), PV inverters (--pv) or a manufacturer's
    /// devices (--manufacturer), page by page as NOX serves them.
    #[command(
        after_help = "Examples:\n  NOX_API_KEY=… nox devices list --user-id nox-user-7\n  \
                      NOX_API_KEY=… nox devices list --pv --json | jq .device_id\n  \
                      NOX_API_KEY=… nox devices list --manufacturer --device-id hp-123\n\n\
                      The key comes from NOX_API_KEY (NOX_PACKAGE_API_KEY if the Package API has its own);\n\
                      the Package API's base URL from --package-base-url or NOX_PACKAGE_BASE_URL (default:\n\
                      beside the Authenticator's: api.nox.energy, or the base URL itself for a local mock).\n\n\
                      Exit status: 0 listed, 1 NOX or the network failed (the devices printed before stay\n\
                      printed), 2 bad input."
    )]
    List(ListArgs),
    /// Confirm a link at NOX: decode the callback, verify it against the stored link
    /// session, then ask the Package API whether it lists every device for your user;
    /// print each device with its health.
    #[command(
        after_help = "Examples:\n  nox link create … --json > session.json\n  \
                      NOX_API_KEY=… nox devices confirm 'https://example.com/cb?data=eyJ…' --session session.json\n  \
                      pbpaste | NOX_API_KEY=… nox devices confirm - --session session.json --wait 60 --json\n\n\
                      The callback is unsigned: verifying proves it fits the session you stored, and only NOX listing\n\
                      its devices for the session's user (not for the callback's nox_user_id) makes the link a fact.\n\
                      NOX may list a device some time after the callback: --wait (default 20 s, at most 120).\n\n\
                      Exit status: 0 confirmed, 1 NOX or the network failed, 2 bad input (nothing sent),\n\
                      3 the callback failed verification or NOX does not confirm it (with --json, the error's\n\
                      kind says why: not_visible_yet, unknown_to_nox, listed_for_another_user,\n\
                      listed_without_user, no_user_on_listing, brand_differs, asset_type_differs,\n\
                      needs_reauthentication, no_devices, too_many_devices, not_confirmed, verification)."
    )]
    Confirm(super::confirm::ConfirmArgs),
}

/// What `nox devices list` asks for.
#[derive(Args)]
pub(crate) struct ListArgs {
    /// PV inverters (`/v1/devices/pv`) instead of heat pumps.
    #[arg(long, conflicts_with = "manufacturer")]
    pv: bool,
    /// The manufacturer's view (`/v1/manufacturer/devices`).
    #[arg(long)]
    manufacturer: bool,
    /// Only this user's devices (heat pumps only: NOX's docs show no such filter elsewhere).
    #[arg(long)]
    user_id: Option<String>,
    /// Only this device (heat pumps and manufacturer devices).
    #[arg(long)]
    device_id: Option<String>,
    /// Devices per page, 1 to 4000 (default 1000).
    #[arg(long)]
    page_size: Option<u16>,
    /// Base URL of the NOX Authenticator (default `https://auth.nox.energy`).
    #[arg(long, env = "NOX_BASE_URL")]
    base_url: Option<String>,
    /// Base URL of the Package API.
    #[arg(long)]
    package_base_url: Option<String>,
    /// One JSON object per device per line (JSON lines), as NOX's fields; errors are JSON
    /// on stderr too.
    #[arg(long)]
    json: bool,
}

/// `nox devices …`: 0 listed (confirmed), 1 NOX or the network failed, 2 bad input, 3
/// (confirm) not confirmed.
pub(crate) async fn devices(cmd: DevicesCommand) -> u8 {
    let args = match cmd {
        DevicesCommand::List(args) => args,
        DevicesCommand::Confirm(args) => return super::confirm::confirm(args).await,
    };
    let json = args.json;
    match list(args).await {
        Ok(()) => EXIT_OK,
        Err(e) => report(json, &Failure::from(e)),
    }
}

async fn list(args: ListArgs) -> Result<(), nox_auth::Error> {
    let mut builder = ClientBuilder::from_env();
    if let Some(url) = &args.base_url {
        builder = builder.base_url(url);
    }
    if let Some(url) = &args.package_base_url {
        builder = builder.package_base_url(url);
    }
    let client = builder.build()?;
    let mut query = DeviceQuery::all();
    query.user_id = args.user_id;
    query.device_id = args.device_id;
    query.page_size = args.page_size;
    let json = args.json;
    // The table's header goes out with the first answer, never before a refusal.
    let header = (!json).then(|| {
        if args.manufacturer {
            format!("{:<38} {:<24} country", "device_id", "energy_supplier")
        } else {
            header()
        }
    });
    if args.manufacturer {
        print_all(client.manufacturer_devices(query), header, manufacturer_row).await
    } else if args.pv {
        print_all(client.pv_inverters(query), header, pv_row).await
    } else {
        print_all(client.heat_pumps(query), header, heat_pump_row).await
    }
}

/// Prints each device as it arrives: one JSON line, or (with a table `header`) a row.
async fn print_all<T: Serialize>(
    mut devices: impl Stream<Item = Result<T, nox_auth::Error>> + Unpin,
    mut header: Option<String>,
    row: fn(&T) -> String,
) -> Result<(), nox_auth::Error> {
    let json = header.is_none();
    let mut n = 0u64;
    while let Some(device) = devices.try_next().await? {
        if let Some(h) = header.take() {
            outln!("{h}");
        }
        if json {
            // NOX's strings go out JSON-escaped: no raw control character reaches a terminal.
            outln!("{}", json_line(&device, false));
        } else {
            outln!("{}", row(&device));
        }
        n += 1;
    }
    if let Some(h) = header {
        outln!("{h}");
    }
    if !json {
        outln!("\n{n} devices.");
    }
    Ok(())
}

fn header() -> String {
    format!(
        "{:<38} {:<24} {:<14} {:<10} reauth",
        "device_id", "user_id", "brand", "steerable"
    )
}

/// A field NOX sent, cut and escaped for a terminal (`-` when absent).
fn cell(value: Option<&str>, width: usize) -> String {
    value.map_or_else(
        || "-".to_owned(),
        |v| safe(&nox_auth_runtime::text::excerpt(v, width)).to_string(),
    )
}

fn flag(value: Option<bool>) -> &'static str {
    match value {
        Some(true) => "yes",
        Some(false) => "no",
        None => "-",
    }
}

fn heat_pump_row(d: &HeatPump) -> String {
    format!(
        "{:<38} {:<24} {:<14} {:<10} {}",
        cell(Some(&d.device_id), 64),
        cell(d.user_id.as_deref(), 64),
        cell(d.brand.as_deref(), 32),
        flag(d.steerable_status.as_ref().and_then(|s| s.steerable)),
        flag(d.needs_reauthentication)
    )
}

fn pv_row(d: &PvInverter) -> String {
    format!(
        "{:<38} {:<24} {:<14} {:<10} {}",
        cell(Some(&d.device_id), 64),
        cell(d.user_id.as_deref(), 64),
        cell(d.brand.as_deref(), 32),
        flag(d.steerable_status.as_ref().and_then(|s| s.steerable)),
        flag(d.needs_reauthentication)
    )
}

fn manufacturer_row(d: &ManufacturerDevice) -> String {
    format!(
        "{:<38} {:<24} {}",
        cell(Some(&d.device_id), 64),
        cell(d.energy_supplier.as_deref(), 64),
        cell(d.country.as_deref(), 8)
    )
}
