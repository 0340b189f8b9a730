//! What the login page's functions hand the app: the pending login (for the terms page
//! and its form), the consent form as posted, the acceptance to persist, and the answer
//! that sends the browser back to NOX.

use std::time::SystemTime;

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use nox_auth::LoginShared;
use serde::{Deserialize, Serialize};

/// A login NOX started, pending in this browser's session: what the terms page needs.
/// Render its [`hidden_fields`](PendingNoxLogin::hidden_fields) into the consent form.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct PendingNoxLogin {
    /// NOX's `state`, unchanged.
    pub state: String,
    /// When the login page first received it.
    pub received_at: SystemTime,
    /// When it stops being accepted here (`received_at` + the window).
    pub expires_at: SystemTime,
    /// The version of the terms to show (the config's).
    pub terms_version: String,
    pub(crate) csrf: String,
}

impl PendingNoxLogin {
    /// The CSRF token the consent form must carry (a secret of this browser's session:
    /// put it in the page, never in a URL).
    pub fn csrf_token(&self) -> &str {
        &self.csrf
    }

    /// The hidden inputs of the consent form, HTML-escaped: `state`, `csrf` and
    /// `terms_version`. Add two submit buttons named `decision`, valued `accept` and
    /// `decline`, and post the form to your consent handler (see [`ConsentForm`]).
    ///
    /// ```
    /// # fn show(login: &nox_auth_axum::nox_login::PendingNoxLogin) -> String {
    /// format!(
    ///     "<form method=\"post\" action=\"/nox/consent\">{}\
    ///      <button name=\"decision\" value=\"accept\">Accept</button>\
    ///      <button name=\"decision\" value=\"decline\">Decline</button></form>",
    ///     login.hidden_fields()
    /// )
    /// # }
    /// ```
    pub fn hidden_fields(&self) -> String {
        [
            ("state", self.state.as_str()),
            ("csrf", self.csrf.as_str()),
            ("terms_version", self.terms_version.as_str()),
        ]
        .iter()
        .map(|(name, value)| {
            format!(
                "<input type=\"hidden\" name=\"{name}\" value=\"{}\">",
                esc(value)
            )
        })
        .collect()
    }
}

/// The consent form as posted (`axum::Form<ConsentForm>`): the hidden fields of
/// [`PendingNoxLogin::hidden_fields`] and the button pressed. A missing field reads as
/// empty (and is refused for what it is).
#[derive(Debug, Clone, Default, Deserialize)]
#[non_exhaustive]
pub struct ConsentForm {
    /// NOX's `state`: which pending login this form answers.
    #[serde(default)]
    pub state: String,
    /// The pending login's CSRF token.
    #[serde(default)]
    pub csrf: String,
    /// The version of the terms the page showed.
    #[serde(default)]
    pub terms_version: String,
    /// `accept` or `decline`.
    #[serde(default)]
    pub decision: String,
}

impl ConsentForm {
    /// A form with these fields (what a browser posts), for tests and other front ends.
    pub fn new(state: &str, csrf: &str, terms_version: &str, decision: &str) -> Self {
        ConsentForm {
            state: state.to_owned(),
            csrf: csrf.to_owned(),
            terms_version: terms_version.to_owned(),
            decision: decision.to_owned(),
        }
    }
}

/// A user's acceptance of your terms, for NOX's login: persist it in your database (it is
/// also kept in the session, under
/// [`TERMS_ACCEPTED_KEY`](crate::nox_login::TERMS_ACCEPTED_KEY), until the session ends).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct TermsAcceptance {
    /// Your user who accepted (the id your login established).
    pub supplier_user_id: String,
    /// The version of the terms accepted.
    pub terms_version: String,
    /// When (your server's clock).
    pub accepted_at: SystemTime,
    /// NOX's `state` of the login they were accepted for.
    pub state: String,
}

