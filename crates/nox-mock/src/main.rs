//! `nox-mock`: the local NOX Authenticator as a program (feature `cli`). `nox mock serve`
//! is the same with the same options.

use std::process::ExitCode;

use clap::Parser;

/// A local NOX Authenticator (v1 and v2 API, the Authenticator UI, the control API and
/// inspector at /_mock) for integration tests and demos.
#[derive(Parser)]
#[command(
    name = "nox-mock",
    version,
    after_help = "Example:\n  nox-mock --port 8080 --api-key test-key\n  nox-mock --host 0.0.0.0 --public-url http://mock.internal:8080 --control-token \"$TEAM_TOKEN\" --session-ttl 2m"
)]
struct Args {
    #[command(flatten)]
    serve: nox_mock::cli::ServeArgs,
}

#[tokio::main]
async fn main() -> ExitCode {
    let args = match Args::try_parse() {
        Ok(args) => args,
        // --help and --version: as clap prints them. A usage error quotes what was typed:
        // escaped and cut, as `nox` shows it.
        Err(e) if !e.use_stderr() => {
            let _ = e.print();
            return ExitCode::SUCCESS;
        }
        Err(e) => {
            eprintln!("{}", nox_mock::cli::usage_error(&e));
            return ExitCode::from(2);
        }
    };
    let mock = match args.serve.start().await {
        Ok(m) => m,
        Err(e) => {
            // The error can quote an option as typed (`--public-url`): shown safely.
            eprintln!(
                "nox-mock: {}",
                nox_auth::nox_auth_runtime::text::excerpt(&e.to_string(), 500)
            );
            return ExitCode::FAILURE;
        }
    };
    for line in nox_mock::cli::banner(&mock) {
        println!("{line}");
    }
    let _ = tokio::signal::ctrl_c().await;
    mock.stop().await;
    ExitCode::SUCCESS
}
