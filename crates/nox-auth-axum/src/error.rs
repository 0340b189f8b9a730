//! [`LinkError`]: why a link could not be started or finished, and the answer it gives.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use nox_auth::ConfirmError;
use nox_auth::callback::{CallbackError, VerifiedConnection, VerifyError};

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
    /// The callback's state nonce is missing or is not the nonce of any link pending in
    /// this browser: a callback someone else built (a forged `?data=` sent to this user's
    /// browser), or one of a link dropped for newer ones ([`crate::MAX_PENDING`]). The
    /// pending links stay in place for the real callbacks.
    #[error(
        "the callback's state nonce is missing or not the one this link was started with (a forged or foreign callback)"
    )]
    StateMismatch,
    /// NOX did not keep the state nonce in the `redirect_url`: it refused the URL with the
    /// nonce in its query, or answered with a `redirect_url` without it (every callback
    /// would then fail). If your redirect URL is registered at NOX without a query, turn
    /// the nonce off with [`crate::FlowOptions::state_nonce`]`(false)`: a forged callback
    /// sent to a user's browser while their link is pending is then caught only by
    /// verification against the stored session (and by asking NOX which devices it linked).
    #[error(
        "NOX did not keep the state nonce in the redirect_url ({detail}); if NOX's message is about something else (a redirect URL not registered), fix that first; otherwise FlowOptions::state_nonce(false) turns the nonce off, at the cost of the forged-callback defence"
    )]
    StateRefused {
        /// What NOX answered.
        detail: String,
    },
    /// The callback verified, but NOX's Package API did not confirm it (the pending link
    /// is consumed). `connection` is the verified callback: if NOX only lagged
    /// ([`ConfirmError::NotVisibleYet`]), confirm it again later with `Client::confirm`.
    #[error("the link was not confirmed at NOX: {error}")]
    NotConfirmed {
        /// The verified callback, for a later `Client::confirm`.
        connection: Box<VerifiedConnection>,
        /// Why NOX did not confirm it.
        error: ConfirmError,
    },
}

impl LinkError {
    /// The HTTP status this error answers with: 400 (a bad request or callback), 403
    /// (another account's link, a foreign state nonce, a callback that fails
    /// verification, or one NOX does not confirm), 409 (NOX needs the user to link again),
    /// 410 (nothing
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
            LinkError::Nox(_) | LinkError::StateRefused { .. } => (
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
            LinkError::NotConfirmed { error, .. } => match error {
                ConfirmError::NotVisibleYet { .. } => (
                    StatusCode::SERVICE_UNAVAILABLE,
                    "NOX has not listed your device yet. If it is not among your devices in a few minutes, start linking again.",
                ),
                ConfirmError::NeedsReauthentication { .. } => (
                    StatusCode::CONFLICT,
                    "NOX needs you to link this device again. Start linking again.",
                ),
                ConfirmError::Nox(e) if e.is_retryable() => (
                    StatusCode::SERVICE_UNAVAILABLE,
                    "NOX is not reachable right now. Please try again in a moment.",
                ),
                ConfirmError::Nox(_) => (
                    StatusCode::BAD_GATEWAY,
                    "NOX could not confirm the link. Please try again later.",
                ),
                _ => (
                    StatusCode::FORBIDDEN,
                    "NOX does not confirm this link for your account.",
                ),
            },
            LinkError::StateMismatch => (
                StatusCode::FORBIDDEN,
                "This callback does not belong to a link started in this browser. Start linking again.",
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