/// Where the browser goes once the user answered.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum BrowserStep {
    /// A 303 to NOX's return URL with `state` (and `error=access_denied` when declined).
    Redirect {
        /// The URL.
        url: String,
    },
    /// [`ShareMode::BrowserFormPost`](crate::nox_login::ShareMode::BrowserFormPost): a page
    /// whose form posts `state` and `supplier_user_id` to NOX (no key), submitting itself.
    PostToNox {
        /// NOX's `/post-login-redirect` URL.
        action: String,
        /// NOX's `state`.
        state: String,
        /// Your user's id.
        supplier_user_id: String,
    },
}

/// What a consent came to. As a response: the browser sent on ([`BrowserStep`]).
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct NoxLoginAnswer {
    /// NOX's `state`, unchanged.
    pub state: String,
    /// The acceptance, to persist; `None` when the user declined (NOX was not called) or
    /// the answer is [`repeated`](NoxLoginAnswer::repeated).
    pub accepted: Option<TermsAcceptance>,
    /// What NOX answered the server call (`None` when declined, repeated, or in the
    /// browser mode).
    pub shared: Option<LoginShared>,
    /// The same form posted again (a double click, a reload, two tabs): the first
    /// answer's [`BrowserStep`] once more; nothing recorded, NOX not called again.
    pub repeated: bool,
    /// Where the browser goes.
    pub browser: BrowserStep,
}

/// A 303 to NOX (or, in the browser mode, the self-submitting form page), not cached, not
/// to be framed.
impl IntoResponse for NoxLoginAnswer {
    fn into_response(self) -> Response {
        let mut answer = match self.browser {
            BrowserStep::Redirect { url } => Redirect::to(&url).into_response(),
            BrowserStep::PostToNox {
                action,
                state,
                supplier_user_id,
            } => (
                StatusCode::OK,
                [(header::REFERRER_POLICY, "no-referrer")],
                Html(form_post_page(&action, &state, &supplier_user_id)),
            )
                .into_response(),
        };
        no_frames(answer.headers_mut());
        answer
    }
}

/// Sets `Cache-Control: no-store`, `X-Frame-Options: DENY` and `Content-Security-Policy:
/// frame-ancestors 'none'` on `headers`: the login page's answers are neither cached nor
/// framed (a framed terms page could be clicked through by another site). Put them on
/// your terms page too.
pub fn no_frames(headers: &mut axum::http::HeaderMap) {
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static("frame-ancestors 'none'"),
    );
}

/// The page of the browser mode: a form to NOX that submits itself (a button where
/// scripts do not run).
fn form_post_page(action: &str, state: &str, supplier_user_id: &str) -> String {
    format!(
        "<!doctype html><html lang=\"en\"><meta charset=\"utf-8\"><title>Back to NOX</title>\
         <body><form id=\"nox-post\" method=\"post\" action=\"{}\">\
         <input type=\"hidden\" name=\"state\" value=\"{}\">\
         <input type=\"hidden\" name=\"supplier_user_id\" value=\"{}\">\
         <button>Continue to NOX</button></form>\
         <script>document.getElementById('nox-post').submit()</script></body></html>",
        esc(action),
        esc(state),
        esc(supplier_user_id)
    )
}

/// Escapes text for an HTML attribute or text.
fn esc(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&#39;")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_are_escaped() {
        let login = PendingNoxLogin {
            state: "a\"><script>&'".into(),
            received_at: SystemTime::UNIX_EPOCH,
            expires_at: SystemTime::UNIX_EPOCH,
            terms_version: "v1".into(),
            csrf: "c".into(),
        };
        let html = login.hidden_fields();
        assert!(
            html.contains("value=\"a&quot;&gt;&lt;script&gt;&amp;&#39;\""),
            "{html}"
        );
        assert!(!html.contains("<script>"));
        let page = form_post_page("https://nox.example/post-login-redirect", "s\"", "u<1>");
        assert!(page.contains("action=\"https://nox.example/post-login-redirect\""));
        assert!(page.contains("value=\"s&quot;\"") && page.contains("value=\"u&lt;1&gt;\""));
    }
}
