//! The command line of `nox-mock` and `nox mock serve` (feature `cli`): one set of
//! options, one way to start and report the mock.

use std::net::{IpAddr, SocketAddr};
use std::time::Duration;

use crate::config::{DEFAULT_HEADER_TIMEOUT, DEFAULT_SESSION_TTL, MockConfig};
use crate::device::{MAX_DEVICE_DELAY, PackageUserId};
use crate::error::Error;
use crate::server::MockServer;

/// Options to serve the mock.
#[derive(Debug, Clone, clap::Args)]
#[non_exhaustive]
pub struct ServeArgs {
    /// Address to listen on (`0.0.0.0` for every interface: the control API at /_mock
    /// has no key, so only on a network you trust).
    #[arg(long, default_value = "127.0.0.1")]
    pub host: IpAddr,
    /// Port to listen on (0 picks a free one).
    #[arg(long, default_value_t = 8080)]
    pub port: u16,
    /// The base URL put into `link_url`s, when clients reach the mock under another
    /// address (a proxy, a container). Default: `http://<host>:<port>`, with 127.0.0.1 for
    /// a wildcard host.
    #[arg(long, value_name = "URL")]
    pub public_url: Option<String>,
    /// Link session lifetime: seconds, or with a unit (`90s`, `10m`, `1h`).
    #[arg(long, value_name = "DURATION", default_value = "600", value_parser = parse_duration)]
    pub session_ttl: Duration,
    /// How long a connection may take to send its headers, and stay idle between
    /// requests (`5s`, `500ms`).
    #[arg(long, value_name = "DURATION", default_value = "5s", value_parser = parse_duration)]
    pub header_timeout: Duration,
    /// API key to accept (default: a random one, printed at start).
    #[arg(long, env = "NOX_MOCK_API_KEY")]
    pub api_key: Option<String>,
    /// Which id the Package API's `user_id` carries: `supplier` (the user id the link
    /// session was created with) or `nox` (NOX's user id). NOX does not say which.
    #[arg(long, value_name = "WHICH", default_value = "supplier", value_parser = parse_package_user_id)]
    pub package_user_id: PackageUserId,
    /// How long after a link completes its devices appear on the Package API (`30s`, `2m`).
    #[arg(long, value_name = "DURATION", default_value = "0", value_parser = parse_duration)]
    pub device_delay: Duration,
}

/// `supplier` or `nox` → which id the Package API's `user_id` carries.
pub fn parse_package_user_id(text: &str) -> Result<PackageUserId, String> {
    match text.trim() {
        "supplier" => Ok(PackageUserId::SupplierUserId),
        "nox" => Ok(PackageUserId::NoxUserId),
        other => Err(format!("`{other}` is not one of supplier, nox")),
    }
}

impl ServeArgs {
    /// The mock's configuration from these options ([`Error::Config`] names the option
    /// refused).
    pub fn config(&self) -> Result<MockConfig, Error> {
        if let Some(url) = &self.public_url {
            let parsed = url::Url::parse(url)
                .map_err(|e| Error::Config(format!("--public-url `{url}`: {e}")))?;
            if !matches!(parsed.scheme(), "http" | "https") || parsed.host().is_none() {
                return Err(Error::Config(format!(
                    "--public-url `{url}`: not an http(s) URL with a host"
                )));
            }
        }
        if self.session_ttl.is_zero() || self.header_timeout.is_zero() {
            return Err(Error::Config(
                "--session-ttl and --header-timeout must be greater than zero".into(),
            ));
        }
        if self.device_delay > MAX_DEVICE_DELAY {
            return Err(Error::Config(format!(
                "--device-delay must be at most {} seconds",
                MAX_DEVICE_DELAY.as_secs()
            )));
        }
        Ok(MockConfig {
            addr: SocketAddr::new(self.host, self.port),
            api_key: self.api_key.clone(),
            session_ttl: self.session_ttl,
            header_timeout: self.header_timeout,
            public_url: self.public_url.clone(),
            package_user_id: self.package_user_id,
            device_visibility_delay: self.device_delay,
            ..MockConfig::default()
        })
    }

