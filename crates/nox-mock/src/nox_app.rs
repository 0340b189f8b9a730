//! NOX's side of the NOX-initiated link (section 2 of NOX's guide): the authentications
//! NOX starts when a user picks their energy supplier in NOX's app, and what the
//! supplier's `POST /post-login-redirect` does to them.
//!
//! An authentication names a NOX user who already has a heat pump at NOX (they turned NOX
//! on in NOX's or a manufacturer's app). NOX sends the browser to the supplier's login page
//! with `state` and `redirect_uri` (decision 36 of `specs/README.md`); the supplier's server
//! shares its user id with that `state` within 15 minutes (decision 38), once; from then on
//! the heat pump is listed by the Package API for that supplier user (under the
//! `user_id` [`PackageUserId`] names).

use std::collections::{HashMap, VecDeque};
use std::sync::{Mutex, MutexGuard};

use serde::Serialize;

use crate::device::DeviceKind;
use crate::store::{Store, random_token};

/// How long an authentication NOX started may wait for the supplier's
/// `POST /post-login-redirect`, in seconds: "An authentication session can only last 15
/// minutes" (NOX's guide, section 2.1).
pub const NOX_LOGIN_WINDOW_SECS: u64 = 15 * 60;

/// The most authentications kept; the oldest go first (each holds a few hundred bytes).
pub const MAX_AUTHORIZATIONS: usize = 10_000;

/// The longest login URL the mock accepts for the supplier, in bytes.
pub const MAX_LOGIN_URL_BYTES: usize = 2048;

/// An authentication NOX started for a user who chose the supplier in NOX's app.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct Authorization {
    /// The value NOX passes to the supplier's login page and expects back.
    pub state: String,
    /// Where NOX sends the browser: the supplier's login page with `state` and `redirect_uri`.
    pub authorize_url: String,
    /// NOX's user.
    pub nox_user_id: String,
    /// The heat pump NOX knows for that user.
    pub device_id: String,
    /// Its brand (a slug, as the heat-pump listing shows it).
    pub brand: String,
    /// When NOX started it (Unix seconds, mock clock).
    pub created_at: u64,
    /// When it stops accepting the supplier's call: `created_at` + 15 minutes.
    pub expires_at: u64,
    /// The supplier user id the supplier shared, once it has.
    pub supplier_user_id: Option<String>,
    /// When the supplier shared it.
    pub shared_at: Option<u64>,
}

/// Why NOX refuses a supplier's `POST /post-login-redirect`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ShareError {
    Unknown,
    Used,
    Expired,
}

impl ShareError {
    pub(crate) fn message(self) -> &'static str {
        match self {
            ShareError::Unknown => "state is unknown: NOX started no such authentication",
            ShareError::Used => "state was already used: the supplier user id was shared",
            ShareError::Expired => "state has expired: an authentication session lasts 15 minutes",
        }
    }
}

/// The authentications, and the supplier login page NOX sends users to.
#[derive(Debug, Default)]
pub(crate) struct NoxApp {
    inner: Mutex<Inner>,
}

#[derive(Debug, Default)]
struct Inner {
    login_url: Option<String>,
    by_state: HashMap<String, Authorization>,
    order: VecDeque<String>,
}

impl NoxApp {
    fn lock(&self) -> MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The supplier's login page: an absolute http(s) URL without a fragment.
    pub(crate) fn set_login_url(&self, url: &str) -> Result<(), String> {
        check_login_url(url)?;
        self.lock().login_url = Some(url.to_owned());
        Ok(())
    }

    pub(crate) fn login_url(&self) -> Option<String> {
        self.lock().login_url.clone()
    }

