//! [`Client`]: the generated clients behind one configured origin, and the defaults its
//! [`ClientBuilder`](crate::ClientBuilder) starts from.

use std::fmt;
use std::time::Duration;

use url::Url;

use crate::trust::UrlPolicy;

/// NOX's production Authenticator. v1 lives at its root, v2 under `/v2`.
pub const DEFAULT_BASE_URL: &str = "https://auth.nox.energy";
/// Default time to establish a connection.
pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
/// Default time for one whole attempt (connect, send, answer).
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);
/// Default time for a whole call: every attempt and every wait between them.
pub const DEFAULT_DEADLINE: Duration = Duration::from_secs(60);
/// The environment variable [`Client::from_env`] reads the API key from.
pub const ENV_API_KEY: &str = "NOX_API_KEY";
/// The environment variable [`Client::from_env`] reads an optional base URL from.
pub const ENV_BASE_URL: &str = "NOX_BASE_URL";
/// The environment variable [`Client::from_env`] reads an optional Package API base URL from.
pub const ENV_PACKAGE_BASE_URL: &str = "NOX_PACKAGE_BASE_URL";
/// The environment variable [`Client::from_env`] reads an optional Package API key from
/// (unset: the Authenticator key is used for the Package API too).
pub const ENV_PACKAGE_API_KEY: &str = "NOX_PACKAGE_API_KEY";
/// The most bytes of one listing page that are read: 4,000 devices of NOX's example (~0.7
/// KB each) fit three times over; a larger page is
/// [`TransportKind::TooLarge`](crate::TransportKind::TooLarge). A page is decoded whole
/// before its item count is checked, so the bound also bounds memory: at worst (tiny items
/// of a few bytes, each decoded into a ~300-byte struct) about 150 MiB for one page.
pub const MAX_PAGE_BYTES: usize = 8 * 1024 * 1024;

/// A client for NOX's Authenticator API, v2 and the deprecated v1, and for the Package
/// API's device endpoints (another origin, possibly another key).
///
/// Cheap to clone (the connection pool is shared). `Debug` never shows the API key.
///
/// ```
/// let client = nox_auth::Client::builder()
///     .api_key("my-secret-key")
///     .build()?;
/// assert_eq!(client.base_url().as_str(), "https://auth.nox.energy/");
/// assert!(!format!("{client:?}").contains("my-secret-key"));
/// # Ok::<(), nox_auth::Error>(())
/// ```
#[derive(Clone)]
pub struct Client {
    #[cfg(feature = "v1")]
    pub(crate) v1_supplier: nox_auth_v1::supplier::Client,
    #[cfg(feature = "v1")]
    pub(crate) v1_manufacturer: nox_auth_v1::manufacturer::Client,
    pub(crate) v2_supplier: nox_auth_v2::supplier::Client,
    pub(crate) v2_manufacturer: nox_auth_v2::manufacturer::Client,
    pub(crate) v2_supplier_oauth: nox_auth_v2::supplier_oauth::Client,
    pub(crate) package: nox_package_v1::devices::Client,
    pub(crate) base_url: Url,
    pub(crate) package_base_url: Url,
    /// The URLs it trusts beyond the defaults (app schemes, link hosts).
    pub(crate) urls: std::sync::Arc<UrlPolicy>,
    /// Its keys, to take out of any error text built from an answer.
    pub(crate) scrubber: std::sync::Arc<nox_auth_runtime::text::Scrubber>,
}

impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Client")
            .field("base_url", &self.base_url.as_str())
            // All four generated clients share one runtime (its Debug redacts the key).
            .field(
                "runtime",
                progenitor_client::ClientInfo::inner(&self.v2_supplier),
            )
            .finish_non_exhaustive()
    }
}

impl Client {
    // `Client::builder` and `Client::from_env` are in `builder.rs`, beside what they build.

    /// The base URL (v1 operations go to its root, v2 to `<base>/v2`).
    pub fn base_url(&self) -> &Url {
        &self.base_url
    }

    /// The Package API's base URL (the device endpoints are under `/v1`).
    pub fn package_base_url(&self) -> &Url {
        &self.package_base_url
    }

    /// The generated Package API client (device endpoints).
    pub fn package(&self) -> &nox_package_v1::devices::Client {
        &self.package
    }

    /// The generated v1 supplier client, for anything the facade does not wrap
    /// (feature `v1`).
    #[cfg(feature = "v1")]
    pub fn v1_supplier(&self) -> &nox_auth_v1::supplier::Client {
        &self.v1_supplier
    }

    /// The generated v1 manufacturer client (feature `v1`).
    #[cfg(feature = "v1")]
    pub fn v1_manufacturer(&self) -> &nox_auth_v1::manufacturer::Client {
        &self.v1_manufacturer
    }

    /// The generated v2 supplier client.
    pub fn v2_supplier(&self) -> &nox_auth_v2::supplier::Client {
        &self.v2_supplier
    }

    /// The generated v2 manufacturer client.
    pub fn v2_manufacturer(&self) -> &nox_auth_v2::manufacturer::Client {
        &self.v2_manufacturer
    }

    /// The generated client of the NOX-initiated link (`POST /post-login-redirect`, at the
    /// Authenticator's root).
    pub fn v2_supplier_oauth(&self) -> &nox_auth_v2::supplier_oauth::Client {
        &self.v2_supplier_oauth
    }
}
