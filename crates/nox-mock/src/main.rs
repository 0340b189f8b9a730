//! `nox-mock`: run the local NOX Authenticator.
//!
//! ```sh
//! cargo run -p nox-mock -- --port 8080 --api-key test-key
//! ```

use std::net::{IpAddr, SocketAddr};
use std::process::ExitCode;
use std::time::Duration;

use clap::Parser;
use nox_mock::{MockConfig, MockServer};

/// A local NOX Authenticator (v1 + v2 API and the Authenticator UI) for tests and demos.
#[derive(Parser)]
#[command(
    version,
    after_help = "Example:\n  nox-mock --port 8080 --api-key test-key\n  curl -s -X POST http://127.0.0.1:8080/v2/supplier/link-sessions -H 'x-api-key: test-key' \\\n    -H 'content-type: application/json' -d '{\"user_id\":\"u1\",\"asset_type\":\"hp\",\"redirect_url\":\"https://example.com/cb\"}'"
)]
struct Args {
    /// Port to listen on (0 picks a free one).
    #[arg(long, default_value_t = 8080)]
    port: u16,
    /// Address to listen on.
    #[arg(long, default_value = "127.0.0.1")]
    host: IpAddr,
    /// API key to accept (default: a random one, printed at start).
    #[arg(long, env = "NOX_MOCK_API_KEY")]
    api_key: Option<String>,
    /// Link session lifetime in seconds.
    #[arg(long, default_value_t = 600)]
    session_ttl: u64,
}

#[tokio::main]
async fn main() -> ExitCode {
    let args = Args::parse();
    let config = MockConfig {
        addr: SocketAddr::new(args.host, args.port),
        api_key: args.api_key,
        session_ttl: Duration::from_secs(args.session_ttl),
        ..MockConfig::default()
    };
    let mock = match MockServer::start_with(config).await {
        Ok(m) => m,
        Err(e) => {
            eprintln!(
                "nox-mock: cannot listen on {}:{}: {e}",
                args.host, args.port
            );
            return ExitCode::FAILURE;
        }
    };
    println!("nox-mock listening on {}", mock.base_url());
    println!("api key: {}", mock.api_key());
    println!(
        "try: curl -s -X POST {}/v2/supplier/link-sessions -H 'x-api-key: {}' -H 'content-type: application/json' -d '{{\"user_id\":\"u1\",\"asset_type\":\"hp\",\"redirect_url\":\"https://example.com/cb\"}}'",
        mock.base_url(),
        mock.api_key()
    );
    let _ = tokio::signal::ctrl_c().await;
    mock.stop().await;
    ExitCode::SUCCESS
}
