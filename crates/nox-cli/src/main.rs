//! `nox`: the NOX Authenticator from the command line. See `nox --help`.

mod arg;
mod commands;
mod demo;
mod out;

use std::io::Write as _;
use std::process::ExitCode;

use clap::{CommandFactory, Parser, Subcommand};

use crate::arg::parse_arg;
use crate::out::{EXIT_INPUT, EXIT_OK, Failure};

/// The NOX Authenticator from the command line: decode callbacks, list brands, create
/// link sessions, run the local mock, or watch the whole link flow in one command.
#[derive(Parser)]
#[command(
    name = "nox",
    version,
    after_help = "Exit status: 0 success, 1 API or network error, 2 bad input, 3 callback failed verification\n\
                  (or NOX does not confirm it), 4 (contract check) something breaks the generated client.\n\
                  With --json, errors are one JSON object on stderr: {\"error\":{\"kind\":…,\"message\":…}}.\n\
                  -v (or RUST_LOG) shows each request to NOX: operation, attempt, status, duration.\n\n\
                  Examples:\n  nox demo\n  nox callback decode 'https://example.com/cb?data=eyJ…'\n  nox brands --asset-type pv\n  \
                  NOX_API_KEY=… nox link create --user-id u1 --asset-type hp --redirect-url https://example.com/cb\n  \
                  NOX_API_KEY=… nox devices list --user-id nox-user-7 --json\n  \
                  NOX_API_KEY=… nox devices confirm 'https://example.com/cb?data=eyJ…' --session session.json\n  \
                  nox completions bash > /etc/bash_completion.d/nox"
)]
pub struct Cli {
    /// Show each request to NOX on stderr (operation, attempt, status, duration; never
    /// the key). -vv adds the HTTP client's own logs. RUST_LOG overrides both.
    #[arg(short, long, action = clap::ArgAction::Count, global = true)]
    verbose: u8,
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
        /// Only the brands valid for this asset type (hp or pv).
        #[arg(long, value_parser = parse_arg::<nox_auth::AssetType>)]
        asset_type: Option<nox_auth::AssetType>,
        /// One JSON array instead of a table.
        #[arg(long)]
        json: bool,
    },
    /// Create link sessions and device connections on NOX (or a mock).
    #[command(subcommand)]
    Link(commands::link::LinkCommand),
    /// List the devices NOX's Package API has, or confirm a link there (after a link: is
    /// the device there, for your user, does it need re-authentication).
    #[command(subcommand)]
    Devices(commands::devices::DevicesCommand),
    /// Run the local NOX mock, or a validating proxy in front of a real NOX.
    #[command(subcommand)]
    Mock(MockCommand),
    /// Check a live NOX against the specs this SDK is generated from.
    #[command(subcommand)]
    Contract(ContractCommand),
    /// Print a shell completion script.
    #[command(
        after_help = "Examples:\n  nox completions bash > ~/.local/share/bash-completion/completions/nox\n  \
                      nox completions zsh > ~/.zfunc/_nox\n  nox completions fish > ~/.config/fish/completions/nox.fish"
    )]
    Completions {
        /// The shell.
        shell: clap_complete::Shell,
    },
}

#[derive(Subcommand)]
enum CallbackCommand {
    /// Decode a callback URL, query string or `data` value; optionally verify it.
    #[command(
        after_help = "Examples:\n  nox callback decode 'https://example.com/cb?data=eyJ…'\n  \
                            nox callback decode eyJ… --json\n  \
                            pbpaste | nox callback decode -\n  \
                            nox link create … --json > session.json && nox callback decode '<url>' --session session.json\n\n\
                      Exit status: 0 decoded (and verified), 2 malformed input, 3 decoded but failed verification."
    )]
    Decode(commands::callback::DecodeArgs),
}

#[derive(Subcommand)]
enum MockCommand {
    /// Serve the mock until interrupted (the same options as the `nox-mock` program).
    #[command(
        after_help = "Example:\n  nox mock serve --port 8080 --api-key test-key\n  \
                      nox mock serve --host 0.0.0.0 --public-url http://mock.internal:8080 --session-ttl 2m\n\n\
                      The inspector page is at <base URL>/_mock; the JSON control API (sessions, complete, expire,\n\
                      reset, faults) under /_mock/…: see the nox-mock crate docs."
    )]
    Serve(nox_mock::cli::ServeArgs),
    /// Forward your app's traffic to a NOX unchanged, and report where requests or
    /// answers leave the specs (one line per finding on stderr; JSON at /_proxy/findings).
    #[command(
        after_help = "Example:\n  nox mock proxy --upstream https://auth.nox.energy --port 8081\n  \
                      # then point your app's NOX base URL at http://127.0.0.1:8081\n  \
                      curl -s http://127.0.0.1:8081/_proxy/findings"
    )]
    Proxy(commands::mock::ProxyArgs),
}

