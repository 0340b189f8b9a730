//! `nox link …`: create link sessions and device connections at NOX.

use clap::{Args, Subcommand};
use nox_auth::{
    AssetType, Brand, Client, ClientBuilder, Language, ManufacturerLinkRequest, SupplierLinkRequest,
};

use crate::arg::parse_arg;
use std::time::SystemTime;

use crate::out::{EXIT_OK, Failure, fmt_time, json as json_line, outln, report, safe};

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

/// The client for `target`. An app scheme in the `--redirect-url` typed on this command
/// line is allowed (the user named it; the library allows none by default).
fn client(target: &Target, redirect_url: Option<&str>) -> Result<Client, nox_auth::Error> {
    let mut builder = ClientBuilder::from_env();
    if let Some(url) = &target.base_url {
        builder = builder.base_url(url);
    }
    let typed = redirect_url.and_then(|u| reqwest::Url::parse(u).ok());
    if let Some(url) = typed.filter(|u| !matches!(u.scheme(), "http" | "https")) {
        builder = builder.allow_app_scheme(url.scheme());
    }
    builder.build()
}

/// Prints a created link session: JSON (to store and verify against later) or text.
fn print_session(
    json: bool,
    session: &impl serde::Serialize,
    link: (&str, &str),
    times: &nox_auth::time::SessionTimes,
) {
    let (link_url, link_token) = link;
    if json {
        outln!("{}", json_line(session, true));
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
            let client = client(&target, Some(&link.redirect_url))?;
            let mut req = SupplierLinkRequest::new(link.user_id, asset_type, link.redirect_url)
                .language(link.language.unwrap_or_default());
            if let Some(b) = brand {
                req = req.brand(b);
            }
            let session = client.create_supplier_link_session(req).await?;
            print_session(
                target.json,
                &session,
                (&session.link_url, &session.link_token),
                &session.times,
            );
        }
        LinkCommand::CreateManufacturer { link, target } => {
            let client = client(&target, Some(&link.redirect_url))?;
            let req = ManufacturerLinkRequest::new(link.user_id, link.redirect_url)
                .language(link.language.unwrap_or_default());
            let session = client.create_manufacturer_link_session(req).await?;
            print_session(
                target.json,
                &session,
                (&session.link_url, &session.link_token),
                &session.times,
            );
        }
        LinkCommand::DeviceConnection { user_id, target } => {
            let conn = client(&target, None)?
                .create_manufacturer_device_connection(user_id)
                .await?;
            if target.json {
                outln!("{}", json_line(&conn, true));
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