    /// Starts the mock; the error names the option refused or the address it could not
    /// listen on.
    pub async fn start(&self) -> Result<MockServer, Error> {
        MockServer::start_with(self.config()?).await
    }
}

/// What a started mock prints, one line each: where it listens, its key, the inspector,
/// and a one-line example.
pub fn banner(mock: &MockServer) -> [String; 4] {
    [
        format!("nox-mock listening on {}", mock.base_url()),
        format!("api key: {}", mock.api_key()),
        format!("inspector: {}/_mock", mock.base_url()),
        format!(
            "try: curl -s -X POST {}{} -H 'x-api-key: {}' -H 'content-type: application/json' -d '{{\"user_id\":\"u1\",\"asset_type\":\"hp\",\"redirect_url\":\"https://example.com/cb\"}}'",
            mock.base_url(),
            nox_auth::Operation::CreateSupplierLinkSession.path(),
            mock.api_key()
        ),
    ]
}

impl Default for ServeArgs {
    fn default() -> Self {
        Self {
            host: IpAddr::from([127, 0, 0, 1]),
            port: 8080,
            public_url: None,
            session_ttl: DEFAULT_SESSION_TTL,
            header_timeout: DEFAULT_HEADER_TIMEOUT,
            api_key: None,
            package_user_id: PackageUserId::default(),
            device_delay: Duration::ZERO,
        }
    }
}

/// `600`, `600s`, `500ms`, `10m`, `1h` → a duration.
pub fn parse_duration(text: &str) -> Result<Duration, String> {
    let t = text.trim();
    let split = t.find(|c: char| !c.is_ascii_digit()).unwrap_or(t.len());
    let (number, unit) = t.split_at(split);
    let n: u64 = number
        .parse()
        .map_err(|_| format!("`{text}` is not a duration (e.g. 600, 90s, 500ms, 10m, 1h)"))?;
    let secs = |mult: u64| {
        n.checked_mul(mult)
            .map(Duration::from_secs)
            .ok_or_else(|| format!("`{text}` is too long"))
    };
    match unit.trim() {
        "" | "s" => secs(1),
        "ms" => Ok(Duration::from_millis(n)),
        "m" | "min" => secs(60),
        "h" => secs(3600),
        other => Err(format!(
            "`{other}` is not a unit of `{text}` (use ms, s, m or h)"
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations() {
        assert_eq!(parse_duration("600"), Ok(Duration::from_secs(600)));
        assert_eq!(parse_duration("90s"), Ok(Duration::from_secs(90)));
        assert_eq!(parse_duration("500ms"), Ok(Duration::from_millis(500)));
        assert_eq!(parse_duration("10m"), Ok(Duration::from_secs(600)));
        assert_eq!(parse_duration("1h"), Ok(Duration::from_secs(3600)));
        assert!(parse_duration("10 parsecs").is_err());
        assert!(parse_duration("").is_err());
        assert!(parse_duration("99999999999999999999h").is_err());
    }

    #[test]
    fn package_user_ids() {
        assert_eq!(parse_package_user_id("nox"), Ok(PackageUserId::NoxUserId));
        assert_eq!(
            parse_package_user_id("supplier"),
            Ok(PackageUserId::SupplierUserId)
        );
        assert!(parse_package_user_id("both").is_err());
    }

    #[test]
    fn a_wildcard_host_gets_a_loopback_link_url() {
        let args = ServeArgs {
            host: IpAddr::from([0, 0, 0, 0]),
            port: 0,
            ..ServeArgs::default()
        };
        assert!(args.config().unwrap().public_url.is_none());
        let bad = ServeArgs {
            public_url: Some("ftp://x".into()),
            ..ServeArgs::default()
        };
        assert!(bad.config().is_err());
    }
}
