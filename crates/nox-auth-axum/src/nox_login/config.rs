//! [`NoxLoginConfig`]: what your login page for NOX knows in advance (your site's origin,
//! NOX's return URLs, your terms' version, the window, how NOX is told).

use std::time::Duration;

use axum::http::HeaderMap;

use super::error::NoxLoginError;

/// How long a login NOX started may take on your side, by default: NOX's guide says "an
/// authentication session can only last 15 minutes" (section 2.1), so a consent given
/// later would only be refused by NOX. Counted from the moment your login page first
/// received NOX's request; [`NoxLoginConfig::window`] changes it (shorter is fine; longer
/// only lets NOX refuse).
pub const NOX_LOGIN_WINDOW: Duration = Duration::from_secs(15 * 60);

/// The longest terms version kept, in bytes.
const MAX_TERMS_VERSION_LEN: usize = 64;

/// How NOX is told who logged in once the user accepted your terms.
///
/// ```
/// use nox_auth_axum::nox_login::ShareMode;
/// // The default: your server calls NOX with the API key.
/// assert_eq!(ShareMode::default(), ShareMode::ServerCall);
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub enum ShareMode {
    /// Your server calls `POST /post-login-redirect` with the API key
    /// (`Client::post_login_redirect`), then sends the browser back to NOX's return URL
    /// with the same `state`. The key never reaches the browser, and the
    /// `supplier_user_id` NOX records is the one your server vouches for (decision 37 of
    /// `specs/README.md`).
    #[default]
    ServerCall,
    /// The other reading of NOX's guide: the browser is sent to NOX's
    /// `/post-login-redirect` with a form post (`state` and `supplier_user_id` as form
    /// fields, *no key*), and NOX sends it on. The answer is a page whose form submits
    /// itself. Only for a NOX that documents this: nothing in such a post proves that
    /// *you* sent the `supplier_user_id` (the user can edit the form), so NOX would have
    /// to authenticate it some other way. The flow is otherwise the same (login, terms,
    /// CSRF, the window).
    BrowserFormPost {
        /// NOX's `/post-login-redirect` URL, e.g. `https://auth.nox.energy/post-login-redirect`.
        action: String,
    },
}

/// What your login page for NOX is configured with. Build it once and share it (it is
/// cheap to clone).
///
/// ```
/// use std::time::Duration;
/// use nox_auth_axum::nox_login::NoxLoginConfig;
///
/// let config = NoxLoginConfig::new(
///     "https://shop.example",                  // your site, as browsers see it
///     "https://app.nox.energy/oauth/return",   // NOX's return URL, as NOX configured it
///     "2025-01",                               // the version of the terms you show
/// )?
/// .window(Duration::from_secs(10 * 60));
/// assert_eq!(config.site_origin(), "https://shop.example");
/// # Ok::<(), nox_auth_axum::nox_login::NoxLoginError>(())
/// ```
#[derive(Debug, Clone)]
pub struct NoxLoginConfig {
    site_origin: String,
    /// NOX's return URLs: the text as configured, and parsed. The first is the default.
    return_urls: Vec<(String, url::Url)>,
    terms_version: String,
    window: Duration,
    share: ShareMode,
}

impl NoxLoginConfig {
    /// The config for your site at `site_url` (its origin is what a consent post must
    /// come from), NOX's return URL `nox_return_url` (the only URL the browser is ever
    /// sent back to, with those added by [`NoxLoginConfig::also_return_to`]; a request
    /// naming another is refused), and `terms_version`, the
    /// version of the terms your page shows (recorded with each acceptance). The window is
    /// [`NOX_LOGIN_WINDOW`], NOX is told by [`ShareMode::ServerCall`].
    ///
    /// Fails ([`NoxLoginError::Config`]) for a URL that is not absolute http(s) with a
    /// host, a return URL with a fragment, or an empty terms version (or one over 64
    /// printable ASCII characters).
    pub fn new(
        site_url: &str,
        nox_return_url: &str,
        terms_version: &str,
    ) -> Result<Self, NoxLoginError> {
        let config = |detail: String| NoxLoginError::Config { detail };
        let site = web_url(site_url).map_err(|e| config(format!("site URL: {e}")))?;
        let return_url = return_url(nox_return_url)?;
        let printable = terms_version.bytes().all(|b| (0x20..0x7f).contains(&b));
        if terms_version.trim().is_empty()
            || terms_version.len() > MAX_TERMS_VERSION_LEN
            || !printable
        {
            return Err(config(format!(
                "terms version: 1 to {MAX_TERMS_VERSION_LEN} printable ASCII characters"
            )));
        }
        Ok(NoxLoginConfig {
            site_origin: site.origin().ascii_serialization(),
            return_urls: vec![(nox_return_url.to_owned(), return_url)],
            terms_version: terms_version.to_owned(),
            window: NOX_LOGIN_WINDOW,
            share: ShareMode::ServerCall,
        })
    }

