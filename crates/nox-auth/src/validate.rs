//! Field checks shared by the request types.

use nox_auth_runtime::text::excerpt;

use crate::error::ValidationError;

/// Refuses an empty (or all-whitespace) value.
pub(crate) fn non_empty(field: &'static str, value: &str) -> Result<(), ValidationError> {
    if value.trim().is_empty() {
        Err(ValidationError::Empty { field })
    } else {
        Ok(())
    }
}

/// Checks a `redirect_url` the way every request of this SDK does before sending it
/// (and the way `nox-mock` does on arrival): an absolute URL to a place a user can be
/// sent back to. `https` with a host; plain `http` only to a loopback host (the callback
/// carries the user's and devices' ids); an app scheme (`myapp://…`) by its form, which a
/// [`Client`](crate::Client) then accepts only where it was named
/// (`ClientBuilder::allow_app_scheme`). The schemes in [`REFUSED_REDIRECT_SCHEMES`] never.
///
/// ```
/// use nox_auth::validate_redirect_url;
/// assert!(validate_redirect_url("https://example.com/nox/callback").is_ok());
/// assert!(validate_redirect_url("http://127.0.0.1:3000/nox/callback").is_ok());
/// assert!(validate_redirect_url("http://shop.example/nox/callback").is_err());
/// assert!(validate_redirect_url("myapp://nox/callback").is_ok());
/// assert!(validate_redirect_url("javascript://%0aalert(1)").is_err());
/// assert!(validate_redirect_url("file:///etc/passwd").is_err());
/// ```
pub fn validate_redirect_url(value: &str) -> Result<(), ValidationError> {
    redirect_url("redirect_url", value)
}

/// Schemes a browser runs or reads locally instead of navigating to a server or an app:
/// never a place to send a user back to.
pub const REFUSED_REDIRECT_SCHEMES: [&str; 6] =
    ["javascript", "data", "file", "vbscript", "blob", "about"];

/// Refuses anything but an absolute URL to a place a user can be sent back to. App
/// schemes (`myapp://cb`) are allowed, since mobile apps receive the callback as a deep
/// link; [`REFUSED_REDIRECT_SCHEMES`] and `http(s)` without a host are refused.
pub(crate) fn redirect_url(field: &'static str, value: &str) -> Result<(), ValidationError> {
    non_empty(field, value)?;
    let invalid = |reason: String| ValidationError::InvalidUrl {
        field,
        input: excerpt(value, 200),
        reason,
    };
    let url = url::Url::parse(value).map_err(|e| invalid(e.to_string()))?;
    if REFUSED_REDIRECT_SCHEMES.contains(&url.scheme()) {
        return Err(invalid(format!(
            "the `{}` scheme is not a place to send a user back to",
            url.scheme()
        )));
    }
    if url.cannot_be_a_base() && url.scheme() != "urn" {
        return Err(invalid("no `//` authority or path".into()));
    }
    if url.scheme() == "http" && !crate::base_url::is_loopback(&url) {
        return Err(invalid(
            "plain http only to a loopback host (127.0.0.1, [::1], localhost); the callback carries the user's and devices' ids: use https"
                .into(),
        ));
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(invalid(
            "credentials (`user@`) in the URL: they would travel to NOX and back in the callback"
                .into(),
        ));
    }
    if url.fragment().is_some() {
        return Err(invalid(
            "a `#fragment`: NOX appends `data` to the URL, and after a fragment it never reaches your server"
                .into(),
        ));
    }
    if url.query_pairs().any(|(k, _)| k == "data") {
        return Err(invalid(
            "a `data` parameter of its own: NOX adds `data`, and the callback would carry two"
                .into(),
        ));
    }
    if matches!(url.scheme(), "http" | "https") {
        // The URL parser repairs `https:///cb` and `http:cb` into `https://cb/`; a
        // browser or NOX may read them otherwise, so the text itself must name a host.
        let text = value.trim();
        let after_scheme = text.get(url.scheme().len()..).unwrap_or_default();
        let names_host = after_scheme
            .strip_prefix("://")
            .is_some_and(|rest| !rest.starts_with(['/', '\\']) && !rest.is_empty());
        if url.host().is_none() || !names_host {
            return Err(invalid("no host".into()));
        }
    }
    Ok(())
}

/// The app scheme of a `redirect_url` that [`redirect_url`] accepted (`myapp`), lowercase;
/// `None` for `http(s)`.
pub(crate) fn app_scheme(value: &str) -> Option<String> {
    let url = url::Url::parse(value.trim()).ok()?;
    (!matches!(url.scheme(), "http" | "https")).then(|| url.scheme().to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redirect_urls() {
        for ok in [
            "https://a.example/cb?x=1",
            "myapp://nox/callback",
            "http://127.0.0.1:3000/cb",
        ] {
            assert!(redirect_url("redirect_url", ok).is_ok(), "{ok}");
        }
        for bad in [
            "",
            "  ",
            "/callback",
            "example.com/cb",
            "mailto:x@y.z",
            "javascript://%0aalert(1)",
            "JavaScript://%0aalert(1)",
            " javascript:alert(1)",
            "data://text/html,<script>alert(1)</script>",
            "data:text/html,x",
            "file:///etc/passwd",
            "vbscript://x",
            "blob:https://a.example/1",
            "https:///cb",
            "http:cb",
            "http://shop.example/cb",
            "http://10.0.0.1/cb",
            "https://a.example/cb#done",
            "https://a.example/cb#",
            "https://a.example/cb?data=mine",
            "https://a.example/cb?x=1&data=",
            "https://user:pw@a.example/cb",
            "https://a.example@evil.example/cb",
        ] {
            assert!(redirect_url("redirect_url", bad).is_err(), "{bad}");
        }
        let e = redirect_url("redirect_url", "https://a.example/cb#x").unwrap_err();
        assert!(e.to_string().contains("fragment"), "{e}");
        let e = redirect_url("redirect_url", "https://a.example/cb?data=1").unwrap_err();
        assert!(e.to_string().contains("`data` parameter"), "{e}");
    }
}
