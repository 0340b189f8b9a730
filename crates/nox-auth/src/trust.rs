//! Which URLs a client trusts, both ways: the `redirect_url` it sends (an app scheme only
//! where the builder named it) and the `link_url` NOX answers (https on a NOX host, or a
//! loopback host for a local mock), since your backend sends the user's browser there.

use nox_auth_runtime::Operation;
use nox_auth_runtime::text::excerpt;
use url::Url;

use crate::base_url::is_loopback;
use crate::error::{Error, ValidationError};
use crate::validate::app_scheme;

/// The hosts NOX's docs show `link_url`s on (v2 production, the sandbox, v1), trusted
/// beside the configured base URL's own host.
pub const NOX_LINK_HOSTS: [&str; 3] =
    ["auth.nox.energy", "auth.sandbox.nox.energy", "link.nox.com"];

/// What a client was told to trust beyond the defaults.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct UrlPolicy {
    /// App schemes a `redirect_url` may use (`myapp`), lowercase.
    pub(crate) app_schemes: Vec<String>,
    /// Further hosts a `link_url` may be on.
    pub(crate) link_hosts: Vec<String>,
    /// The base URL's host and port, and whether it is a loopback host (a local mock).
    pub(crate) base_host: String,
    pub(crate) base_port: Option<u16>,
    pub(crate) base_is_loopback: bool,
}

impl UrlPolicy {
    pub(crate) fn new(base_url: &Url, app_schemes: &[String], link_hosts: &[String]) -> Self {
        UrlPolicy {
            app_schemes: app_schemes.iter().map(|s| s.to_ascii_lowercase()).collect(),
            link_hosts: link_hosts.iter().map(|h| h.to_ascii_lowercase()).collect(),
            base_host: base_url.host_str().unwrap_or_default().to_ascii_lowercase(),
            base_port: base_url.port_or_known_default(),
            base_is_loopback: is_loopback(base_url),
        }
    }

    /// A `redirect_url` (already checked by its request's `validate`) with an app scheme
    /// the builder did not name is refused before anything is sent.
    pub(crate) fn check_redirect(
        &self,
        field: &'static str,
        redirect_url: &str,
    ) -> Result<(), ValidationError> {
        match app_scheme(redirect_url) {
            Some(scheme) if !self.app_schemes.contains(&scheme) => {
                Err(ValidationError::AppSchemeNotAllowed {
                    field,
                    scheme: excerpt(&scheme, 32),
                })
            }
            _ => Ok(()),
        }
    }

    /// The `link_url` NOX answered must be `https` on a NOX host: the base URL's host and
    /// port, or [`NOX_LINK_HOSTS`] or a host the builder allowed on the default port;
    /// against a loopback base URL (a local mock), `http(s)` on a loopback host. Anything else (`javascript:`, another host) is
    /// [`Error::InvalidResponse`]: never a place to send the user's browser.
    pub(crate) fn check_link_url(&self, operation: Operation, link_url: &str) -> Result<(), Error> {
        let refuse = |why: &str| Error::InvalidResponse {
            operation,
            reason: format!("link_url `{}` {why}", excerpt(link_url, 120)),
        };
        let url = Url::parse(link_url).map_err(|e| refuse(&format!("is not a URL ({e})")))?;
        if self.base_is_loopback && is_loopback(&url) && matches!(url.scheme(), "http" | "https") {
            return Ok(());
        }
        if url.scheme() != "https" {
            return Err(refuse("is not https"));
        }
        if !url.username().is_empty() || url.password().is_some() {
            return Err(refuse("carries credentials"));
        }
        let host = url.host_str().unwrap_or_default().to_ascii_lowercase();
        let known_host = NOX_LINK_HOSTS.contains(&host.as_str()) || self.link_hosts.contains(&host);
        let trusted = (host == self.base_host && url.port_or_known_default() == self.base_port)
            || (known_host && url.port().is_none());
        if trusted {
            Ok(())
        } else if host == self.base_host || known_host {
            Err(refuse("is on a NOX host but another port"))
        } else {
            Err(refuse(
                "is not on a NOX host (ClientBuilder::allow_link_host names another)",
            ))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn policy(base: &str) -> UrlPolicy {
        UrlPolicy::new(
            &Url::parse(base).unwrap(),
            &["MyApp".to_owned()],
            &["ui.partner.example".to_owned()],
        )
    }

    #[test]
    fn link_urls() {
        let op = Operation::CreateSupplierLinkSession;
        let prod = policy("https://auth.nox.energy");
        for ok in [
            "https://auth.nox.energy/ui?token=t",
            "https://auth.nox.energy:443/ui?token=t",
            "https://link.nox.com/connect?token=t",
            "https://auth.sandbox.nox.energy/?token=t",
            "https://ui.partner.example/x",
        ] {
            assert!(prod.check_link_url(op, ok).is_ok(), "{ok}");
        }
        for bad in [
            "javascript:alert(1)",
            "http://auth.nox.energy/ui",
            "https://evil.example/ui",
            "https://auth.nox.energy.evil.example/ui",
            "https://auth.nox.energy:8443/ui",
            "https://link.nox.com:444/connect",
            "https://ui.partner.example:8080/x",
            "https://user:pw@auth.nox.energy/ui",
            "http://127.0.0.1:8080/ui",
            "not a url",
        ] {
            let e = prod.check_link_url(op, bad).unwrap_err();
            assert!(matches!(e, Error::InvalidResponse { .. }), "{bad}: {e}");
        }
        let mock = policy("http://127.0.0.1:8080");
        assert!(
            mock.check_link_url(op, "http://127.0.0.1:8080/ui?token=t")
                .is_ok()
        );
        assert!(mock.check_link_url(op, "http://evil.example/ui").is_err());
        assert!(mock.check_link_url(op, "javascript:alert(1)").is_err());
    }

    #[test]
    fn app_schemes_only_where_named() {
        let p = policy("https://auth.nox.energy");
        assert!(p.check_redirect("redirect_url", "myapp://nox/cb").is_ok());
        assert!(
            p.check_redirect("redirect_url", "https://shop.example/cb")
                .is_ok()
        );
        let e = p.check_redirect("redirect_url", "ms-msdt://x").unwrap_err();
        assert!(
            e.to_string().contains("allow_app_scheme(\"ms-msdt\")"),
            "{e}"
        );
    }
}
