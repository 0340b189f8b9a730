//! [`NoxLoginError`]: why your login page for NOX refused a request, and the answer it
//! gives.

use std::time::Duration;

use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};

use super::answer::{TermsAcceptance, no_frames};

/// Why a login NOX started could not go on. As [`crate::LinkError`] does, it converts into
/// an HTTP answer, the details (`Display`) logged through `tracing`:
///
/// - a login NOX did start (a known `state`, its return URL one of the configured ones)
///   that cannot finish here (our window passed, NOX refused or failed) sends the browser
///   back to NOX's return URL with the `state` and an OAuth `error=` (RFC 6749 section
///   4.1.2.1): [`NoxLoginError::back_to_nox`], a 303;
/// - anything else (a request that is not NOX's, a cross-site post, a foreign form, an
///   unknown `state`, the store) is a status and a sentence safe to show, never a
///   redirect: a refused request must not send the browser anywhere.
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
    /// This login was already answered in this session (its terms page reloaded, NOX's
    /// login URL opened again): the browser goes where the answer sent it
    /// ([`NoxLoginError::back_to_nox`]; `None` in the browser mode, or when that return
    /// URL is no longer configured: a 410 page).
    #[error("this NOX login was already answered in this session")]
    Answered {
        /// Where the answer sent the browser.
        back_to_nox: Option<String>,
    },
    /// This login was answered in this session for another user than the one posting now
    /// (another account logged in to the same browser since): refused with a 410 page, no
    /// redirect, nothing of the first answer told (in the browser mode it names the first
    /// user's id).
    #[error("this NOX login was answered in this session for another user")]
    AnsweredForAnotherUser,
    /// This login's answer is not known: NOX was being called for it when the call was
    /// interrupted (the request cancelled by a client that went away or a timeout, the
    /// server stopped, or the answer could not be saved), so whether NOX linked the user
    /// is not known here. The browser goes back to NOX with `error=server_error` (NOX's
    /// single-use `state` tells what NOX did; the user starts again from NOX's app).
    #[error("this NOX login's answer is not known: NOX's call was interrupted")]
    Interrupted {
        /// NOX's return URL with the `state` and `error=server_error`.
        back_to_nox: Option<String>,
    },
    /// The login took longer than the window ([`NOX_LOGIN_WINDOW`](crate::nox_login::NOX_LOGIN_WINDOW)
    /// by default) since the login page first received it: NOX would refuse it too. The
    /// browser goes back to NOX with `error=access_denied` (RFC 6749 has no code for an
    /// expired login: it was not granted, and nothing failed).
    #[error("the NOX login expired: received {age:?} ago")]
    Expired {
        /// How long ago the login page received it.
        age: Duration,
        /// NOX's return URL with the `state` and `error=access_denied`.
        back_to_nox: Option<String>,
    },
    /// The `supplier_user_id` your login gave is not one NOX takes (empty, or over
    /// [`nox_auth::MAX_SUPPLIER_USER_ID_LEN`] bytes): your bug, not the user's. Nothing
    /// was consumed, recorded or sent.
    #[error("the supplier user id is not usable: {detail}")]
    InvalidUserId {
        /// What is wrong.
        detail: String,
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
    /// The user did accept your terms: [`NoxLoginError::acceptance`] (persist it as on
    /// success). The browser goes back to NOX with `error=access_denied` when NOX refused
    /// the login (a 400), `temporarily_unavailable` when NOX was not reachable, timed out
    /// or answered 503, `server_error` otherwise.
    #[error("NOX refused the login: {source}")]
    Nox {
        /// What NOX answered.
        #[source]
        source: nox_auth::Error,
        /// The acceptance recorded before NOX was called.
        accepted: Option<Box<TermsAcceptance>>,
        /// NOX's return URL with the `state` and the `error`.
        back_to_nox: Option<String>,
    },
    /// The session store failed.
    #[error("the session store failed: {0}")]
    Store(#[from] tower_sessions::session::Error),
}

/// The OAuth `error` (RFC 6749 section 4.1.2.1) for NOX's failure `e`.
pub(super) fn oauth_error(e: &nox_auth::Error) -> &'static str {
    use nox_auth::Error as N;
    match e {
        N::Api { status, .. } if *status == StatusCode::BAD_REQUEST => "access_denied",
        N::Transport { .. } => "temporarily_unavailable",
        N::UnexpectedStatus { status, .. } if *status == StatusCode::SERVICE_UNAVAILABLE => {
            "temporarily_unavailable"
        }
        _ => "server_error",
    }
}

