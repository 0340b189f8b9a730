//! `nox callback decode`, `nox brands`, `nox link …`, `nox mock serve`.

use std::path::PathBuf;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use clap::{Args, Subcommand};
use nox_auth::callback::{self, CallbackPayload, VerifyOptions};
use nox_auth::{
    AssetType, Brand, Client, ClientBuilder, Error, Language, LinkSession, ManufacturerLinkRequest,
    SupplierLinkRequest,
};

use crate::{AssetTypeArg, EXIT_API, EXIT_INPUT, EXIT_OK};

/// Arguments of `nox callback decode`.
#[derive(Args)]
pub(crate) struct DecodeArgs {
    /// A redirect URL, a path or query string with `data=`, or the raw `data` value.
    input: String,
    /// Print one JSON object instead of text.
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
    let secs = t
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    format!("{secs} (Unix seconds)")
}

fn print_payload(p: &CallbackPayload) {
    println!("nox_user_id:      {}", p.nox_user_id);
    println!("supplier_user_id: {}", p.supplier_user_id);
    match p.known_brand() {
        Some(b) => println!("brand:            {} (known; {})", p.brand, asset_types(b)),
        None => println!(
            "brand:            {} (not a brand this tool knows)",
            p.brand
        ),
    }
    println!("device_ids:       {}", p.device_ids.join(", "));
    println!("connected_at:     {}", fmt_time(p.connected_at));
}

fn asset_types(b: Brand) -> String {
    b.asset_types()
        .iter()
        .map(|a| a.as_str())
        .collect::<Vec<_>>()
        .join("+")
}

