//! The command line of `nox-mock` and `nox mock serve` (feature `cli`): one set of
//! options, one way to start and report the mock.

use std::net::{IpAddr, SocketAddr};
use std::time::Duration;

use crate::config::{
    DEFAULT_BODY_TIMEOUT, DEFAULT_HEADER_TIMEOUT, DEFAULT_SESSION_TTL, MockConfig,
};
use crate::device::{MAX_DEVICE_DELAY, PackageUserId};
use crate::error::Error;
use crate::server::MockServer;
use crate::store::random_token;

/// Options to serve the mock.
#[derive(Debug, Clone, clap::Args)]
#[non_exhaustive]
pub struct ServeArgs {
    /// Address to listen on (`0.0.0.0` for every interface: then other machines reach the
    /// mock, and its control API at /_mock requires a control token, generated unless
    /// --control-token gives one).
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
    /// The supplier's OAuth login page, where NOX's app page (`/app`) sends a user who
    /// picks the supplier (the NOX-initiated link). NOX's redirect URL for it is
    /// `<public URL>/app/return`.
    #[arg(long, value_name = "URL")]
    pub supplier_login_url: Option<String>,
    /// How long after a link completes its devices appear on the Package API (`30s`, `2m`).
    #[arg(long, value_name = "DURATION", default_value = "0", value_parser = parse_duration)]
    pub device_delay: Duration,
    /// A token every control request (/_mock…) must carry in `x-mock-control-token`
    /// (16 to 256 of A-Z a-z 0-9 . _ ~ -). Default: none on a loopback --host, a random
    /// one (printed) on any other.
    #[arg(
        long,
        value_name = "TOKEN",
        env = "NOX_MOCK_CONTROL_TOKEN",
        conflicts_with = "no_control_token"
    )]
    pub control_token: Option<String>,
    /// Leave the control API open on a non-loopback --host: anyone who reaches the mock
    /// can then read link sessions and drive it.
    #[arg(long)]
    pub no_control_token: bool,
    /// How long a request's body may take to arrive in full (`10s`); a body slower than
    /// 1 KiB/s after its first 2 seconds is refused sooner.
    #[arg(long, value_name = "DURATION", default_value = "10s", value_parser = parse_duration)]
    pub body_timeout: Duration,
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
        if self.session_ttl.is_zero()
            || self.header_timeout.is_zero()
            || self.body_timeout.is_zero()
        {
            return Err(Error::Config(
                "--session-ttl, --header-timeout and --body-timeout must be greater than zero"
                    .into(),
            ));
        }
        if let Some(token) = &self.control_token
            && !valid_token(token)
        {
            return Err(Error::Config(
                "--control-token must be 16 to 256 of A-Z a-z 0-9 . _ ~ -".into(),
            ));
        }
        let control_token = match &self.control_token {
            Some(token) => Some(token.clone()),
            None if self.host.is_loopback() || self.no_control_token => None,
            None => Some(random_token(16)),
        };
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
            control_token,
            body_timeout: self.body_timeout,
            supplier_login_url: self.supplier_login_url.clone(),
            ..MockConfig::default()
        })
    }

    /// Starts the mock; the error names the option refused or the address it could not
    /// listen on. On an address other machines reach, prints [`warning`] on stderr.
    pub async fn start(&self) -> Result<MockServer, Error> {
        let mock = MockServer::start_with(self.config()?).await?;
        if let Some(warning) = warning(&mock) {
            eprintln!("{warning}");
        }
        Ok(mock)
    }
}

/// A control token the options accept: long enough not to be guessed, and safe in a
/// header, a URL and a terminal.
fn valid_token(token: &str) -> bool {
    (16..=256).contains(&token.len())
        && token
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"._~-".contains(&b))
}

/// What a mock listening beyond this machine warns of, naming the risk; `None` on a
/// loopback address.
pub fn warning(mock: &MockServer) -> Option<String> {
    let addr = mock.addr();
    if addr.ip().is_loopback() {
        return None;
    }
    let control = if mock.control_token().is_some() {
        "its control API at /_mock requires the control token printed below"
    } else {
        "its control API at /_mock is open to them (--no-control-token): anyone who reaches it can read every link session and its token, complete links and arm faults"
    };
    Some(format!(
        "nox-mock: warning: listening on {addr}, which other machines can reach. The mock is a test double with a printed API key, not a service to expose; {control}."
    ))
}

/// clap's error message (plain text), every line escaped and cut at 400 characters: it
/// quotes the argument values as typed, which may hold terminal escape sequences. Both
/// programs (`nox-mock`, `nox`) print their usage errors through it.
///
/// ```
/// use clap::Parser;
/// #[derive(Parser, Debug)]
/// struct Args { #[arg(long)] port: u16 }
/// let e = Args::try_parse_from(["x", "--port", "\u{1b}]0;owned\u{7}"]).unwrap_err();
/// let text = nox_mock::cli::usage_error(&e);
/// assert!(!text.contains('\u{1b}') && !text.contains('\u{7}'));
/// ```
pub fn usage_error(e: &clap::Error) -> String {
    e.render()
        .to_string()
        .trim_end()
        .lines()
        .map(|line| nox_auth::nox_auth_runtime::text::excerpt(line, 400))
        .collect::<Vec<_>>()
        .join("\n")
}

/// What a started mock prints, one line each: the address it really listens on, its key,
/// the base URL of its `link_url`s when that is another, its control token when it has
/// one, the inspector, and a one-line example.
pub fn banner(mock: &MockServer) -> Vec<String> {
    let listening = format!("http://{}", mock.addr());
    let mut lines = vec![
        format!("nox-mock listening on {listening}"),
        format!("api key: {}", mock.api_key()),
    ];
    if mock.base_url() != listening {
        lines.push(format!("base url: {}", mock.base_url()));
    }
    let inspector = match mock.control_token() {
        Some(token) => {
            lines.push(format!("control token: {token}"));
            format!("{}/_mock?control_token={token}", mock.base_url())
        }
        None => format!("{}/_mock", mock.base_url()),
    };
    lines.push(format!("inspector: {inspector}"));
    lines.push(format!(
        "try: curl -s -X POST {}{} -H 'x-api-key: {}' -H 'content-type: application/json' -d '{{\"user_id\":\"u1\",\"asset_type\":\"hp\",\"redirect_url\":\"https://example.com/cb\"}}'",
        mock.base_url(),
        nox_auth::Operation::CreateSupplierLinkSession.path(),
        mock.api_key()
    ));
    lines
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
            control_token: None,
            no_control_token: false,
            body_timeout: DEFAULT_BODY_TIMEOUT,
            supplier_login_url: None,
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
        // Beyond loopback the control API gets a token unless told otherwise.
        assert_eq!(args.config().unwrap().control_token.unwrap().len(), 32);
        let open = ServeArgs {
            no_control_token: true,
            ..args.clone()
        };
        assert!(open.config().unwrap().control_token.is_none());
        assert!(
            ServeArgs::default()
                .config()
                .unwrap()
                .control_token
                .is_none()
        );
        for (token, ok) in [
            ("short", false),
            ("a-team-token-of-20c", true),
            ("with space in it 1234", false),
        ] {
            let args = ServeArgs {
                control_token: Some(token.into()),
                ..ServeArgs::default()
            };
            assert_eq!(args.config().is_ok(), ok, "{token}");
        }
        let bad = ServeArgs {
            public_url: Some("ftp://x".into()),
            ..ServeArgs::default()
        };
        assert!(bad.config().is_err());
    }
}
