//! The base URL rule: absolute, `https` (or `http` to a loopback host), no credentials,
//! query or fragment; and how a URL someone typed is shown without its credentials.

use nox_auth_runtime::text::excerpt;
use url::{Host, Url};

use crate::error::ConfigError;

/// NOX's production Package API (the device endpoints, under `/v1`).
pub const DEFAULT_PACKAGE_BASE_URL: &str = "https://api.nox.energy";
/// NOX's sandbox Package API, the default beside the sandbox Authenticator.
pub const SANDBOX_PACKAGE_BASE_URL: &str = "https://api.sandbox.nox.energy";

/// Parses and checks a base URL: absolute, `https` (or `http` to a loopback host), no
/// credentials, query or fragment.
pub(crate) fn parse_base_url(input: &str) -> Result<Url, ConfigError> {
    let invalid = |reason: &str| ConfigError::InvalidBaseUrl {
        // Never echo credentials someone put into the URL.
        url: excerpt(&redact_userinfo(input), 200),
        reason: reason.to_owned(),
    };
    let url = Url::parse(input.trim()).map_err(|e| invalid(&e.to_string()))?;
    if !url.username().is_empty() || url.password().is_some() {
        return Err(invalid(
            "credentials in the URL are not allowed; use the API key",
        ));
    }
    if url.query().is_some() || url.fragment().is_some() {
        return Err(invalid("a base URL has no query or fragment"));
    }
    match url.scheme() {
        "https" => {}
        "http" if is_loopback(&url) => {}
        "http" => {
            return Err(invalid(
                "plain http is only allowed to a loopback host (127.0.0.1, [::1], localhost); use https",
            ));
        }
        other => return Err(invalid(&format!("scheme `{other}` is not http or https"))),
    }
    if url.host().is_none() {
        return Err(invalid("no host"));
    }
    Ok(url)
}

pub(crate) fn is_loopback(url: &Url) -> bool {
    match url.host() {
        Some(Host::Ipv4(ip)) => ip.is_loopback(),
        Some(Host::Ipv6(ip)) => ip.is_loopback(),
        Some(Host::Domain(d)) => d.eq_ignore_ascii_case("localhost"),
        None => false,
    }
}

/// The URL text with everything between `://` and the **last** `@` replaced, so that
/// a password containing `@` (or `/`, `?`, typed unencoded) is hidden whole. An `@`
/// later in the path or query hides a little more than needed, never less. Used
/// wherever a URL someone typed is printed.
pub(crate) fn redact_userinfo(input: &str) -> String {
    match (input.find("://"), input.rfind('@')) {
        (Some(s), Some(at)) if at > s => {
            format!("{}://<redacted>@{}", &input[..s], &input[at + 1..])
        }
        _ => input.to_owned(),
    }
}

/// The Package API beside the Authenticator at `base_url`: NOX's production or sandbox
/// one for NOX's hosts; the same origin for anything else (a local mock or a proxy serves
/// both).
pub(crate) fn default_package_base_url(base_url: &Url) -> Url {
    // `auth.nox.energy.` (a fully qualified name) is the same host.
    let host = base_url.host_str().map(|h| h.trim_end_matches('.'));
    let known = match host {
        Some("auth.nox.energy") => Some(DEFAULT_PACKAGE_BASE_URL),
        Some("auth.sandbox.nox.energy") => Some(SANDBOX_PACKAGE_BASE_URL),
        _ => None,
    };
    // Anything else, path included (a proxy under `/nox/`): the base URL itself.
    known
        .and_then(|u| Url::parse(u).ok())
        .unwrap_or_else(|| base_url.clone())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn base_err(url: &str) -> String {
        parse_base_url(url).unwrap_err().to_string()
    }

    #[test]
    fn base_urls() {
        assert!(parse_base_url("https://auth.nox.energy").is_ok());
        assert!(parse_base_url("http://127.0.0.1:8080").is_ok());
        assert!(parse_base_url("http://127.8.9.10").is_ok());
        assert!(parse_base_url("http://[::1]:9").is_ok());
        assert!(parse_base_url("http://localhost:3000/nox").is_ok());
        assert!(base_err("http://auth.nox.energy").contains("only allowed to a loopback host"));
        assert!(base_err("http://192.168.1.2").contains("loopback"));
        assert!(base_err("ftp://x").contains("scheme `ftp`"));
        assert!(base_err("auth.nox.energy").contains("relative URL"));
        assert!(base_err("https://a.b/?x=1").contains("no query"));
        let e = base_err("https://user:hunter2@a.b/");
        assert!(e.contains("credentials") && !e.contains("hunter2"), "{e}");
        // `@` inside the password: the whole userinfo is hidden.
        for url in ["https://k:p@ss-SECRET@host", "https://k:p@ss/SECRET@host/x"] {
            let e = base_err(url);
            assert!(!e.contains("SECRET") && !e.contains("ss"), "{e}");
        }
        assert_eq!(
            redact_userinfo("https://k:p@ss-SECRET@host/p"),
            "https://<redacted>@host/p"
        );
        assert_eq!(redact_userinfo("no-scheme@host"), "no-scheme@host");
    }
}
