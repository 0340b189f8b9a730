//! `nox mock serve` and `nox mock proxy`: the local NOX, and a validating proxy in front
//! of any NOX.

use clap::Args;

use crate::out::{EXIT_API, EXIT_OK, Failure, outln, report, safe};

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