/// `nox callback decode`: 0 decoded (and verified), 2 bad input or failed verification.
pub(crate) fn decode(args: DecodeArgs) -> u8 {
    let payload = match callback::decode(&args.input) {
        Ok(p) => p,
        Err(e) => {
            eprintln!("error: {e}");
            return EXIT_INPUT;
        }
    };
    let verified = match &args.session {
        None => None,
        Some(path) => {
            let session: LinkSession = match std::fs::read_to_string(path)
                .map_err(|e| e.to_string())
                .and_then(|text| serde_json::from_str(&text).map_err(|e| e.to_string()))
            {
                Ok(s) => s,
                Err(e) => {
                    eprintln!(
                        "error: cannot read the link session from {}: {e}",
                        path.display()
                    );
                    return EXIT_INPUT;
                }
            };
            let now = args
                .now
                .map(|s| UNIX_EPOCH + Duration::from_secs(s))
                .unwrap_or_else(SystemTime::now);
            match payload.verify_with(&session, now, &VerifyOptions::default()) {
                Ok(v) => Some(v),
                Err(e) => {
                    eprintln!("error: verification failed: {e}");
                    return EXIT_INPUT;
                }
            }
        }
    };
    if args.json {
        let mut value = serde_json::to_value(&payload).expect("payload serializes");
        if let Some(v) = &verified {
            value["verified"] = serde_json::json!(true);
            value["link_token"] = serde_json::json!(v.link_token);
        }
        println!("{value}");
    } else {
        print_payload(&payload);
        if let Some(v) = verified {
            println!(
                "verified:         yes, against link session {} (user {}, {})",
                v.link_token, v.user_id, v.asset_type
            );
        }
    }
    EXIT_OK
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
        println!("{}", serde_json::Value::Array(rows));
    } else {
        println!("{:<16} asset types", "brand");
        for b in &list {
            println!("{:<16} {}", b.slug(), asset_types(*b));
        }
        println!(
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
    /// Print the result as JSON (a link session can then be passed to `callback decode --session`).
    #[arg(long, global = true)]
    json: bool,
}

/// `nox link …`
#[derive(Subcommand)]
pub(crate) enum LinkCommand {
    /// Create a v2 supplier link session.
    #[command(
        after_help = "Example:\n  NOX_API_KEY=… nox link create --user-id u1 --asset-type hp --redirect-url https://example.com/cb --brand daikin"
    )]
    Create {
        /// Your id for the end-user.
        #[arg(long)]
        user_id: String,
        /// Where NOX sends the user back to.
        #[arg(long)]
        redirect_url: String,
        /// hp (heat pump) or pv (PV inverter).
        #[arg(long, value_enum)]
        asset_type: AssetTypeArg,
        /// A brand to pre-select (slug, e.g. saunier-duval).
        #[arg(long)]
        brand: Option<String>,
        /// UI language: nl (default), en, fr, es.
        #[arg(long)]
        language: Option<String>,
        #[command(flatten)]
        target: Target,
    },
    /// Create a v2 manufacturer link session.
    #[command(
        after_help = "Example:\n  NOX_API_KEY=… nox link create-manufacturer --user-id m1 --redirect-url myapp://nox/callback"
    )]
    CreateManufacturer {
        /// Your id for the end-user.
        #[arg(long)]
        user_id: String,
        /// Where NOX sends the user back to.
        #[arg(long)]
        redirect_url: String,
        /// UI language: nl (default), en, fr, es.
        #[arg(long)]
        language: Option<String>,
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

fn client(target: &Target) -> Result<Client, Error> {
    let mut builder = ClientBuilder::from_env();
    if let Some(url) = &target.base_url {
        builder = builder.base_url(url);
    }
    builder.build()
}

fn exit_for(e: &Error) -> u8 {
    match e {
        Error::Validation(_) | Error::Config(_) => EXIT_INPUT,
        _ => EXIT_API,
    }
}

fn parse_language(s: Option<&str>) -> Result<Language, Error> {
    Ok(s.map(str::parse).transpose()?.unwrap_or_default())
}

/// Prints a created link session: JSON (to store and verify against later) or text.
fn print_session(
    json: bool,
    session: &impl serde::Serialize,
    link_url: &str,
    link_token: &str,
    remaining: Duration,
    expires_at: SystemTime,
) {
    if json {
        println!(
            "{}",
            serde_json::to_string_pretty(session).expect("serializes")
        );
    } else {
        println!("link_url:   {link_url}");
        println!("link_token: {link_token}");
        println!(
            "expires:    in {} s ({})",
            remaining.as_secs(),
            fmt_time(expires_at)
        );
    }
}

/// `nox link …`: 0 created, 1 NOX or the network failed, 2 bad input.
pub(crate) async fn link(cmd: LinkCommand) -> u8 {
    match link_inner(cmd).await {
        Ok(()) => EXIT_OK,
        Err(e) => {
            eprintln!("error: {e}");
            exit_for(&e)
        }
    }
}

async fn link_inner(cmd: LinkCommand) -> Result<(), Error> {
    match cmd {
        LinkCommand::Create {
            user_id,
            redirect_url,
            asset_type,
            brand,
            language,
            target,
        } => {
            let mut req = SupplierLinkRequest::new(user_id, asset_type.into(), redirect_url)
                .language(parse_language(language.as_deref())?);
            if let Some(b) = brand {
                req = req.brand(b.parse()?);
            }
            req.validate()?;
            let session = client(&target)?.create_supplier_link_session(req).await?;
            print_session(
                target.json,
                &session,
                &session.link_url,
                &session.link_token,
                session.remaining(SystemTime::now()),
                session.expires_at,
            );
        }
        LinkCommand::CreateManufacturer {
            user_id,
            redirect_url,
            language,
            target,
        } => {
            let req = ManufacturerLinkRequest::new(user_id, redirect_url)
                .language(parse_language(language.as_deref())?);
            req.validate()?;
            let session = client(&target)?
                .create_manufacturer_link_session(req)
                .await?;
            print_session(
                target.json,
                &session,
                &session.link_url,
                &session.link_token,
                session.remaining(SystemTime::now()),
                session.expires_at,
            );
        }
        LinkCommand::DeviceConnection { user_id, target } => {
            let conn = client(&target)?
                .create_manufacturer_device_connection(user_id)
                .await?;
            if target.json {
                println!(
                    "{}",
                    serde_json::to_string_pretty(&conn).expect("serializes")
                );
            } else {
                println!("user {} is NOX user {}", conn.user_id, conn.nox_user_id);
            }
        }
    }
    Ok(())
}

/// `nox mock serve`
pub(crate) async fn serve(port: u16, api_key: Option<String>) -> u8 {
    let config = nox_mock::MockConfig {
        addr: std::net::SocketAddr::from(([127, 0, 0, 1], port)),
        api_key,
        ..nox_mock::MockConfig::default()
    };
    let mock = match nox_mock::MockServer::start_with(config).await {
        Ok(m) => m,
        Err(e) => {
            eprintln!("error: cannot listen on 127.0.0.1:{port}: {e}");
            return EXIT_API;
        }
    };
    println!("nox mock listening on {}", mock.base_url());
    println!("api key: {}", mock.api_key());
    println!(
        "try: NOX_BASE_URL={} NOX_API_KEY={} nox link create --user-id u1 --asset-type hp --redirect-url https://example.com/cb",
        mock.base_url(),
        mock.api_key()
    );
    let _ = tokio::signal::ctrl_c().await;
    mock.stop().await;
    EXIT_OK
}
