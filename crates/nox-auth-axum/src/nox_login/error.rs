//! [`NoxLoginError`]: why your login page for NOX refused a request, and the answer it
//! gives.

use std::time::Duration;

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};

/// Why a login NOX started could not go on. As [`crate::LinkError`] does, it converts into
/// an HTTP answer with a status and a sentence safe to show (never a redirect: a refused
/// request must not send the browser anywhere), the details (`Display`) logged through
/// `tracing`.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum NoxLoginError {
    /// The [`NoxLoginConfig`](crate::nox_login::NoxLoginConfig) could not be built.
    #[error("the NOX login page is misconfigured: {detail}")]
    Config {
        /// What is wrong.
        detail: String,
    },
    /// NOX's request to the login page is not usable: no `state`, an empty one, one over
    /// `nox_auth::MAX_STATE_LEN` bytes or with a character outside printable ASCII, or a
    /// parameter given twice.
    #[error("the request to the NOX login page is not valid: {detail}")]
    InvalidRequest {
        /// What is wrong.
        detail: String,
    },
    /// The request names another return URL than NOX's configured one: the browser is
    /// never sent there (no open redirect).
    #[error("the request names a return URL that is not NOX's configured one: `{given}`")]
    ForeignReturnUrl {
        /// The return URL given (shortened).
        given: String,
    },
    /// The consent POST did not come from your site's pages (`Sec-Fetch-Site` or `Origin`
    /// name another site). Nothing was consumed, nothing sent to NOX.
    #[error("the consent was posted from another site")]
    CrossSite,
    /// The consent POST's CSRF token is not the one of the pending login with its
    /// `state`: a form built elsewhere. The pending login stays for the real form.
    #[error("the consent's CSRF token does not match the pending login's")]
    CsrfMismatch,
    /// No login with this `state` is pending in this browser's session: the consent was
    /// already given or declined (a replay), the login started in another browser, or it
    /// was dropped for newer ones ([`MAX_PENDING_NOX_LOGINS`](crate::nox_login::MAX_PENDING_NOX_LOGINS)).
    #[error(
        "no NOX login with this state is pending in this session (already used, or never received here)"
    )]
    NoPendingLogin,
    /// The login took longer than the window ([`NOX_LOGIN_WINDOW`](crate::nox_login::NOX_LOGIN_WINDOW)
    /// by default) since the login page first received it: NOX would refuse it too.
    #[error("the NOX login expired: received {age:?} ago")]
    Expired {
        /// How long ago the login page received it.
        age: Duration,
    },
    /// The form accepted another version of the terms than the current one (the terms
    /// changed while the page was open). The pending login stays: show the terms again.
    #[error("the terms accepted (`{shown}`) are not the current ones (`{current}`)")]
    TermsChanged {
        /// The version the form named.
        shown: String,
        /// The current version.
        current: String,
    },
    /// NOX refused `POST /post-login-redirect` (a `state` it no longer knows: used, or
    /// older than its 15 minutes), or could not be reached. The pending login is consumed.
    #[error("NOX refused the login: {0}")]
    Nox(#[from] nox_auth::Error),
    /// The session store failed.
    #[error("the session store failed: {0}")]
    Store(#[from] tower_sessions::session::Error),
}

impl NoxLoginError {
    /// The HTTP status: 400 (a request that is not NOX's), 403 (a cross-site post, a
    /// foreign form), 409 (the terms changed), 410 (already used, expired, or refused by
    /// NOX as such), 500 (the configuration, the session store), 502 (NOX failed), 503
    /// (NOX not reachable).
    pub fn status(&self) -> StatusCode {
        self.answer().0
    }

    /// A sentence for the user, safe to show: what to do, none of the details.
    pub fn public_message(&self) -> &'static str {
        self.answer().1
    }

    fn answer(&self) -> (StatusCode, &'static str) {
        use NoxLoginError as E;
        match self {
            E::Config { .. } | E::Store(_) => (
                StatusCode::INTERNAL_SERVER_ERROR,
                "Something went wrong on our side. Please try again.",
            ),
            E::InvalidRequest { .. } => (
                StatusCode::BAD_REQUEST,
                "This sign-in request is not valid. Start again from the NOX app.",
            ),
            E::ForeignReturnUrl { .. } => (
                StatusCode::BAD_REQUEST,
                "This sign-in request does not come from NOX. Start again from the NOX app.",
            ),
            E::CrossSite => (
                StatusCode::FORBIDDEN,
                "Please confirm on this site's own page.",
            ),
            E::CsrfMismatch => (
                StatusCode::FORBIDDEN,
                "This form does not belong to the sign-in open in this browser. Start again from the NOX app.",
            ),
            E::NoPendingLogin => (
                StatusCode::GONE,
                "This sign-in was already used or was not started in this browser. Start again from the NOX app.",
            ),
            E::Expired { .. } => (
                StatusCode::GONE,
                "This sign-in took too long and has expired. Start again from the NOX app.",
            ),
            E::TermsChanged { .. } => (
                StatusCode::CONFLICT,
                "Our terms changed while you were reading them. Please read them again.",
            ),
            E::Nox(e) if e.is_retryable() => (
                StatusCode::SERVICE_UNAVAILABLE,
                "NOX is not reachable right now. Start again from the NOX app in a moment.",
            ),
            E::Nox(nox_auth::Error::Api { status, .. }) if *status == StatusCode::BAD_REQUEST => (
                StatusCode::GONE,
                "NOX no longer accepts this sign-in (it was already used or has expired). Start again from the NOX app.",
            ),
            E::Nox(nox_auth::Error::Validation(_)) => (
                StatusCode::BAD_REQUEST,
                "This sign-in could not be sent to NOX. Start again from the NOX app.",
            ),
            E::Nox(_) => (
                StatusCode::BAD_GATEWAY,
                "NOX could not complete the sign-in. Please try again later.",
            ),
        }
    }
}

/// [`NoxLoginError::status`] with [`NoxLoginError::public_message`] as plain text (never a
/// redirect), the details logged as a `tracing` event (`error` for a 5xx, `warn` else).
impl IntoResponse for NoxLoginError {
    fn into_response(self) -> Response {
        let (status, text) = self.answer();
        if status.is_server_error() {
            tracing::error!(status = status.as_u16(), error = %self, "NOX login failed");
        } else {
            tracing::warn!(status = status.as_u16(), error = %self, "NOX login refused");
        }
        (status, text).into_response()
    }
}
