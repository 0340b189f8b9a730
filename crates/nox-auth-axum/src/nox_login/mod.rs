//! When the user starts at NOX (section 2 of NOX's guide): your OAuth-style login page
//! for NOX.
//!
//! A user turns NOX on in NOX's (or a manufacturer's) app and picks you as their energy
//! supplier; NOX sends their browser to *your* login page with its `state` and its
//! return URL (`redirect_uri`). Your page logs the user in (your own login), shows your
//! terms, and on "Accept" tells NOX who the user is (`POST /post-login-redirect` with the
//! `state` and your `supplier_user_id`, [`nox_auth::Client::post_login_redirect`]), then
//! sends the browser back to NOX's return URL with the same `state`. NOX then lists the
//! user's devices for your `supplier_user_id` in the Package API.
//!
//! Two handlers, around two functions:
//!
//! 1. `GET` (the URL you give NOX as your login page): [`check_nox_request`] refuses a
//!    request that is not NOX's; then, if your user is not logged in, send them to your
//!    login and back to the same URL (it carries NOX's request); then
//!    [`receive_nox_login`] keeps the login pending in the session (**after** your login
//!    check: it writes to the session, and an anonymous visitor should not make rows in
//!    your store); then show your terms with a form holding
//!    [`PendingNoxLogin::hidden_fields`] and two buttons `decision=accept|decline` (a
//!    "Cancel and go back to NOX" is a decline), with [`no_frames`]' headers.
//! 2. `POST` (the form): [`answer_nox_login`] with *your* logged-in user's id; its answer
//!    is the redirect back to NOX, and the [`TermsAcceptance`] to store (on NOX's
//!    failure, [`NoxLoginError::acceptance`]).
//!
//! ```no_run
//! use axum::extract::{Form, State};
//! use axum::http::{HeaderMap, Uri};
//! use axum::response::{Html, IntoResponse, Redirect, Response};
//! use nox_auth::Client;
//! use nox_auth_axum::nox_login::{self, ConsentForm, NoxLoginConfig};
//! use tower_sessions::Session;
//!
//! # fn logged_in_user(_: &Session) -> Option<String> { None }
//! // GET /nox/authorize?state=…&redirect_uri=…
//! async fn authorize(State(config): State<NoxLoginConfig>, session: Session, uri: Uri) -> Response {
//!     if let Err(e) = nox_login::check_nox_request(&config, uri.query()) {
//!         return e.into_response(); // 400, never a redirect
//!     }
//!     if logged_in_user(&session).is_none() {
//!         // Your login, then back to this same URL (your login must only go to local paths).
//!         let here: String = url::form_urlencoded::byte_serialize(uri.to_string().as_bytes()).collect();
//!         return Redirect::to(&format!("/login?next={here}")).into_response();
//!     }
//!     let login = match nox_login::receive_nox_login(&config, &session, uri.query()).await {
//!         Ok(login) => login,
//!         // 400 pages; past the window or already answered: back to NOX (a 303)
//!         Err(e) => return e.into_response(),
//!     };
//!     let mut page = Html(format!(
//!         "<p>Our terms (version {})…</p><form method=\"post\" action=\"/nox/consent\">{}\
//!          <button name=\"decision\" value=\"accept\">Accept</button>\
//!          <button name=\"decision\" value=\"decline\">Decline</button></form>",
//!         login.terms_version,
//!         login.hidden_fields()
//!     ))
//!     .into_response();
//!     nox_login::no_frames(page.headers_mut());
//!     page
//! }
//!
//! // POST /nox/consent
//! async fn consent(
//!     State((config, nox)): State<(NoxLoginConfig, Client)>,
//!     session: Session,
//!     headers: HeaderMap,
//!     Form(form): Form<ConsentForm>,
//! ) -> Response {
//!     let Some(user) = logged_in_user(&session) else {
//!         return Redirect::to("/login").into_response();
//!     };
//!     match nox_login::answer_nox_login(&nox, &config, &session, &headers, &user, &form).await {
//!         // Store `answer.accepted` (the terms version and time), then back to NOX.
//!         Ok(answer) => answer.into_response(),
//!         // Store `e.acceptance()` if any; back to NOX with `error=` or an error page.
//!         Err(e) => e.into_response(),
//!     }
//! }
//! ```
//!
//! # What is checked
//!
//! - **No open redirect**: the browser is only ever sent to one of NOX's return URLs as
//!   configured ([`NoxLoginConfig::new`], [`NoxLoginConfig::also_return_to`]), the one
//!   the request named; a request naming another `redirect_uri`, even one differing in a
//!   slash or the case of its host, is refused with a 400 page
//!   ([`NoxLoginError::ForeignReturnUrl`]), never redirected. A request without
//!   `redirect_uri` goes back to the first configured URL (NOX's guide says the supplier
//!   configures it).
//! - **`state` unchanged**: 1 to [`nox_auth::MAX_STATE_LEN`] bytes of printable ASCII
//!   (OAuth's VSCHAR), passed back to NOX exactly (form-encoded in the return URL's query,
//!   an existing query kept). Other OAuth parameters (`client_id`, `response_type`,
//!   `scope`) are ignored; a parameter given twice is refused.
//! - **The window**: a login is accepted for [`NOX_LOGIN_WINDOW`] (15 minutes, NOX's
//!   authentication session) from when your page first received it, up to but not at
//!   15:00 (NOX refuses at 15:00 too); later, [`NoxLoginError::Expired`], and NOX is not
//!   asked. A reload stays expired: the window does not restart.
//! - **Your login**: the functions take your user's id from you (your extractor), never
//!   from the request; the id goes to NOX only from your server. An id NOX would refuse
//!   (blank, over [`nox_auth::MAX_SUPPLIER_USER_ID_LEN`] bytes) is refused before
//!   anything is consumed ([`NoxLoginError::InvalidUserId`]).
//! - **Cross-site posts**: the consent POST must come from your own origin
//!   (`Sec-Fetch-Site` / `Origin`, [`NoxLoginConfig::is_same_origin`]) *and* carry the
//!   pending login's CSRF token (32 random bytes, compared in constant time); a refused
//!   post leaves the pending login in place and sends nothing to NOX. No answer may be
//!   framed by another site ([`no_frames`]).
//! - **Single use, once**: taking the pending login is atomic per session within your
//!   process (a lock keyed by the session id, held from reading the session to saving
//!   it, across NOX's call): ten posts of one form call NOX once. The login is marked
//!   "in progress", and saved, before NOX is called, and marked with its answer only
//!   once NOX answered. The same form posted again (a double click, a second tab) by
//!   the *same user* gets the first answer ([`NoxLoginAnswer::repeated`]), whatever its
//!   decision and terms version: a decline cannot be turned into an accept. Posted by
//!   another user of the same browser (another account logged in since), it is refused
//!   ([`NoxLoginError::AnsweredForAnotherUser`], a 410 page): the first answer is
//!   neither repeated nor disclosed. A first answer whose return URL is no longer
//!   configured is not repeated either (a 410 page). Across several backend instances
//!   the lock does not reach: your session store's own guarantees apply, and NOX's
//!   single-use `state` is what holds.
//! - **An interrupted call**: if NOX's call does not finish (the request cancelled by a
//!   client that went away or a timeout layer, the server stopped), the login stays
//!   "in progress": a reload or a repeated post sends the browser back to NOX with
//!   `error=server_error` ([`NoxLoginError::Interrupted`]), never as if linked; whether
//!   NOX did link the user is NOX's to say (its `state` is single use). If only the
//!   save after NOX's answer fails, NOX's outcome and the acceptance are still returned
//!   (the store's error logged), and a reload says the same "not known".
//! - **Back to NOX on failure**: once NOX's request was valid (a known `state`, a
//!   configured return URL), the user is not left on your site: past the window, or NOX
//!   refusing or failing, the browser goes back to the return URL with the `state` and
//!   an OAuth `error` (RFC 6749 section 4.1.2.1): `access_denied` for a decline, a login
//!   past the window or one NOX refused (RFC 6749 has no code for "expired"; nothing
//!   failed, the login was not granted), `temporarily_unavailable` when NOX was not
//!   reachable, timed out or answered 503, `server_error` for NOX's other failures.
//!   Error pages are only for requests that are not NOX's (a foreign return URL, a bad
//!   `state`, a cross-site post, a foreign form, a `state` unknown in this session).
//! - **Several tabs**: up to [`MAX_PENDING_NOX_LOGINS`] logins pending per session, the
//!   oldest dropped beyond; answered and expired ones are remembered (up to
//!   [`MAX_NOX_LOGIN_MARKERS`], until twice the window) so that their reload gets the
//!   same answer.
//! - **The key stays on your server** ([`ShareMode::ServerCall`], the default). The
//!   other reading of NOX's guide, the browser sent to NOX with a form post, is
//!   [`ShareMode::BrowserFormPost`]; it carries no key, so it is only for a NOX that says
//!   how it trusts such a post.
//!
//! What is guessed (NOX documents none of it: the parameters NOX sends, the endpoint's
//! body and answers, who calls it) is listed as decisions 33 to 40 in `specs/README.md`,
//! each asked of the live NOX by `nox contract check`.
//!
//! One limit OAuth shares: a login page cannot tell whether the user started the login
//! at NOX themselves. Someone who sends a logged-in user a NOX login URL of *their own*
//! NOX account gets that account linked to the user if the user accepts; the terms page
//! should say plainly that it connects the NOX account the user just chose you in.