impl NoxLoginError {
    /// Where the browser goes instead of an error page: NOX's return URL with the `state`
    /// and an OAuth `error`, for a login NOX did start ([`NoxLoginError::Expired`],
    /// [`NoxLoginError::Nox`], [`NoxLoginError::Interrupted`], and the first answer's
    /// redirect for [`NoxLoginError::Answered`]); `None` for the rest.
    pub fn back_to_nox(&self) -> Option<&str> {
        match self {
            NoxLoginError::Expired { back_to_nox, .. }
            | NoxLoginError::Answered { back_to_nox }
            | NoxLoginError::Interrupted { back_to_nox }
            | NoxLoginError::Nox { back_to_nox, .. } => back_to_nox.as_deref(),
            _ => None,
        }
    }

    /// The user's acceptance when NOX failed after it was recorded
    /// ([`NoxLoginError::Nox`]): persist it as on success.
    pub fn acceptance(&self) -> Option<&TermsAcceptance> {
        match self {
            NoxLoginError::Nox { accepted, .. } => accepted.as_deref(),
            _ => None,
        }
    }

    /// The HTTP status of the error page (an error that goes [back to
    /// NOX](NoxLoginError::back_to_nox) answers a 303 instead): 400 (a request that is
    /// not NOX's), 403 (a cross-site post, a foreign form), 409 (the terms changed), 410
    /// (already used or answered, for this user or another, expired, or refused by NOX
    /// as such), 500 (the configuration, the session store), 502 (NOX failed, or its
    /// answer is not known), 503 (NOX not reachable).
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
            E::Config { .. } | E::Store(_) | E::InvalidUserId { .. } => (
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
            E::Answered { .. } | E::AnsweredForAnotherUser => (
                StatusCode::GONE,
                "This sign-in was already answered. Start again from the NOX app.",
            ),
            E::Interrupted { .. } => (
                StatusCode::BAD_GATEWAY,
                "We could not tell whether NOX completed this sign-in. Start again from the NOX app.",
            ),
            E::Expired { .. } => (
                StatusCode::GONE,
                "This sign-in took too long and has expired. Start again from the NOX app.",
            ),
            E::TermsChanged { .. } => (
                StatusCode::CONFLICT,
                "Our terms changed while you were reading them. Please read them again.",
            ),
            E::Nox { source, .. } if oauth_error(source) == "temporarily_unavailable" => (
                StatusCode::SERVICE_UNAVAILABLE,
                "NOX is not reachable right now. Start again from the NOX app in a moment.",
            ),
            E::Nox {
                source:
                    nox_auth::Error::Api {
                        status, message, ..
                    },
                ..
            } if *status == StatusCode::BAD_REQUEST => (StatusCode::GONE, refused_by_nox(message)),
            E::Nox {
                source: nox_auth::Error::Validation(_),
                ..
            } => (
                StatusCode::BAD_REQUEST,
                "This sign-in could not be sent to NOX. Start again from the NOX app.",
            ),
            E::Nox { .. } => (
                StatusCode::BAD_GATEWAY,
                "NOX could not complete the sign-in. Please try again later.",
            ),
        }
    }
}

/// The sentence for NOX's 400 with `message`: what NOX said only when it says it (a used
/// or an expired `state`), else a neutral one.
fn refused_by_nox(message: &str) -> &'static str {
    let message = message.to_ascii_lowercase();
    if message.contains("expired") {
        "NOX no longer accepts this sign-in: it has expired. Start again from the NOX app."
    } else if message.contains("already used") || message.contains("was used") {
        "NOX no longer accepts this sign-in: it was already used. Start again from the NOX app."
    } else {
        "NOX did not accept this sign-in. Start again from the NOX app."
    }
}

/// [`NoxLoginError::status`] with [`NoxLoginError::public_message`] as plain text, or a
/// 303 [back to NOX](NoxLoginError::back_to_nox); the details logged as a `tracing` event
/// (`error` for a 5xx, `warn` else). Not cached, not to be framed.
impl IntoResponse for NoxLoginError {
    fn into_response(self) -> Response {
        let (status, text) = self.answer();
        if status.is_server_error() {
            tracing::error!(status = status.as_u16(), error = %self, "NOX login failed");
        } else {
            tracing::warn!(status = status.as_u16(), error = %self, "NOX login refused");
        }
        let mut answer = match self.back_to_nox() {
            Some(url) => Redirect::to(url).into_response(),
            None => (status, text).into_response(),
        };
        no_frames(answer.headers_mut());
        answer
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_what_nox_says_is_told() {
        assert!(refused_by_nox("state has expired: 15 minutes").contains("expired"));
        assert!(refused_by_nox("state was already used").contains("already used"));
        let other = refused_by_nox("supplier_user_id is not valid");
        assert!(
            !other.contains("expired") && !other.contains("used"),
            "{other}"
        );
    }
}
