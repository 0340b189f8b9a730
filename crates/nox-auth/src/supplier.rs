//! Supplier operations: v2 link sessions, and the deprecated v1 `POST /users/{userId}/link`.

use nox_auth_runtime::Operation;

use crate::brand::{AssetType, Brand, Language};
use crate::client::Client;
use crate::error::{Error, ValidationError};
use crate::send::send;
use crate::session::SupplierLinkSession;
use crate::validate::{non_empty, redirect_url};

/// What to create a v2 supplier link session for.
///
/// ```
/// use nox_auth::{AssetType, Brand, Language, SupplierLinkRequest};
///
/// let req = SupplierLinkRequest::new("user-42", AssetType::Hp, "https://example.com/nox/callback")
///     .brand(Brand::Daikin)
///     .language(Language::En);
/// assert!(req.validate().is_ok());
///
/// // A PV link session cannot pre-select a heat-pump-only brand:
/// let bad = SupplierLinkRequest::new("user-42", AssetType::Pv, "https://example.com/cb").brand(Brand::Daikin);
/// assert!(bad.validate().unwrap_err().to_string().contains("not available for asset type `pv`"));
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct SupplierLinkRequest {
    /// Your id for the end-user (NOX's `user_id`, echoed back as `supplier_user_id`).
    pub user_id: String,
    /// Heat pump or PV inverter.
    pub asset_type: AssetType,
    /// Where NOX sends the user back to, with `?data=` (an absolute URL; app schemes allowed).
    pub redirect_url: String,
    /// A brand to pre-select; must be valid for `asset_type`.
    pub brand: Option<Brand>,
    /// The UI language (default Dutch).
    pub language: Language,
}

impl SupplierLinkRequest {
    /// A request with no pre-selected brand and the default language.
    pub fn new(
        user_id: impl Into<String>,
        asset_type: AssetType,
        redirect_url: impl Into<String>,
    ) -> Self {
        Self {
            user_id: user_id.into(),
            asset_type,
            redirect_url: redirect_url.into(),
            brand: None,
            language: Language::default(),
        }
    }

    /// Pre-selects a brand.
    pub fn brand(mut self, brand: Brand) -> Self {
        self.brand = Some(brand);
        self
    }

    /// Sets the UI language.
    pub fn language(mut self, language: Language) -> Self {
        self.language = language;
        self
    }

    /// The checks run before anything is sent: a user id, an absolute redirect URL, and
    /// a brand valid for the asset type.
    pub fn validate(&self) -> Result<(), ValidationError> {
        non_empty("user_id", &self.user_id)?;
        redirect_url("redirect_url", &self.redirect_url)?;
        if let Some(brand) = self.brand {
            brand.check_asset_type(self.asset_type)?;
        }
        Ok(())
    }
}

/// The v1 request body of `POST /users/{userId}/link` (feature `v1`).
#[cfg(feature = "v1")]
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct V1LinkRequest {
    /// v1's `redirect_uri`.
    pub redirect_uri: String,
    /// Free-form language code (v1 default `en`).
    pub language: Option<String>,
    /// One of the 13 v1 brands.
    pub brand: Option<Brand>,
}

#[cfg(feature = "v1")]
impl V1LinkRequest {
    /// A request with no language (v1's default `en`) and no brand.
    pub fn new(redirect_uri: impl Into<String>) -> Self {
        V1LinkRequest {
            redirect_uri: redirect_uri.into(),
            language: None,
            brand: None,
        }
    }

    /// Sets v1's free-form language code.
    pub fn language(mut self, language: impl Into<String>) -> Self {
        self.language = Some(language.into());
        self
    }

    /// Pre-selects one of the 13 v1 brands.
    pub fn brand(mut self, brand: Brand) -> Self {
        self.brand = Some(brand);
        self
    }
}

impl Client {
    /// Creates a v2 supplier link session (`POST /v2/supplier/link-sessions`).
    ///
    /// The request is validated first; an invalid one (e.g. a brand not valid for the
    /// asset type) fails with [`Error::Validation`] and nothing is sent.
    ///
    /// ```no_run
    /// # async fn run() -> Result<(), nox_auth::Error> {
    /// use nox_auth::{AssetType, Brand, Client, SupplierLinkRequest};
    ///
    /// let client = Client::from_env()?;
    /// let session = client
    ///     .create_supplier_link_session(
    ///         SupplierLinkRequest::new("user-42", AssetType::Hp, "https://example.com/nox/callback")
    ///             .brand(Brand::Vaillant),
    ///     )
    ///     .await?;
    /// println!("redirect the user to {} (valid until {:?})", session.link_url, session.times.expires_at);
    /// # Ok(()) }
    /// ```
    pub async fn create_supplier_link_session(
        &self,
        req: SupplierLinkRequest,
    ) -> Result<SupplierLinkSession, Error> {
        const OP: Operation = Operation::CreateSupplierLinkSession;
        req.validate()?;
        self.urls
            .check_redirect("redirect_url", &req.redirect_url)?;
        let (user_id, asset_type) = (req.user_id.clone(), req.asset_type);
        let body = nox_auth_v2::supplier::types::CreateSupplierLinkSessionRequest {
            user_id: req.user_id,
            asset_type: req.asset_type.into(),
            redirect_url: req.redirect_url,
            brand: req.brand.map(Into::into),
            language: req.language.into(),
        };
        let call = self.v2_supplier.create_supplier_link_session().body(body);
        let answer = send(&self.scrubber, OP, call.send()).await?;
        let session = SupplierLinkSession::from_generated(OP, &user_id, asset_type, answer)?;
        self.urls.check_link_url(OP, &session.link_url)?;
        Ok(session)
    }

    /// Creates a v1 link session (`POST /users/{userId}/link`; feature `v1`).
    #[cfg(feature = "v1")]
    ///
    /// Returns the generated v1 response type as is (every field is optional in v1).
    #[deprecated(
        since = "0.1.0",
        note = "NOX deprecated the v1 API; use `create_supplier_link_session` (POST /v2/supplier/link-sessions)"
    )]
    pub async fn create_link_session_v1(
        &self,
        user_id: &str,
        req: V1LinkRequest,
    ) -> Result<nox_auth_v1::supplier::types::LinkSessionResponse, Error> {
        const OP: Operation = Operation::CreateLinkSession;
        non_empty("user_id", user_id)?;
        redirect_url("redirect_uri", &req.redirect_uri)?;
        self.urls
            .check_redirect("redirect_uri", &req.redirect_uri)?;
        let brand = req.brand.map(TryInto::try_into).transpose()?;
        let mut body = nox_auth_v1::supplier::types::LinkSessionRequest::builder()
            .redirect_uri(req.redirect_uri)
            .brand(brand);
        if let Some(language) = req.language {
            body = body.language(language);
        }
        let call = self.v1_supplier.create_link_session().user_id(user_id);
        let answer = send(&self.scrubber, OP, call.body(body).send()).await?;
        if let Some(url) = answer.data.as_ref().and_then(|d| d.link_url.as_deref()) {
            self.urls.check_link_url(OP, url)?;
        }
        Ok(answer)
    }
}
