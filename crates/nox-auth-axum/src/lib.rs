//! The NOX link flow inside an axum backend, on tower-sessions.
//!
//! Every integrator writes the same two handlers. The `?data=` callback is not signed, so
//! the second one is only safe if it (a) finds the link session of *the user logged in in
//! this browser*, (b) verifies the payload against it, (c) consumes it so the callback URL
//! cannot be replayed, and (d) survives a restart or a second instance of the backend.
//! [`start_supplier_link`] and [`finish_supplier_link`] do all four, keeping the pending link
//! session in the user's server-side session (any tower-sessions store: SQLite for one
//! machine, PostgreSQL for several instances; both from `tower-sessions-sqlx-store`);
//! [`start_manufacturer_link`] and [`finish_manufacturer_link`] do the same for manufacturers.
//!
//! ```no_run
//! use axum::extract::State;
//! use axum::response::{IntoResponse, Redirect, Response};
//! use nox_auth::{AssetType, Client, SupplierLinkRequest};
//! use nox_auth_axum::{LinkError, finish_supplier_link, start_supplier_link};
//! use tower_sessions::Session;
//!
//! # fn logged_in_user(_: &Session) -> String { String::new() }
//! async fn link(State(nox): State<Client>, session: Session) -> Result<Redirect, LinkError> {
//!     let user = logged_in_user(&session);
//!     let req = SupplierLinkRequest::new(user, AssetType::Hp, "https://example.com/nox/callback");
//!     start_supplier_link(&nox, &session, req).await
//! }
//!
//! async fn callback(session: Session, uri: axum::http::Uri) -> Response {
//!     let user = logged_in_user(&session);
//!     match finish_supplier_link(&session, &user, &uri.to_string()).await {
//!         Ok(linked) => format!("linked {:?}", linked.device_ids).into_response(),
//!         // A status and a sentence safe to show; the details go to `tracing`.
//!         Err(e) => e.into_response(),
//!     }
//! }
//! ```
//!
//! `crates/nox-auth-axum/examples/axum_backend.rs` is a whole site (login, link page,
//! result page) around these two handlers: `cargo run -p nox-auth-axum --example axum_backend`.
//!
//! # The session cookie must be `SameSite=Lax`
//!
//! tower-sessions' default is `Strict`, and a browser does not send a `Strict` cookie with
//! the navigation that comes back from NOX (another site): every callback would then find no
//! session ([`LinkError::NoSession`]). Set
//! `SessionManagerLayer::new(store).with_same_site(SameSite::Lax)`; `Lax` still keeps the
//! cookie off cross-site POSTs and sub-requests.
//!
//! # What single use means
//!
//! The finish functions remove the pending link session and save the removal before
//! anything else, so a callback URL opened again, in this browser or another, is refused
//! ([`LinkError::NoPendingLink`], 410), even when the first attempt failed verification.
//! tower-sessions has no atomic "take": two requests *racing* with the same session cookie
//! (the same browser, within milliseconds) can both read the pending session before either
//! saves. Both are then the same user finishing the same link, so record the connection
//! idempotently (by `link_token`).

#![warn(missing_docs)]
#![cfg_attr(docsrs, feature(doc_cfg))]

use std::time::SystemTime;

use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use nox_auth::callback::{self, CallbackError, VerifiedConnection, VerifyError, VerifyOptions};
use nox_auth::{
    Client, ManufacturerLinkRequest, ManufacturerLinkSession, SupplierLinkRequest,
    SupplierLinkSession,
};
use tower_sessions::Session;

/// The key under which a pending supplier link session is kept in the user's session.
pub const PENDING_SUPPLIER_KEY: &str = "nox_auth.pending_supplier_link";
/// The key under which a pending manufacturer link session is kept.
pub const PENDING_MANUFACTURER_KEY: &str = "nox_auth.pending_manufacturer_link";

/// The old name of [`PENDING_SUPPLIER_KEY`], kept until 0.3.
#[deprecated(since = "0.2.0", note = "renamed to `PENDING_SUPPLIER_KEY`")]
pub const PENDING_KEY: &str = PENDING_SUPPLIER_KEY;

