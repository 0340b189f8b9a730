//! `nox callback decode`, `nox brands`, `nox link …`, `nox mock serve`.

use std::io::Read as _;
use std::path::PathBuf;
use std::time::SystemTime;

use clap::{Args, Subcommand};
use nox_auth::callback::{self, CallbackPayload, VerifiedConnection, VerifyOptions};
use nox_auth::{
    AssetType, Brand, Client, ClientBuilder, Language, LinkSession, ManufacturerLinkRequest,
    SupplierLinkRequest,
};

use crate::out::{Failure, outln, report, safe};
use crate::{EXIT_API, EXIT_BREAKING, EXIT_OK, parse_arg};

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

fn fmt_time(t: SystemTime) -> String {
    let secs = nox_auth::time::to_unix_secs(t).unwrap_or(0);
    format!("{secs} (Unix seconds)")
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

fn asset_types(b: Brand) -> String {
    b.asset_types()
        .iter()
        .map(|a| a.as_str())
        .collect::<Vec<_>>()
        .join("+")
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
fn callback_input(input: &str) -> Result<String, Failure> {
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

fn read_session(path: &PathBuf) -> Result<LinkSession, Failure> {
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
        outln!("{value}");
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
    session: &LinkSession,
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
        .verify_with(session, now, &VerifyOptions::default())
        .map_err(|e| Failure::verification(&e))
}

/// `nox brands`
pub(crate) fn brands(asset_type: Option<AssetType>, json: bool) -> u8 {
    let list: Vec<Brand> = match asset_type {
        Some(a) => a.brands(),
        None => Brand::ALL.to_vec(),
    };
    if json {
        let rows: Vec<_> = list
            .iter()
            .map(|b| serde_json::json!({"brand": b.slug(), "asset_types": b.asset_types()}))
            .collect();
        outln!("{}", serde_json::Value::Array(rows));
    } else {
        outln!("{:<16} asset types", "brand");
        for b in &list {
            outln!("{:<16} {}", b.slug(), asset_types(*b));
        }
        outln!(
            "\n{} brands. NOX does not publish this table; see `nox_auth::Brand` for the reasons.",
            list.len()
        );
    }
    EXIT_OK
}

/// Where to send requests: production unless `--base-url` / `NOX_BASE_URL` say otherwise.
#[derive(Args)]
pub(crate) struct Target {
    /// Base URL of the NOX Authenticator (default `https://auth.nox.energy`). The API key is
    /// read from NOX_API_KEY only, so it never shows in the process list.
    #[arg(long, env = "NOX_BASE_URL", global = true)]
    base_url: Option<String>,
    /// Print the result as JSON (a link session can then be passed to `callback decode
    /// --session`); errors are JSON on stderr too.
    #[arg(long, global = true)]
    json: bool,
}

/// What every link session needs: whose, where back to, in which language.
#[derive(Args)]
pub(crate) struct LinkArgs {
    /// Your id for the end-user.
    #[arg(long)]
    user_id: String,
    /// Where NOX sends the user back to.
    #[arg(long)]
    redirect_url: String,
    /// UI language: nl (default), en, fr, es.
    #[arg(long, value_parser = parse_arg::<Language>)]
    language: Option<Language>,
}

/// `nox link …`
#[derive(Subcommand)]
pub(crate) enum LinkCommand {
    /// Create a v2 supplier link session.
    #[command(
        after_help = "Example:\n  NOX_API_KEY=… nox link create --user-id u1 --asset-type hp --redirect-url https://example.com/cb --brand daikin"
    )]
    Create {
        #[command(flatten)]
        link: LinkArgs,
        /// hp (heat pump) or pv (PV inverter).
        #[arg(long, value_parser = parse_arg::<AssetType>)]
        asset_type: AssetType,
        /// A brand to pre-select (slug, e.g. saunier-duval).
        #[arg(long, value_parser = parse_arg::<Brand>)]
        brand: Option<Brand>,
        #[command(flatten)]
        target: Target,
    },
    /// Create a v2 manufacturer link session.
    #[command(
        after_help = "Example:\n  NOX_API_KEY=… nox link create-manufacturer --user-id m1 --redirect-url myapp://nox/callback"
    )]
    CreateManufacturer {
        #[command(flatten)]
        link: LinkArgs,
        #[command(flatten)]
        target: Target,
    },
    /// Register a v2 manufacturer device connection.
    #[command(after_help = "Example:\n  NOX_API_KEY=… nox link device-connection --user-id m1")]
    DeviceConnection {
        /// Your id for the end-user.
        #[arg(long)]
        user_id: String,
        #[command(flatten)]
        target: Target,
    },
}

impl LinkCommand {
    fn target(&self) -> &Target {
        match self {
            LinkCommand::Create { target, .. }
            | LinkCommand::CreateManufacturer { target, .. }
            | LinkCommand::DeviceConnection { target, .. } => target,
        }
    }
}

fn client(target: &Target) -> Result<Client, nox_auth::Error> {
    let mut builder = ClientBuilder::from_env();
    if let Some(url) = &target.base_url {
        builder = builder.base_url(url);
    }
    builder.build()
}