    /// How long a login NOX started may take here, from the first request to the consent
    /// (default [`NOX_LOGIN_WINDOW`]).
    pub fn window(mut self, window: Duration) -> Self {
        self.window = window;
        self
    }

    /// Another return URL NOX may name (exactly), e.g. one per NOX app or manufacturer:
    /// a request naming it is sent back to it; one naming none of them is refused. The
    /// first URL ([`NoxLoginConfig::new`]'s) stays the one used when a request names none.
    /// Fails ([`NoxLoginError::Config`]) as [`NoxLoginConfig::new`] does for its URL.
    ///
    /// ```
    /// # use nox_auth_axum::nox_login::NoxLoginConfig;
    /// let config = NoxLoginConfig::new("https://shop.example", "https://app.nox.energy/r", "1")?
    ///     .also_return_to("https://maker.example/nox/return")?;
    /// assert_eq!(config.nox_return_urls().count(), 2);
    /// # Ok::<(), nox_auth_axum::nox_login::NoxLoginError>(())
    /// ```
    pub fn also_return_to(mut self, nox_return_url: &str) -> Result<Self, NoxLoginError> {
        let url = return_url(nox_return_url)?;
        if !self.is_return_url(nox_return_url) {
            self.return_urls.push((nox_return_url.to_owned(), url));
        }
        Ok(self)
    }

    /// How NOX is told (default [`ShareMode::ServerCall`]).
    pub fn share(mut self, share: ShareMode) -> Self {
        self.share = share;
        self
    }

    /// Your site's origin (`scheme://host[:port]`), as browsers send it in `Origin`.
    pub fn site_origin(&self) -> &str {
        &self.site_origin
    }

    /// NOX's return URL, exactly as configured (the first, used when a request names
    /// none).
    pub fn nox_return_url(&self) -> &str {
        &self.return_urls[0].0
    }

    /// Every return URL NOX may name ([`NoxLoginConfig::also_return_to`]), the first
    /// first.
    pub fn nox_return_urls(&self) -> impl Iterator<Item = &str> {
        self.return_urls.iter().map(|(text, _)| text.as_str())
    }

    /// The version of the terms your page shows.
    pub fn terms_version(&self) -> &str {
        &self.terms_version
    }

    /// The window (see [`NoxLoginConfig::window`]).
    pub fn login_window(&self) -> Duration {
        self.window
    }

    /// How NOX is told.
    pub fn share_mode(&self) -> &ShareMode {
        &self.share
    }

    /// The configured return URL `return_url` (as configured) with `pairs` appended to
    /// its query (an existing query kept); `None` if it is not (or no longer) configured.
    pub(crate) fn return_with(&self, return_url: &str, pairs: &[(&str, &str)]) -> Option<String> {
        let (_, url) = self
            .return_urls
            .iter()
            .find(|(text, _)| text == return_url)?;
        let mut url = url.clone();
        url.query_pairs_mut().extend_pairs(pairs);
        Some(url.into())
    }