/// Why a link could not be started or finished. Converts into an HTTP answer that says
/// what to do, never the details: those are in `Display`, which `into_response` logs
/// through `tracing`.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum LinkError {
    /// NOX refused or did not answer the link session request.
    #[error("creating the link session failed: {0}")]
    Nox(#[from] nox_auth::Error),
    /// The session store failed.
    #[error("the session store failed: {0}")]
    Store(#[from] tower_sessions::session::Error),
    /// The request came with no session the store knows: no session cookie at all (a
    /// `SameSite=Strict` session cookie is not sent when NOX redirects the browser back:
    /// use `SameSite::Lax`), or a session that expired or was deleted.
    #[error(
        "the callback came without a known session (no session cookie: is it SameSite=Strict? or the session expired)"
    )]
    NoSession,
    /// No link session is pending in this user's session: the callback was already used
    /// (a replay), or linking was never started in this browser.
    #[error("no link session is pending for this session (already used, or never started)")]
    NoPendingLink,
    /// The callback could not be read.
    #[error("the callback could not be read: {0}")]
    Callback(#[from] CallbackError),
    /// The pending link session belongs to another user than the one logged in now.
    #[error("the pending link session is for another user than the one logged in")]
    WrongUser,
    /// The callback failed verification against the pending link session (another
    /// user, expired, a brand not chosen…).
    #[error("the callback failed verification: {0}")]
    Verify(#[from] VerifyError),
}

impl LinkError {
    /// The HTTP status this error answers with: 400 (a bad request or callback), 403
    /// (another account's link, or a callback that fails verification), 410 (nothing
    /// pending: already used or never started; or expired), 500 (the session store), 502
    /// (NOX refused), 503 (NOX not reachable, worth a retry).
    pub fn status(&self) -> StatusCode {
        self.answer().0
    }

    /// A short sentence for the user, safe to show on a page: it says what to do and
    /// nothing of the details (user ids, NOX's answer, the store's error), which are in
    /// `Display` for your logs.
    pub fn public_message(&self) -> &'static str {
        self.answer().1
    }

    fn answer(&self) -> (StatusCode, &'static str) {
        match self {
            LinkError::Nox(e) if e.is_retryable() => (
                StatusCode::SERVICE_UNAVAILABLE,
                "NOX is not reachable right now. Please try again in a moment.",
            ),
            LinkError::Nox(nox_auth::Error::Validation(_)) => {
                (StatusCode::BAD_REQUEST, "This link request is not valid.")
            }
            LinkError::Nox(_) => (
                StatusCode::BAD_GATEWAY,
                "NOX could not start the link. Please try again later.",
            ),
            LinkError::Store(_) => (
                StatusCode::INTERNAL_SERVER_ERROR,
                "Something went wrong on our side. Please try again.",
            ),
            LinkError::NoSession => (
                StatusCode::GONE,
                "Your session was not found here (it may have expired). Start linking again.",
            ),
            LinkError::NoPendingLink => (
                StatusCode::GONE,
                "This link was already used or has not been started here. Start linking again.",
            ),
            LinkError::Callback(_) => (StatusCode::BAD_REQUEST, "This callback is not valid."),
            LinkError::WrongUser | LinkError::Verify(VerifyError::UserMismatch { .. }) => (
                StatusCode::FORBIDDEN,
                "This link belongs to another account.",
            ),
            LinkError::Verify(VerifyError::SessionExpired { .. }) => (
                StatusCode::GONE,
                "This link has expired. Start linking again.",
            ),
            LinkError::Verify(_) => (
                StatusCode::FORBIDDEN,
                "This callback could not be verified.",
            ),
        }
    }
}

/// [`LinkError::status`] with [`LinkError::public_message`] as plain text, and the details
/// (`Display`) logged as a `tracing` event: `error` for a 5xx, `warn` for a refused
/// callback. To show your own page instead, build it from `status` and `public_message`
/// (and log the error yourself).
impl IntoResponse for LinkError {
    fn into_response(self) -> Response {
        let (status, text) = self.answer();
        if status.is_server_error() {
            tracing::error!(status = status.as_u16(), error = %self, "NOX link failed");
        } else {
            tracing::warn!(status = status.as_u16(), error = %self, "NOX link refused");
        }
        (status, text).into_response()
    }
}