mod answer;
mod config;
mod error;
mod kept;
mod request;

use std::time::SystemTime;

use axum::http::HeaderMap;
use nox_auth::Client;
use tower_sessions::Session;

pub use answer::{
    BrowserStep, ConsentForm, NoxLoginAnswer, PendingNoxLogin, TermsAcceptance, no_frames,
};
pub use config::{NOX_LOGIN_WINDOW, NoxLoginConfig, ShareMode};
pub use error::NoxLoginError;
pub use kept::{MAX_NOX_LOGIN_MARKERS, MAX_PENDING_NOX_LOGINS, PENDING_NOX_LOGIN_KEY};

use nox_auth::nox_auth_runtime::secret::constant_time_eq;

use error::oauth_error;
use kept::{Kept, Step};
use request::check_user_id;
pub use request::{check_nox_request, receive_nox_login, receive_nox_login_at};

/// The key under which the last [`TermsAcceptance`] is kept in the session.
pub const TERMS_ACCEPTED_KEY: &str = "nox_auth.nox_terms_accepted";

/// Answers the consent form for your logged-in user `supplier_user_id` (from your
/// login, never from the request): checks the post is from your origin and carries the
/// pending login's CSRF token, checks the window, then, in one step under the session's
/// lock, consumes the pending login (single use), on `accept` records the
/// [`TermsAcceptance`] in the session and tells NOX (`Client::post_login_redirect`, or
/// the browser's form post in [`ShareMode::BrowserFormPost`]); on `decline` tells NOX
/// nothing. The answer sends the browser back to NOX's return URL with the `state` (and
/// `error=access_denied` when declined). The same form posted again by the same
/// `supplier_user_id` gets the first answer ([`NoxLoginAnswer::repeated`]), even with
/// another decision or terms version; by another user it is refused
/// ([`NoxLoginError::AnsweredForAnotherUser`]). A failure once the login is known sends
/// the browser back to NOX with an `error` ([`NoxLoginError::back_to_nox`]); a call to
/// NOX that was interrupted leaves the login "in progress", answered later with
/// [`NoxLoginError::Interrupted`]. See the [module docs](self) for the handler around it.
///
/// **The lock, and what it needs from your handler**: the per-session lock reloads the
/// session from the store once it holds it, so that a second post of the same session
/// sees the first one's answer. It can only do so when the session was *not modified
/// earlier in the same request* (an insert, a removal, `set_expiry`, by your login
/// extractor say): a reload would drop those changes, so the request's snapshot, taken
/// before the lock, is used instead (a `debug` event says so), and two such posts at once
/// can both find the login pending. Modify the session after this call, not before.
/// The session layer (tower-sessions) also saves the session once more after your
/// handler, outside the lock: an answer to *another* login of the same session saved in
/// that gap can be undone by it (NOX's single-use `state` is the final guard).
pub async fn answer_nox_login(
    client: &Client,
    config: &NoxLoginConfig,
    session: &Session,
    headers: &HeaderMap,
    supplier_user_id: &str,
    form: &ConsentForm,
) -> Result<NoxLoginAnswer, NoxLoginError> {
    let now = SystemTime::now();
    answer_nox_login_at(
        client,
        config,
        session,
        headers,
        supplier_user_id,
        form,
        now,
    )
    .await
}

