//! `nox contract check`: ask a live NOX whether it still answers as our specs say.

use clap::Args;

use crate::arg::parse_arg;
use crate::out::{
    EXIT_API, EXIT_BREAKING, EXIT_OK, Failure, json as json_line, outln, report, safe,
};

/// Arguments of `nox contract check`.
#[derive(Args)]
pub(crate) struct ContractArgs {
    /// The NOX to check (default production, `https://auth.nox.energy`).
    #[arg(long, env = "NOX_BASE_URL", default_value = nox_auth::DEFAULT_BASE_URL)]
    base_url: String,
    /// The Package API to check (default beside the Authenticator: `https://api.nox.energy`
    /// for production, the base URL itself for a local mock). Its own key, if it has one,
    /// comes from NOX_PACKAGE_API_KEY.
    #[arg(long, env = "NOX_PACKAGE_BASE_URL")]
    package_base_url: Option<String>,
    /// A device you linked (a heat pump; from the callback's device_ids): ask the Package
    /// API whose user_id it lists it for (read-only: GET /v1/devices?device_id=…).
    #[arg(long, value_name = "ID")]
    device_id: Option<String>,
    /// Your user id the device was linked for, to compare with.
    #[arg(long, requires = "device_id")]
    user_id: Option<String>,
    /// NOX's id of that user (the callback's nox_user_id), to compare with.
    #[arg(long, requires = "device_id")]
    nox_user_id: Option<String>,
    /// Also call the deprecated v1 supplier operation.
    #[arg(long)]
    v1: bool,
    /// Calls that leave records at NOX, each named: device-connections, v1-manufacturer.
    #[arg(long, value_name = "CALL", value_delimiter = ',', value_parser = parse_arg::<nox_contract::LastingCall>)]
    create_records: Vec<nox_contract::LastingCall>,
    /// One JSON report instead of text (errors too, on stderr).
    #[arg(long)]
    json: bool,
}

/// `nox contract check`: 0 nothing breaking, 4 breaking, 1 no answer, 2 bad input.
pub(crate) async fn contract_check(args: ContractArgs) -> u8 {
    let Some(key) = std::env::var("NOX_API_KEY")
        .ok()
        .filter(|k| !k.trim().is_empty())
    else {
        return report(
            args.json,
            &Failure::input("config", "no API key: set NOX_API_KEY"),
        );
    };
    let mut options = nox_contract::CheckOptions::new(&args.base_url, key);
    options.v1 = args.v1;
    options.package_base_url = args.package_base_url.clone();
    options.package_api_key = std::env::var("NOX_PACKAGE_API_KEY")
        .ok()
        .filter(|k| !k.trim().is_empty());
    options.linked_device = args.device_id.as_ref().map(|id| {
        let mut device = nox_contract::LinkedDevice::new(id);
        device.user_id.clone_from(&args.user_id);
        device.nox_user_id.clone_from(&args.nox_user_id);
        device
    });
    options.lasting = args.create_records.clone();
    let result = match nox_contract::check(options).await {
        Ok(r) => r,
        Err(e) => return report(args.json, &Failure::input("config", e)),
    };
    if args.json {
        outln!("{}", json_line(&result, true));
    } else {
        outln!("contract check of {}", safe(&result.base_url));
        for c in &result.checks {
            let verdict = match (&c.error, c.findings.iter().any(|f| f.breaking)) {
                (Some(_), _) => "NO ANSWER",
                (None, true) => "BREAKING",
                (None, false) if c.findings.is_empty() => "ok",
                (None, false) => "info",
            };
            let status = c
                .status
                .map(|s| s.to_string())
                .unwrap_or_else(|| "-".into());
            outln!(
                "{verdict:<9} {status:>3}  {}  ({})",
                safe(&c.name),
                safe(&c.call)
            );
            if let Some(e) = &c.error {
                outln!("            {}", safe(e));
            }
            for f in &c.findings {
                outln!("            {}", safe(&f.to_string()));
            }
        }
        let breaking = result
            .checks
            .iter()
            .flat_map(|c| &c.findings)
            .filter(|f| f.breaking)
            .count();
        let info = result
            .checks
            .iter()
            .flat_map(|c| &c.findings)
            .filter(|f| !f.breaking)
            .count();
        outln!(
            "{breaking} breaking, {info} informational finding(s); what to do with each: specs/README.md"
        );
    }
    if result.has_transport_errors() {
        EXIT_API
    } else if result.has_breaking() {
        EXIT_BREAKING
    } else {
        EXIT_OK
    }
}