/// Creates a v2 supplier link session for `request` (whose `user_id` must be the user
/// logged in), keeps it as the pending link of `session` (replacing an earlier one), and
/// answers with the redirect (303) to NOX's Authenticator UI.
pub async fn start_supplier_link(
    client: &Client,
    session: &Session,
    request: SupplierLinkRequest,
) -> Result<Redirect, LinkError> {
    let link = client.create_supplier_link_session(request).await?;
    session.insert(PENDING_SUPPLIER_KEY, &link).await?;
    Ok(Redirect::to(&link.link_url))
}

/// [`finish_supplier_link_at`] with the current time and the default [`VerifyOptions`].
pub async fn finish_supplier_link(
    session: &Session,
    logged_in_user: &str,
    callback_url: &str,
) -> Result<VerifiedConnection, LinkError> {
    finish_supplier_link_at(
        session,
        logged_in_user,
        callback_url,
        SystemTime::now(),
        &VerifyOptions::default(),
    )
    .await
}

/// Finishes the link from the callback URL NOX sent the browser to: takes the pending
/// link session out of `session` (single use: a second request with the same URL finds
/// none, whatever the first one's outcome), checks that it is `logged_in_user`'s, decodes
/// `?data=` and verifies it at `now`.
pub async fn finish_supplier_link_at(
    session: &Session,
    logged_in_user: &str,
    callback_url: &str,
    now: SystemTime,
    options: &VerifyOptions,
) -> Result<VerifiedConnection, LinkError> {
    let pending: SupplierLinkSession = take_pending(
        session,
        PENDING_SUPPLIER_KEY,
        logged_in_user,
        |p: &SupplierLinkSession| &p.user_id,
    )
    .await?;
    let payload = callback::decode(callback_url)?;
    Ok(payload.verify_supplier_with(&pending, now, options)?)
}

/// Takes the pending link session out of `session` and saves the removal at once (a
/// replay must find nothing, whatever happens next), then checks it is the logged-in
/// user's. A session without an id (no cookie, or one the store does not know) is
/// [`LinkError::NoSession`].
async fn take_pending<T: serde::de::DeserializeOwned>(
    session: &Session,
    key: &str,
    logged_in_user: &str,
    user_of: impl Fn(&T) -> &String,
) -> Result<T, LinkError> {
    let Some(pending) = session.remove::<T>(key).await? else {
        // Loading the record leaves no id when there was no cookie, or an unknown one.
        return Err(if session.id().is_none() {
            LinkError::NoSession
        } else {
            LinkError::NoPendingLink
        });
    };
    session.save().await?;
    if user_of(&pending) != logged_in_user {
        return Err(LinkError::WrongUser);
    }
    Ok(pending)
}

/// The manufacturer flow's start: as [`start_supplier_link`], for a
/// `ManufacturerLinkRequest`.
pub async fn start_manufacturer_link(
    client: &Client,
    session: &Session,
    request: ManufacturerLinkRequest,
) -> Result<Redirect, LinkError> {
    let link = client.create_manufacturer_link_session(request).await?;
    session.insert(PENDING_MANUFACTURER_KEY, &link).await?;
    Ok(Redirect::to(&link.link_url))
}

/// The manufacturer flow's finish: as [`finish_supplier_link_at`], verified with
/// `CallbackPayload::verify_manufacturer_with`.
pub async fn finish_manufacturer_link_at(
    session: &Session,
    logged_in_user: &str,
    callback_url: &str,
    now: SystemTime,
    options: &VerifyOptions,
) -> Result<VerifiedConnection, LinkError> {
    let pending: ManufacturerLinkSession = take_pending(
        session,
        PENDING_MANUFACTURER_KEY,
        logged_in_user,
        |p: &ManufacturerLinkSession| &p.user_id,
    )
    .await?;
    let payload = callback::decode(callback_url)?;
    Ok(payload.verify_manufacturer_with(&pending, now, options)?)
}

/// [`finish_manufacturer_link_at`] with the current time and the default options.
pub async fn finish_manufacturer_link(
    session: &Session,
    logged_in_user: &str,
    callback_url: &str,
) -> Result<VerifiedConnection, LinkError> {
    finish_manufacturer_link_at(
        session,
        logged_in_user,
        callback_url,
        SystemTime::now(),
        &VerifyOptions::default(),
    )
    .await
}
