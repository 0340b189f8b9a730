//! `nox callback decode`: a callback decoded, shown safely, and verified against a stored
//! link session.

use std::io::Read as _;
use std::path::PathBuf;
use std::time::SystemTime;

use clap::Args;
use nox_auth::SupplierLinkSession;
use nox_auth::callback::{self, CallbackPayload, VerifiedConnection, VerifyOptions};

use crate::commands::brands::asset_types;
use crate::out::{EXIT_OK, Failure, fmt_time, json as json_line, outln, report, safe};

/// Arguments of `nox callback decode`.
#[derive(Args)]
pub(crate) struct DecodeArgs {
    /// A redirect URL, a path or query string with `data=`, or the raw `data` value;
    /// `-` reads it from stdin.
    input: String,
    /// Print one JSON object instead of text (errors too, on stderr).
    #[arg(long)]
    json: bool,
    /// Verify against this link session (the JSON `nox link create --json` prints).
    #[arg(long, value_name = "FILE")]
    session: Option<PathBuf>,
    /// Verify as of this time (Unix seconds) instead of now.
    #[arg(long, value_name = "UNIX_SECONDS", requires = "session")]
    now: Option<u64>,
}

fn print_payload(p: &CallbackPayload) {
    outln!("nox_user_id:      {}", safe(&p.nox_user_id));
    outln!("supplier_user_id: {}", safe(&p.supplier_user_id));
    match p.known_brand() {
        Some(b) => outln!(
            "brand:            {} (known; {})",
            safe(&p.brand),
            asset_types(b)
        ),
        None => outln!(
            "brand:            {} (not a brand this tool knows)",
            safe(&p.brand)
        ),
    }
    let devices: Vec<String> = p.device_ids.iter().map(|d| safe(d)).collect();
    outln!("device_ids:       {}", devices.join(", "));
    outln!("connected_at:     {}", fmt_time(p.connected_at));
}

/// `nox callback decode`: 0 decoded (and verified), 2 malformed input, 3 failed
/// verification.
pub(crate) fn decode(args: DecodeArgs) -> u8 {
    match decode_inner(&args) {
        Ok(()) => EXIT_OK,
        Err(failure) => report(args.json, &failure),
    }
}

/// The callback text: the argument, or stdin for `-` (read up to the decoder's limit).
pub(crate) fn callback_input(input: &str) -> Result<String, Failure> {
    if input != "-" {
        return Ok(input.to_owned());
    }
    let mut bytes = Vec::new();
    std::io::stdin()
        .take(callback::MAX_INPUT_LEN as u64 + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| Failure::input("input", format!("cannot read stdin: {e}")))?;
    let text =
        String::from_utf8(bytes).map_err(|_| Failure::input("input", "stdin is not UTF-8 text"))?;
    Ok(text.trim().to_owned())
}

fn read_session(path: &PathBuf) -> Result<SupplierLinkSession, Failure> {
    std::fs::read_to_string(path)
        .map_err(|e| e.to_string())
        .and_then(|text| serde_json::from_str(&text).map_err(|e| e.to_string()))
        .map_err(|e| {
            Failure::input(
                "input",
                format!("cannot read the link session from {}: {e}", path.display()),
            )
        })
}

fn decode_inner(args: &DecodeArgs) -> Result<(), Failure> {
    let payload = callback::decode(&callback_input(&args.input)?)?;
    let verified = match &args.session {
        None => None,
        Some(path) => Some(verify(&payload, &read_session(path)?, args.now)?),
    };
    if args.json {
        let mut value = serde_json::to_value(&payload).expect("a payload serializes");
        if let Some(v) = &verified {
            value["verified"] = serde_json::json!(true);
            value["link_token"] = serde_json::json!(v.link_token);
        }
        outln!("{}", json_line(&value, false));
    } else {
        print_payload(&payload);
        if let Some(v) = verified {
            outln!(
                "verified:         yes, against link session {} (user {}, {})",
                safe(&v.link_token),
                safe(&v.user_id),
                safe(v.asset_type.as_str())
            );
        }
    }
    Ok(())
}

fn verify(
    payload: &CallbackPayload,
    session: &SupplierLinkSession,
    now: Option<u64>,
) -> Result<VerifiedConnection, Failure> {
    let now = match now {
        None => SystemTime::now(),
        Some(secs) => nox_auth::time::from_unix_secs(secs).ok_or_else(|| {
            Failure::input(
                "input",
                format!("--now {secs} is past what this system's clock can hold"),
            )
        })?,
    };
    payload
        .verify_supplier_with(session, now, &VerifyOptions::default())
        .map_err(|e| Failure::verification(&e))
}
