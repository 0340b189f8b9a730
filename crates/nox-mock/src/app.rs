//! The state every handler shares.

use std::net::SocketAddr;
use std::ops::Deref;
use std::sync::Arc;
use std::time::Duration;

use crate::faults::Faults;
use crate::nox_app::NoxApp;
use crate::store::Store;

/// State shared by every handler.
#[derive(Clone)]
pub(crate) struct App(pub(crate) Arc<AppInner>);

pub(crate) struct AppInner {
    pub(crate) store: Store,
    pub(crate) api_key: String,
    pub(crate) base_url: String,
    pub(crate) supplier_name: String,
    pub(crate) supplier_id: String,
    pub(crate) manufacturer_name: String,
    pub(crate) faults: Faults,
    /// The address listened on.
    pub(crate) bound: SocketAddr,
    /// The host of the configured public URL, lowercase (a `Host` the control API answers).
    pub(crate) public_host: Option<String>,
    /// The token every control request must carry, if one is set.
    pub(crate) control_token: Option<String>,
    /// How long a request's body may take in full.
    pub(crate) body_timeout: Duration,
    /// The NOX-initiated link's authentications (their own lock).
    pub(crate) nox_app: NoxApp,
}

impl AppInner {
    /// Forgets every session, NOX user, device, logged request and authentication.
    pub(crate) fn reset(&self) {
        self.store.reset();
        self.nox_app.reset();
    }
}

impl Deref for App {
    type Target = AppInner;
    fn deref(&self) -> &AppInner {
        &self.0
    }
}