#[derive(Subcommand)]
enum ContractCommand {
    /// Call NOX (production unless --base-url) with a few harmless requests and judge
    /// every answer against the specs. The key comes from NOX_API_KEY only.
    #[command(after_help = "Examples:\n  NOX_API_KEY=… nox contract check\n  \
                      NOX_API_KEY=… nox contract check --base-url https://sandbox.example --v1 --json\n  \
                      NOX_API_KEY=… nox contract check --device-id hp-123 --user-id user-42 --nox-user-id nox-9\n\n\
                      Calls: a v2 supplier and a v2 manufacturer link session (user ids nox-contract-check-<random>;\n\
                      sessions expire by themselves after 10 minutes), a missing field, a wrong key and a brand not\n\
                      valid for the asset type (documented 400/401), open questions (Authorization: ApiKey on v2,\n\
                      a redirect_url with a query, asset_type omitted), and the Package API read-only (does the\n\
                      Authenticator key read GET /v1/devices, an unknown device_id, limit=0 → 422; with --device-id\n\
                      of a device you linked: whose user_id it is listed for, yours (--user-id) or NOX's (--nox-user-id)).\n\
                      --v1 adds the v1 supplier call; --create-records names calls that leave records at NOX\n\
                      (device-connections, v1-manufacturer); without it the check creates no lasting record.\n\n\
                      Exit status: 0 nothing breaking, 4 something breaks the generated client, 1 a call got no\n\
                      answer, 2 bad input.")]
    Check(commands::contract::ContractArgs),
}

/// Whether the command line asks for JSON output (errors included).
fn wants_json(args: &[String]) -> bool {
    args.iter().any(|a| a == "--json")
}

/// Sends the runtime's `nox.request` spans to stderr when asked (`-v`, `RUST_LOG`).
fn init_tracing(verbose: u8) {
    use tracing_subscriber::EnvFilter;
    let filter = match std::env::var("RUST_LOG") {
        Ok(spec) if !spec.trim().is_empty() => EnvFilter::new(spec),
        _ => match verbose {
            0 => return,
            1 => EnvFilter::new("nox_auth_runtime=debug"),
            _ => EnvFilter::new(
                "nox_auth_runtime=trace,nox_auth=trace,reqwest=debug,hyper_util=debug",
            ),
        },
    };
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_target(false)
        .init();
}

#[tokio::main]
async fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().collect();
    let cli = match Cli::try_parse_from(&args) {
        Ok(cli) => cli,
        Err(e) if !e.use_stderr() => {
            // --help, --version: to stdout, exit 0.
            let _ = e.print();
            return ExitCode::SUCCESS;
        }
        Err(e) if wants_json(&args) => {
            let text = nox_mock::cli::usage_error(&e);
            let message = e.kind().as_str().map_or_else(
                || text.trim().to_owned(),
                |kind| format!("{kind}: {}", text.trim()),
            );
            return ExitCode::from(out::report(true, &Failure::input("usage", message)));
        }
        Err(e) => {
            // What the user typed comes back in clap's message: escaped, each line cut.
            let _ = writeln!(std::io::stderr(), "{}", nox_mock::cli::usage_error(&e));
            return ExitCode::from(EXIT_INPUT);
        }
    };
    init_tracing(cli.verbose);
    // rustls with ring for every HTTP client of the process (the contract check's and the
    // proxy's build their own). Only fails when a provider is installed already: fine.
    let _ = rustls::crypto::ring::default_provider().install_default();
    let code = match cli.command {
        Command::Demo(args) => demo::run(args).await,
        Command::Callback(CallbackCommand::Decode(args)) => commands::callback::decode(args),
        Command::Brands { asset_type, json } => commands::brands::brands(asset_type, json),
        Command::Link(cmd) => commands::link::link(cmd).await,
        Command::Devices(cmd) => commands::devices::devices(cmd).await,
        Command::Mock(MockCommand::Serve(args)) => commands::mock::serve(args).await,
        Command::Mock(MockCommand::Proxy(args)) => commands::mock::proxy(args).await,
        Command::Contract(ContractCommand::Check(args)) => {
            commands::contract::contract_check(args).await
        }
        Command::Completions { shell } => {
            let mut script = Vec::new();
            clap_complete::generate(shell, &mut Cli::command(), "nox", &mut script);
            out::outln!("{}", String::from_utf8_lossy(&script).trim_end());
            EXIT_OK
        }
    };
    ExitCode::from(code)
}
