//! `nox`: the NOX Authenticator from the command line. See `nox --help`.

mod commands;
mod demo;

use std::process::ExitCode;

use clap::{Parser, Subcommand, ValueEnum};

/// Exit status: success.
pub const EXIT_OK: u8 = 0;
/// Exit status: NOX answered with an error, or the network failed.
pub const EXIT_API: u8 = 1;
/// Exit status: the input was invalid (nothing was sent).
pub const EXIT_INPUT: u8 = 2;

/// The NOX Authenticator from the command line: decode callbacks, list brands, create
/// link sessions, run the local mock, or watch the whole link flow in one command.
#[derive(Parser)]
#[command(
    name = "nox",
    version,
    after_help = "Exit status: 0 success, 1 API or network error, 2 bad input.\n\n\
                  Examples:\n  nox demo\n  nox callback decode 'https://example.com/cb?data=eyJ…'\n  nox brands --asset-type pv\n  \
                  NOX_API_KEY=… nox link create --user-id u1 --asset-type hp --redirect-url https://example.com/cb"
)]
pub struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run the whole link flow locally: mock, link session, Authenticator UI, callback.
    #[command(after_help = "Example:\n  nox demo\n  nox demo --brand vaillant --language en")]
    Demo(demo::DemoArgs),
    /// Work with the `?data=` redirect callback.
    #[command(subcommand)]
    Callback(CallbackCommand),
    /// List the brands and the asset types they are valid for.
    #[command(after_help = "Examples:\n  nox brands\n  nox brands --asset-type pv --json")]
    Brands {
        /// Only the brands valid for this asset type.
        #[arg(long, value_enum)]
        asset_type: Option<AssetTypeArg>,
        /// One JSON array instead of a table.
        #[arg(long)]
        json: bool,
    },
    /// Create link sessions and device connections on NOX (or a mock).
    #[command(subcommand)]
    Link(commands::LinkCommand),
    /// Run the local NOX mock.
    #[command(subcommand)]
    Mock(MockCommand),
}

#[derive(Subcommand)]
enum CallbackCommand {
    /// Decode a callback URL, query string or `data` value; optionally verify it.
    #[command(
        after_help = "Examples:\n  nox callback decode 'https://example.com/cb?data=eyJ…'\n  \
                            nox callback decode eyJ… --json\n  \
                            nox link create … --json > session.json && nox callback decode '<url>' --session session.json"
    )]
    Decode(commands::DecodeArgs),
}

#[derive(Subcommand)]
enum MockCommand {
    /// Serve the mock until interrupted.
    #[command(after_help = "Example:\n  nox mock serve --port 8080 --api-key test-key")]
    Serve {
        /// Port (0 picks a free one).
        #[arg(long, default_value_t = 8080)]
        port: u16,
        /// API key to accept (default: random, printed).
        #[arg(long)]
        api_key: Option<String>,
    },
}

/// `hp` or `pv` on the command line.
#[derive(Clone, Copy, ValueEnum)]
pub(crate) enum AssetTypeArg {
    /// Heat pump.
    Hp,
    /// PV inverter.
    Pv,
}

impl From<AssetTypeArg> for nox_auth::AssetType {
    fn from(a: AssetTypeArg) -> Self {
        match a {
            AssetTypeArg::Hp => nox_auth::AssetType::Hp,
            AssetTypeArg::Pv => nox_auth::AssetType::Pv,
        }
    }
}

#[tokio::main]
async fn main() -> ExitCode {
    let cli = Cli::parse();
    let code = match cli.command {
        Command::Demo(args) => demo::run(args).await,
        Command::Callback(CallbackCommand::Decode(args)) => commands::decode(args),
        Command::Brands { asset_type, json } => commands::brands(asset_type.map(Into::into), json),
        Command::Link(cmd) => commands::link(cmd).await,
        Command::Mock(MockCommand::Serve { port, api_key }) => commands::serve(port, api_key).await,
    };
    ExitCode::from(code)
}