    /// What the user's choice of the supplier does at NOX: an authentication for a NOX
    /// user with one heat pump (`device_id` and `brand` given or made up), and the URL of
    /// the supplier's login page to send the browser to.
    pub(crate) fn start(
        &self,
        store: &Store,
        return_url: &str,
        device_id: Option<&str>,
        brand: Option<&str>,
    ) -> Result<Authorization, String> {
        let device_id = match device_id.map(str::trim) {
            Some("") => return Err("device_id must not be empty".into()),
            Some(d)
                if d.len() > crate::config::MAX_DEVICE_ID_BYTES || d.contains(char::is_control) =>
            {
                return Err(format!(
                    "device_id must be at most {} bytes, without control characters",
                    crate::config::MAX_DEVICE_ID_BYTES
                ));
            }
            Some(d) => d.to_owned(),
            None => format!("app-hp-{}", random_token(4)),
        };
        let brand: nox_auth::Brand = brand
            .unwrap_or("daikin")
            .parse()
            .map_err(|e: nox_auth::ValidationError| e.to_string())?;
        brand
            .check_asset_type(nox_auth::AssetType::Hp)
            .map_err(|e| e.to_string())?;
        let mut inner = self.lock();
        let Some(login_url) = inner.login_url.clone() else {
            return Err(
                "no supplier login page is configured (MockConfig::supplier_login_url, \
                 --supplier-login-url or POST /_mock/nox-app/supplier)"
                    .to_owned(),
            );
        };
        let state = random_token(16);
        let mut url = url::Url::parse(&login_url).map_err(|e| e.to_string())?;
        url.query_pairs_mut()
            .append_pair("state", &state)
            .append_pair("redirect_uri", return_url);
        let now = store.now();
        let auth = Authorization {
            state: state.clone(),
            authorize_url: url.into(),
            nox_user_id: format!("nox-{}", random_token(8)),
            device_id,
            brand: brand.slug().to_owned(),
            created_at: now,
            expires_at: now + NOX_LOGIN_WINDOW_SECS,
            supplier_user_id: None,
            shared_at: None,
        };
        inner.by_state.insert(state.clone(), auth.clone());
        inner.order.push_back(state);
        while inner.order.len() > MAX_AUTHORIZATIONS {
            if let Some(old) = inner.order.pop_front() {
                inner.by_state.remove(&old);
            }
        }
        Ok(auth)
    }

    /// The supplier's `POST /post-login-redirect`: the authentication named by `state`
    /// is mapped to `supplier_user_id`, once, within its 15 minutes; its heat pump is then
    /// listed for that user.
    pub(crate) fn share(
        &self,
        store: &Store,
        state: &str,
        supplier_user_id: &str,
    ) -> Result<Authorization, ShareError> {
        let now = store.now();
        let mut inner = self.lock();
        let auth = inner.by_state.get_mut(state).ok_or(ShareError::Unknown)?;
        if auth.supplier_user_id.is_some() {
            return Err(ShareError::Used);
        }
        if now >= auth.expires_at {
            return Err(ShareError::Expired);
        }
        auth.supplier_user_id = Some(supplier_user_id.to_owned());
        auth.shared_at = Some(now);
        let auth = auth.clone();
        drop(inner);
        let owner = store
            .devices
            .settings
            .user_id
            .owner(supplier_user_id, &auth.nox_user_id);
        store.devices.link(
            DeviceKind::HeatPump,
            owner,
            &auth.brand,
            std::slice::from_ref(&auth.device_id),
            now,
        );
        Ok(auth)
    }

    pub(crate) fn get(&self, state: &str) -> Option<Authorization> {
        self.lock().by_state.get(state).cloned()
    }

    /// Forgets every authentication (the login page stays configured).
    pub(crate) fn reset(&self) {
        let mut inner = self.lock();
        inner.by_state.clear();
        inner.order.clear();
    }
}

/// An absolute http(s) URL with a host and no fragment, at most [`MAX_LOGIN_URL_BYTES`].
fn check_login_url(url: &str) -> Result<(), String> {
    if url.len() > MAX_LOGIN_URL_BYTES {
        return Err(format!(
            "login_url must be at most {MAX_LOGIN_URL_BYTES} bytes"
        ));
    }
    let parsed = url::Url::parse(url).map_err(|e| format!("login_url is not a URL: {e}"))?;
    if !matches!(parsed.scheme(), "http" | "https") || parsed.host_str().is_none() {
        return Err("login_url must be an http(s) URL with a host".into());
    }
    if parsed.fragment().is_some() {
        return Err("login_url must not have a fragment".into());
    }
    Ok(())
}