    /// Whether a POST comes from your site's own pages, by the server and not only by
    /// the browser's SameSite rule: `Sec-Fetch-Site: same-origin` where the browser sends
    /// it (every current one does), else an `Origin` equal to [`Self::site_origin`]. A
    /// request with neither comes from no browser (curl, a test) and carries no ambient
    /// cookie to abuse; the CSRF token is still required of it.
    ///
    /// ```
    /// use axum::http::HeaderMap;
    /// # let config = nox_auth_axum::nox_login::NoxLoginConfig::new(
    /// #     "https://shop.example", "https://nox.example/return", "1").unwrap();
    /// let mut headers = HeaderMap::new();
    /// headers.insert("origin", "https://evil.example".parse().unwrap());
    /// assert!(!config.is_same_origin(&headers));
    /// headers.insert("origin", "https://shop.example".parse().unwrap());
    /// assert!(config.is_same_origin(&headers));
    /// headers.insert("sec-fetch-site", "cross-site".parse().unwrap());
    /// assert!(!config.is_same_origin(&headers));
    /// ```
    pub fn is_same_origin(&self, headers: &HeaderMap) -> bool {
        let all = |name: &str| -> Vec<&str> {
            headers
                .get_all(name)
                .iter()
                .map(|v| v.to_str().unwrap_or("\u{0}"))
                .collect()
        };
        let fetch_site = all("sec-fetch-site");
        if !fetch_site.is_empty() {
            return fetch_site == ["same-origin"];
        }
        let origin = all("origin");
        origin.is_empty() || origin == [self.site_origin.as_str()]
    }

    /// Whether `redirect_uri` is one of NOX's return URLs, exactly as configured.
    pub(crate) fn is_return_url(&self, redirect_uri: &str) -> bool {
        self.return_urls
            .iter()
            .any(|(text, _)| text == redirect_uri)
    }
}

/// A return URL as configured: absolute http(s) with a host, no fragment.
fn return_url(text: &str) -> Result<url::Url, NoxLoginError> {
    let config = |detail: String| NoxLoginError::Config { detail };
    let url = web_url(text).map_err(|e| config(format!("NOX return URL: {e}")))?;
    if text.contains('#') {
        return Err(config("NOX return URL: has a fragment".into()));
    }
    Ok(url)
}

/// An absolute http(s) URL with a host.
fn web_url(text: &str) -> Result<url::Url, String> {
    let url = url::Url::parse(text).map_err(|e| format!("`{text}` does not parse: {e}"))?;
    if !matches!(url.scheme(), "http" | "https") || url.host().is_none() {
        return Err(format!("`{text}` is not an http(s) URL with a host"));
    }
    Ok(url)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_return_url_keeps_its_query_and_gets_the_state() {
        let c = NoxLoginConfig::new(
            "http://127.0.0.1:3000/",
            "https://nox.example/r?app=1",
            "v1",
        )
        .unwrap();
        assert_eq!(c.site_origin(), "http://127.0.0.1:3000");
        assert_eq!(
            c.return_with(
                "https://nox.example/r?app=1",
                &[("state", "a b&c"), ("error", "access_denied")]
            )
            .unwrap(),
            "https://nox.example/r?app=1&state=a+b%26c&error=access_denied"
        );
        assert_eq!(c.return_with("https://nox.example/r", &[]), None);
        assert!(c.is_return_url("https://nox.example/r?app=1"));
        assert!(!c.is_return_url("https://nox.example/r?app=1&x"));
        assert!(!c.is_return_url("https://NOX.example/r?app=1"));
        let c = c.also_return_to("https://maker.example/back").unwrap();
        assert!(c.is_return_url("https://maker.example/back"));
        assert!(c.is_return_url("https://nox.example/r?app=1"));
        assert!(!c.is_return_url("https://maker.example/back/"));
        assert_eq!(c.nox_return_url(), "https://nox.example/r?app=1");
        assert!(
            c.clone()
                .also_return_to("https://maker.example/b#x")
                .is_err()
        );
    }

    #[test]
    fn bad_configs_are_refused() {
        for (site, ret, terms) in [
            ("shop.example", "https://nox.example/r", "1"),
            ("https://shop.example", "javascript:alert(1)", "1"),
            ("https://shop.example", "https://nox.example/r#x", "1"),
            ("https://shop.example", "https://nox.example/r", " "),
            ("https://shop.example", "https://nox.example/r", "v\n1"),
        ] {
            assert!(
                NoxLoginConfig::new(site, ret, terms).is_err(),
                "{site} {ret}"
            );
        }
    }
}
