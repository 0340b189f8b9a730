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
//!   answered, and saved, before NOX is called; the same form posted again (a double
//!   click, a second tab) gets the first answer's redirect ([`NoxLoginAnswer::repeated`]),
//!   and a decline cannot be turned into an accept. Across several backend instances
//!   the lock does not reach: your session store's own guarantees apply, and NOX's
//!   single-use `state` is what holds.
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

use crate::pending::random_hex;
use error::oauth_error;
use kept::{Kept, Step, Stored, unix_ms};
pub use request::check_nox_request;
use request::{check_user_id, checked_request};

/// The key under which the last [`TermsAcceptance`] is kept in the session.
pub const TERMS_ACCEPTED_KEY: &str = "nox_auth.nox_terms_accepted";

/// Receives NOX's request to your login page (`query`: the request's query string, e.g.
/// `uri.query()`) and keeps the login pending in `session` (a second call with the same
/// `state` finds it again). **Call it after your login check**: it writes to the session
/// (a row in your session store), which an anonymous visitor should not cause; use
/// [`check_nox_request`] before the check. Refuses a return URL other than the configured
/// ones and an unusable `state` (400, never a redirect); a login past the window
/// ([`NoxLoginError::Expired`]) or already answered ([`NoxLoginError::Answered`]) sends
/// the browser back to NOX ([`NoxLoginError::back_to_nox`]). See the [module docs](self)
/// for the handler around it.
pub async fn receive_nox_login(
    config: &NoxLoginConfig,
    session: &Session,
    query: Option<&str>,
) -> Result<PendingNoxLogin, NoxLoginError> {
    receive_nox_login_at(config, session, query, SystemTime::now()).await
}

/// [`receive_nox_login`] at `now` (your clock; for tests).
pub async fn receive_nox_login_at(
    config: &NoxLoginConfig,
    session: &Session,
    query: Option<&str>,
    now: SystemTime,
) -> Result<PendingNoxLogin, NoxLoginError> {
    let (state, return_url) = checked_request(config, query)?;
    let window = config.login_window();
    let mut kept = Kept::take(session).await?;
    if let Some(known) = kept.find(&state) {
        let back = |error: &str| {
            config.return_with(&known.return_url, &[("state", &state), ("error", error)])
        };
        if let Some(step) = &known.answered {
            let back_to_nox = match step {
                Step::Redirect { url } => Some(url.clone()),
                Step::PostToNox { .. } => None,
            };
            return Err(NoxLoginError::Answered { back_to_nox });
        }
        let age = known.age(now);
        if age >= window {
            // Kept as it is: a reload stays expired (the window does not restart).
            return Err(NoxLoginError::Expired {
                age,
                back_to_nox: back("access_denied"),
            });
        }
        return Ok(known.public(config));
    }
    let new = Stored {
        state,
        csrf: random_hex("the NOX login's CSRF token")?,
        received_at_ms: unix_ms(now),
        return_url,
        answered: None,
    };
    let login = new.public(config);
    kept.all.push(new);
    kept.save(session, now, window).await?;
    Ok(login)
}

/// Answers the consent form for your logged-in user `supplier_user_id` (from your
/// login, never from the request): checks the post is from your origin and carries the
/// pending login's CSRF token, checks the window, then, in one step under the session's
/// lock, consumes the pending login (single use), on `accept` records the
/// [`TermsAcceptance`] in the session and tells NOX (`Client::post_login_redirect`, or
/// the browser's form post in [`ShareMode::BrowserFormPost`]); on `decline` tells NOX
/// nothing. The answer sends the browser back to NOX's return URL with the `state` (and
/// `error=access_denied` when declined). The same form posted again gets the same answer
/// ([`NoxLoginAnswer::repeated`]). A failure once the login is known sends the browser
/// back to NOX with an `error` ([`NoxLoginError::back_to_nox`]). See the
/// [module docs](self) for the handler around it.
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
    if let Some(step) = &known.answered {
        return Ok(NoxLoginAnswer {
            browser: step.browser(&state),
            state,
            accepted: None,
            shared: None,
            repeated: true,
        });
    }
    let return_url = known.return_url.clone();
    let back = |error: Option<&str>| {
        let mut pairs = vec![("state", state.as_str())];
        pairs.extend(error.map(|e| ("error", e)));
        config.return_with(&return_url, &pairs)
    };
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
        kept.answer(
            &state,
            Step::Redirect {
                url: denied.clone(),
            },
        );
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
    let step = match config.share_mode() {
        ShareMode::BrowserFormPost { action } => Step::PostToNox {
            action: action.clone(),
            supplier_user_id: supplier_user_id.to_owned(),
        },
        ShareMode::ServerCall => Step::Redirect { url: linked },
    };
    // Single use: answered, and saved, before NOX is called.
    kept.answer(&state, step.clone());
    kept.save(session, now, window).await?;
    let shared = match config.share_mode() {
        ShareMode::BrowserFormPost { .. } => None,
        ShareMode::ServerCall => match client.post_login_redirect(&state, supplier_user_id).await {
            Ok(shared) => Some(shared),
            Err(source) => {
                let back_to_nox = back(Some(oauth_error(&source)));
                if let Some(url) = &back_to_nox {
                    kept.answer(&state, Step::Redirect { url: url.clone() });
                    kept.save(session, now, window).await?;
                }
                return Err(NoxLoginError::Nox {
                    source,
                    accepted: Some(Box::new(acceptance)),
                    back_to_nox,
                });
            }
        },
    };
    Ok(NoxLoginAnswer {
        browser: step.browser(&state),
        state,
        accepted: Some(acceptance),
        shared,
        repeated: false,
    })
}

/// The last [`TermsAcceptance`] recorded in `session` by [`answer_nox_login`], if any.
pub async fn accepted_terms(session: &Session) -> Result<Option<TermsAcceptance>, NoxLoginError> {
    Ok(session.get(TERMS_ACCEPTED_KEY).await?)
}
