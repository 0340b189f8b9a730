//! The state every handler shares.

use std::ops::Deref;
use std::sync::Arc;

use crate::faults::Faults;
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
}

impl Deref for App {
    type Target = AppInner;
    fn deref(&self) -> &AppInner {
        &self.0
    }
}
