//! Manufacturer operations: v2 link sessions and device connections, and the two
//! deprecated v1 operations.

use nox_auth_runtime::Operation;

use crate::brand::Language;
use crate::client::Client;
use crate::error::{Error, ValidationError};
use crate::send::send;
use crate::session::{DeviceConnection, ManufacturerLinkSession};
use crate::validate::{non_empty, redirect_url};

/// What to create a v2 manufacturer link session for.
///
/// ```
/// use nox_auth::{Language, ManufacturerLinkRequest};
/// let req = ManufacturerLinkRequest::new("mfr-user-7", "myapp://nox/callback").language(Language::Fr);
/// assert!(req.validate().is_ok());
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct ManufacturerLinkRequest {
    /// Your id for the end-user.
    pub user_id: String,
    /// Where NOX sends the user back to (an absolute URL; app schemes allowed).
    pub redirect_url: String,
    /// The UI language (default Dutch).
    pub language: Language,
}

impl ManufacturerLinkRequest {
    /// A request with the default language.
    pub fn new(user_id: impl Into<String>, redirect_url: impl Into<String>) -> Self {
        Self {
            user_id: user_id.into(),
            redirect_url: redirect_url.into(),
            language: Language::default(),
        }
    }

    /// Sets the UI language.
    pub fn language(mut self, language: Language) -> Self {
        self.language = language;
        self
    }

    /// The checks run before anything is sent.
    pub fn validate(&self) -> Result<(), ValidationError> {
        non_empty("user_id", &self.user_id)?;
        redirect_url("redirect_url", &self.redirect_url)
    }
}

impl Client {
    /// Creates a v2 manufacturer link session (`POST /v2/manufacturer/link-sessions`).
    ///
    /// ```no_run
    /// # async fn run() -> Result<(), nox_auth::Error> {
    /// use nox_auth::{Client, ManufacturerLinkRequest};
    /// let client = Client::from_env()?;
    /// let session = client
    ///     .create_manufacturer_link_session(ManufacturerLinkRequest::new("mfr-user-7", "https://example.com/cb"))
    ///     .await?;
    /// println!("{}", session.link_url);
    /// # Ok(()) }
    /// ```
    pub async fn create_manufacturer_link_session(
        &self,
        req: ManufacturerLinkRequest,
    ) -> Result<ManufacturerLinkSession, Error> {
        const OP: Operation = Operation::CreateManufacturerLinkSession;
        req.validate()?;
        self.urls
            .check_redirect("redirect_url", &req.redirect_url)?;
        let user_id = req.user_id.clone();
        let body = nox_auth_v2::manufacturer::types::CreateManufacturerLinkSessionRequest {
            user_id: req.user_id,
            redirect_url: req.redirect_url,
            language: req.language.into(),
        };
        let call = self.v2_manufacturer.create_manufacturer_link_session();
        let answer = send(&self.scrubber, OP, call.body(body).send()).await?;
        let session = ManufacturerLinkSession::from_generated(OP, &user_id, answer)?;
        self.urls.check_link_url(OP, &session.link_url)?;
        Ok(session)
    }

    /// Registers a device connection for your user (`POST /v2/manufacturer/device-connections`).
    ///
    /// ```no_run
    /// # async fn run() -> Result<(), nox_auth::Error> {
    /// let client = nox_auth::Client::from_env()?;
    /// let conn = client.create_manufacturer_device_connection("mfr-user-7").await?;
    /// println!("NOX knows this user as {}", conn.nox_user_id);
    /// # Ok(()) }
    /// ```
    pub async fn create_manufacturer_device_connection(
        &self,
        user_id: impl Into<String>,
    ) -> Result<DeviceConnection, Error> {
        const OP: Operation = Operation::CreateManufacturerDeviceConnection;
        let user_id = user_id.into();
        non_empty("user_id", &user_id)?;
        let body = nox_auth_v2::manufacturer::types::CreateManufacturerDeviceConnectionRequest {
            user_id: user_id.clone(),
        };
        let call = self.v2_manufacturer.create_manufacturer_device_connection();
        let r = send(&self.scrubber, OP, call.body(body).send()).await?;
        Ok(DeviceConnection {
            user_id: crate::session::same_user(
                OP,
                "manufacturer_user_id",
                &user_id,
                r.manufacturer_user_id,
            )?,
            nox_user_id: r.nox_user_id,
        })
    }

    /// v1 `POST /manufacturers/nox`: connects your user and devices without a supplier
    /// (feature `v1`).
    #[cfg(feature = "v1")]
    #[deprecated(
        since = "0.1.0",
        note = "NOX deprecated the v1 API; use `create_manufacturer_device_connection` (POST /v2/manufacturer/device-connections)"
    )]
    pub async fn connect_nox_manufacturer_v1(
        &self,
        user_id: &str,
        device_ids: Vec<String>,
    ) -> Result<nox_auth_v1::manufacturer::types::NoxManufacturerConnectionResponse, Error> {
        const OP: Operation = Operation::ConnectNoxManufacturer;
        non_empty("manufacturer_user_id", user_id)?;
        let body = nox_auth_v1::manufacturer::types::NoxManufacturerConnectionRequest {
            manufacturer_user_id: user_id.to_owned(),
            device_ids,
        };
        let call = self.v1_manufacturer.connect_nox_manufacturer();
        send(&self.scrubber, OP, call.body(body).send()).await
    }

    /// v1 `POST /manufacturers/suppliers`: starts the supplier OAuth flow for your user
    /// (feature `v1`).
    #[cfg(feature = "v1")]
    #[deprecated(
        since = "0.1.0",
        note = "NOX deprecated the v1 API; use `create_manufacturer_link_session` (POST /v2/manufacturer/link-sessions)"
    )]
    pub async fn connect_supplier_manufacturer_v1(
        &self,
        user_id: &str,
        redirect: &str,
        language: Option<&str>,
        device_ids: Vec<String>,
    ) -> Result<nox_auth_v1::manufacturer::types::SupplierManufacturerConnectionResponse, Error>
    {
        const OP: Operation = Operation::ConnectSupplierManufacturer;
        non_empty("manufacturer_user_id", user_id)?;
        redirect_url("redirect_url", redirect)?;
        self.urls.check_redirect("redirect_url", redirect)?;
        let body = nox_auth_v1::manufacturer::types::SupplierManufacturerConnectionRequest {
            manufacturer_user_id: user_id.to_owned(),
            redirect_url: redirect.to_owned(),
            language: language.unwrap_or("en").to_owned(),
            device_ids,
        };
        let call = self.v1_manufacturer.connect_supplier_manufacturer();
        let answer = send(&self.scrubber, OP, call.body(body).send()).await?;
        if let Some(url) = answer.data.as_ref().and_then(|d| d.link_url.as_deref()) {
            self.urls.check_link_url(OP, url)?;
        }
        Ok(answer)
    }
}