/// Prints a created link session: JSON (to store and verify against later) or text.
fn print_session(
    json: bool,
    session: &impl serde::Serialize,
    link: (&str, &str),
    times: &nox_auth::SessionTimes,
) {
    let (link_url, link_token) = link;
    if json {
        outln!(
            "{}",
            serde_json::to_string_pretty(session).expect("a session serializes")
        );
    } else {
        let remaining = times.remaining(SystemTime::now());
        outln!("link_url:   {}", safe(link_url));
        outln!("link_token: {}", safe(link_token));
        outln!(
            "expires:    in {} s ({})",
            remaining.as_secs(),
            fmt_time(times.expires_at)
        );
    }
}

/// `nox link …`: 0 created, 1 NOX or the network failed, 2 bad input.
pub(crate) async fn link(cmd: LinkCommand) -> u8 {
    let json = cmd.target().json;
    match link_inner(cmd).await {
        Ok(()) => EXIT_OK,
        Err(e) => report(json, &Failure::from(e)),
    }
}

/// The facade checks every request before sending; the command only builds them.
async fn link_inner(cmd: LinkCommand) -> Result<(), nox_auth::Error> {
    match cmd {
        LinkCommand::Create {
            link,
            asset_type,
            brand,
            target,
        } => {
            let mut req = SupplierLinkRequest::new(link.user_id, asset_type, link.redirect_url)
                .language(link.language.unwrap_or_default());
            if let Some(b) = brand {
                req = req.brand(b);
            }
            let session = client(&target)?.create_supplier_link_session(req).await?;
            print_session(
                target.json,
                &session,
                (&session.link_url, &session.link_token),
                &session.times,
            );
        }
        LinkCommand::CreateManufacturer { link, target } => {
            let req = ManufacturerLinkRequest::new(link.user_id, link.redirect_url)
                .language(link.language.unwrap_or_default());
            let session = client(&target)?
                .create_manufacturer_link_session(req)
                .await?;
            print_session(
                target.json,
                &session,
                (&session.link_url, &session.link_token),
                &session.times,
            );
        }
        LinkCommand::DeviceConnection { user_id, target } => {
            let conn = client(&target)?
                .create_manufacturer_device_connection(user_id)
                .await?;
            if target.json {
                outln!(
                    "{}",
                    serde_json::to_string_pretty(&conn).expect("a connection serializes")
                );
            } else {
                outln!(
                    "user {} is NOX user {}",
                    safe(&conn.user_id),
                    safe(&conn.nox_user_id)
                );
            }
        }
    }
    Ok(())
}

/// `nox mock serve`
pub(crate) async fn serve(args: nox_mock::cli::ServeArgs) -> u8 {
    let mock = match args.start().await {
        Ok(m) => m,
        Err(e) => {
            return report(
                false,
                &Failure {
                    kind: "io",
                    message: e.to_string(),
                    exit: EXIT_API,
                },
            );
        }
    };
    for line in nox_mock::cli::banner(&mock) {
        outln!("{line}");
    }
    let _ = tokio::signal::ctrl_c().await;
    mock.stop().await;
    EXIT_OK
}

/// Arguments of `nox contract check`.
#[derive(Args)]
pub(crate) struct ContractArgs {
    /// The NOX to check (default production, `https://auth.nox.energy`).
    #[arg(long, env = "NOX_BASE_URL", default_value = nox_auth::DEFAULT_BASE_URL)]
    base_url: String,
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
    options.lasting = args.create_records.clone();
    let result = match nox_contract::check(options).await {
        Ok(r) => r,
        Err(e) => return report(args.json, &Failure::input("config", e)),
    };
    if args.json {
        outln!(
            "{}",
            serde_json::to_string_pretty(&result).expect("a report serializes")
        );
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

/// Arguments of `nox mock proxy`.
#[derive(Args)]
pub(crate) struct ProxyArgs {
    /// Where to forward to (https, or http to a loopback host).
    #[arg(long, value_name = "URL")]
    upstream: String,
    /// Port to listen on, on 127.0.0.1 (0 picks a free one).
    #[arg(long, default_value_t = 8081)]
    port: u16,
}

/// `nox mock proxy`
pub(crate) async fn proxy(args: ProxyArgs) -> u8 {
    // The SDK's rule for where a key may go: https, or http to a loopback host.
    let upstream = match nox_auth::Client::builder()
        .api_key("proxy-has-no-key-of-its-own")
        .base_url(&args.upstream)
        .build()
    {
        Ok(c) => c.base_url().clone(),
        Err(e) => return report(false, &Failure::input("config", e)),
    };
    let mut config = nox_contract::ProxyConfig::new(upstream);
    config.addr = std::net::SocketAddr::from(([127, 0, 0, 1], args.port));
    config.on_finding = Some(std::sync::Arc::new(|seen: &nox_contract::Seen| {
        // One line per finding, on stderr (stdout carries the banner).
        eprintln!("{} {}", seen.direction, safe(&seen.finding.to_string()));
    }));
    let proxy = match nox_contract::Proxy::start(config).await {
        Ok(p) => p,
        Err(e) => {
            return report(
                false,
                &Failure {
                    kind: "io",
                    message: format!("cannot listen on 127.0.0.1:{}: {e}", args.port),
                    exit: EXIT_API,
                },
            );
        }
    };
    outln!(
        "nox proxy listening on {} → {}",
        proxy.base_url(),
        safe(args.upstream.trim())
    );
    outln!(
        "findings: {}{}",
        proxy.base_url(),
        nox_contract::FINDINGS_PATH
    );
    let _ = tokio::signal::ctrl_c().await;
    EXIT_OK
}