/// [`answer_nox_login`] at `now` (your clock; for tests).
pub async fn answer_nox_login_at(
    client: &Client,
    config: &NoxLoginConfig,
    session: &Session,
    headers: &HeaderMap,
    supplier_user_id: &str,
    form: &ConsentForm,
    now: SystemTime,
) -> Result<NoxLoginAnswer, NoxLoginError> {
    if !config.is_same_origin(headers) {
        return Err(NoxLoginError::CrossSite);
    }
    let accept = match form.decision.as_str() {
        "accept" => true,
        "decline" => false,
        other => {
            return Err(NoxLoginError::InvalidRequest {
                detail: format!(
                    "decision `{}` (accept or decline)",
                    nox_auth::nox_auth_runtime::text::excerpt(other, 40)
                ),
            });
        }
    };
    if accept {
        check_user_id(supplier_user_id)?;
    }
    let window = config.login_window();
    // Held to the end: a second post of this session waits, then finds the answer.
    let mut kept = Kept::take(session).await?;
    let known = kept
        .find(&form.state)
        .ok_or(NoxLoginError::NoPendingLogin)?;
    if !constant_time_eq(known.csrf.as_bytes(), form.csrf.as_bytes()) {
        return Err(NoxLoginError::CsrfMismatch);
    }
    let state = known.state.clone();
    let return_url = known.return_url.clone();
    let back = |error: Option<&str>| {
        let mut pairs = vec![("state", state.as_str())];
        pairs.extend(error.map(|e| ("error", e)));
        config.return_with(&return_url, &pairs)
    };
    if let Some(step) = &known.answered {
        // Only to the user who answered, whatever this post's decision and terms.
        if known.answered_by.as_deref() != Some(supplier_user_id) {
            return Err(NoxLoginError::AnsweredForAnotherUser);
        }
        if *step == Step::InProgress {
            return Err(NoxLoginError::Interrupted {
                back_to_nox: back(Some("server_error")),
            });
        }
        let browser = step
            .browser(known, config)
            .ok_or(NoxLoginError::Answered { back_to_nox: None })?;
        return Ok(NoxLoginAnswer {
            browser,
            state,
            accepted: None,
            shared: None,
            repeated: true,
        });
    }
    let age = known.age(now);
    if age >= window {
        return Err(NoxLoginError::Expired {
            age,
            back_to_nox: back(Some("access_denied")),
        });
    }
    if accept && form.terms_version != config.terms_version() {
        return Err(NoxLoginError::TermsChanged {
            shown: nox_auth::nox_auth_runtime::text::excerpt(&form.terms_version, 64),
            current: config.terms_version().to_owned(),
        });
    }
    // The return URL is no longer configured (the config changed since): nothing to do.
    let (Some(linked), Some(denied)) = (back(None), back(Some("access_denied"))) else {
        return Err(NoxLoginError::NoPendingLogin);
    };
    if !accept {
        let step = Step::Redirect {
            url: denied.clone(),
        };
        kept.answer(&state, supplier_user_id, step);
        kept.save(session, now, window).await?;
        return Ok(NoxLoginAnswer {
            state,
            accepted: None,
            shared: None,
            repeated: false,
            browser: BrowserStep::Redirect { url: denied },
        });
    }
    let acceptance = TermsAcceptance {
        supplier_user_id: supplier_user_id.to_owned(),
        terms_version: config.terms_version().to_owned(),
        accepted_at: now,
        state: state.clone(),
    };
    // Kept even if NOX refuses next: the user did accept these terms.
    session.insert(TERMS_ACCEPTED_KEY, &acceptance).await?;
    if let ShareMode::BrowserFormPost { action } = config.share_mode() {
        let step = Step::PostToNox {
            action: action.clone(),
            supplier_user_id: supplier_user_id.to_owned(),
        };
        kept.answer(&state, supplier_user_id, step);
        kept.save(session, now, window).await?;
        return Ok(NoxLoginAnswer {
            browser: BrowserStep::PostToNox {
                action: action.clone(),
                state: state.clone(),
                supplier_user_id: supplier_user_id.to_owned(),
            },
            state,
            accepted: Some(acceptance),
            shared: None,
            repeated: false,
        });
    }
    // Single use: answered "in progress", and saved, before NOX is called; what NOX
    // answered replaces it after. Interrupted in between (the request dropped), the
    // marker stays: a reload is told the outcome is not known, never "linked".
    kept.answer(&state, supplier_user_id, Step::InProgress);
    kept.save(session, now, window).await?;
    let called = client.post_login_redirect(&state, supplier_user_id).await;
    let (url, outcome) = match called {
        Ok(shared) => (
            Some(linked.clone()),
            Ok(NoxLoginAnswer {
                browser: BrowserStep::Redirect { url: linked },
                state: state.clone(),
                accepted: Some(acceptance),
                shared: Some(shared),
                repeated: false,
            }),
        ),
        Err(source) => {
            let back_to_nox = back(Some(oauth_error(&source)));
            let error = NoxLoginError::Nox {
                source,
                accepted: Some(Box::new(acceptance)),
                back_to_nox: back_to_nox.clone(),
            };
            (back_to_nox, Err(error))
        }
    };
    if let Some(url) = url {
        kept.answer(&state, supplier_user_id, Step::Redirect { url });
        // NOX's outcome and the acceptance are the answer: a failed save does not hide
        // them (the marker stays "in progress": a reload is told the outcome is unknown).
        if let Err(e) = kept.save(session, now, window).await {
            tracing::error!(error = %e, "NOX login: NOX answered, but its answer could not be saved in the session");
        }
    }
    outcome
}

/// The last [`TermsAcceptance`] recorded in `session` by [`answer_nox_login`], if any.
pub async fn accepted_terms(session: &Session) -> Result<Option<TermsAcceptance>, NoxLoginError> {
    Ok(session.get(TERMS_ACCEPTED_KEY).await?)
}
