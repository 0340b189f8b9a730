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
//! 1. `GET` (the URL you give NOX as your login page): [`receive_nox_login`] checks NOX's
//!    request and keeps it pending in the session; then, if your user is not logged in,
//!    send them to your login and back to the same URL (the second call finds the same
//!    pending login); then show your terms with a form holding
//!    [`PendingNoxLogin::hidden_fields`] and two buttons `decision=accept|decline`.
//! 2. `POST` (the form): [`answer_nox_login`] with *your* logged-in user's id; its answer
//!    is the redirect back to NOX, and the [`TermsAcceptance`] to store.
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
//!     let login = match nox_login::receive_nox_login(&config, &session, uri.query()).await {
//!         Ok(login) => login,
//!         Err(e) => return e.into_response(), // 400/410, never a redirect
//!     };
//!     if logged_in_user(&session).is_none() {
//!         // Your login, then back to this same URL (your login must only go to local paths).
//!         let here: String = url::form_urlencoded::byte_serialize(uri.to_string().as_bytes()).collect();
//!         return Redirect::to(&format!("/login?next={here}")).into_response();
//!     }
//!     Html(format!(
//!         "<p>Our terms (version {})…</p><form method=\"post\" action=\"/nox/consent\">{}\
//!          <button name=\"decision\" value=\"accept\">Accept</button>\
//!          <button name=\"decision\" value=\"decline\">Decline</button></form>",
//!         login.terms_version,
//!         login.hidden_fields()
//!     ))
//!     .into_response()
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
//!         Err(e) => e.into_response(),
//!     }
//! }
//! ```
//!
//! # What is checked
//!
//! - **No open redirect**: the browser is only ever sent to NOX's return URL as
//!   configured ([`NoxLoginConfig::new`]); a request naming another `redirect_uri`, even
//!   one differing in a slash or the case of its host, is refused with a 400 page
//!   ([`NoxLoginError::ForeignReturnUrl`]), never redirected. A request without
//!   `redirect_uri` goes back to the configured URL (NOX's guide says the supplier
//!   configures it).
//! - **`state` unchanged**: 1 to [`nox_auth::MAX_STATE_LEN`] bytes of printable ASCII
//!   (OAuth's VSCHAR), passed back to NOX exactly (form-encoded in the return URL's query,
//!   an existing query kept). Other OAuth parameters (`client_id`, `response_type`,
//!   `scope`) are ignored; a parameter given twice is refused.
//! - **The window**: a login is accepted for [`NOX_LOGIN_WINDOW`] (15 minutes, NOX's
//!   authentication session) from when your page first received it; later,
//!   [`NoxLoginError::Expired`], and NOX is not asked.
//! - **Your login**: the functions take your user's id from you (your extractor), never
//!   from the request; the id goes to NOX only from your server.
//! - **Cross-site posts**: the consent POST must come from your own origin
//!   (`Sec-Fetch-Site` / `Origin`, [`NoxLoginConfig::is_same_origin`]) *and* carry the
//!   pending login's CSRF token (32 random bytes, compared in constant time); a refused
//!   post leaves the pending login in place and sends nothing to NOX.
//! - **Single use**: the pending login is removed (and the removal saved) before NOX is
//!   called: the same form posted again is [`NoxLoginError::NoPendingLogin`] (410); NOX
//!   refusing a used or expired `state` is [`NoxLoginError::Nox`] (410 for NOX's 400), an
//!   error page, not a redirect.
//! - **Several tabs**: up to [`MAX_PENDING_NOX_LOGINS`] logins pending per session, the
//!   oldest dropped beyond.
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

use std::time::{Duration, SystemTime};

use axum::http::HeaderMap;
use nox_auth::Client;
use serde::{Deserialize, Serialize};
use tower_sessions::Session;

pub use answer::{BrowserStep, ConsentForm, NoxLoginAnswer, PendingNoxLogin, TermsAcceptance};
pub use config::{NOX_LOGIN_WINDOW, NoxLoginConfig, ShareMode};
pub use error::NoxLoginError;

use nox_auth::nox_auth_runtime::secret::constant_time_eq;

use crate::pending::random_hex;

/// The key under which the logins NOX started are kept pending in the session.
pub const PENDING_NOX_LOGIN_KEY: &str = "nox_auth.pending_nox_login";

/// The key under which the last [`TermsAcceptance`] is kept in the session.
pub const TERMS_ACCEPTED_KEY: &str = "nox_auth.nox_terms_accepted";

/// How many logins NOX started one session keeps pending (NOX opened in several tabs);
/// a new one beyond drops the oldest, whose form is then refused.
pub const MAX_PENDING_NOX_LOGINS: usize = 4;

/// One pending login as the session keeps it.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct Stored {
    state: String,
    csrf: String,
    /// When first received (Unix milliseconds, our clock).
    received_at_ms: u64,
}

fn unix_ms(t: SystemTime) -> u64 {
    t.duration_since(SystemTime::UNIX_EPOCH)
        .map_or(0, |d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
}

impl Stored {
    fn age(&self, now: SystemTime) -> Duration {
        Duration::from_millis(unix_ms(now).saturating_sub(self.received_at_ms))
    }

    fn public(&self, config: &NoxLoginConfig) -> PendingNoxLogin {
        let received_at = SystemTime::UNIX_EPOCH + Duration::from_millis(self.received_at_ms);
        PendingNoxLogin {
            state: self.state.clone(),
            received_at,
            expires_at: received_at + config.login_window(),
            terms_version: config.terms_version().to_owned(),
            csrf: self.csrf.clone(),
        }
    }
}

async fn load(session: &Session) -> Result<Vec<Stored>, NoxLoginError> {
    // A value that no longer reads (another shape) counts as none.
    Ok(session
        .get::<Vec<Stored>>(PENDING_NOX_LOGIN_KEY)
        .await
        .unwrap_or_default()
        .unwrap_or_default())
}

async fn store(session: &Session, all: &[Stored]) -> Result<(), NoxLoginError> {
    if all.is_empty() {
        session.remove_value(PENDING_NOX_LOGIN_KEY).await?;
    } else {
        session.insert(PENDING_NOX_LOGIN_KEY, all).await?;
    }
    Ok(())
}

/// NOX's `state` and `redirect_uri` from the login page's query (each at most once; the
/// rest ignored).
fn parse_request(query: Option<&str>) -> Result<(String, Option<String>), NoxLoginError> {
    let invalid = |detail: &str| NoxLoginError::InvalidRequest {
        detail: detail.to_owned(),
    };
    let (mut state, mut redirect_uri) = (None, None);
    for (key, value) in url::form_urlencoded::parse(query.unwrap_or("").as_bytes()) {
        let slot = match &*key {
            "state" => &mut state,
            "redirect_uri" => &mut redirect_uri,
            _ => continue,
        };
        if slot.replace(value.into_owned()).is_some() {
            return Err(invalid(&format!("`{key}` is given twice")));
        }
    }
    let state = state.ok_or_else(|| invalid("no `state`"))?;
    if state.is_empty() || state.len() > nox_auth::MAX_STATE_LEN {
        return Err(invalid(&format!(
            "`state` is {} bytes (1 to {} allowed)",
            state.len(),
            nox_auth::MAX_STATE_LEN
        )));
    }
    if !state.bytes().all(|b| (0x20..0x7f).contains(&b)) {
        return Err(invalid("`state` has a character outside printable ASCII"));
    }
    Ok((state, redirect_uri))
}

/// Receives NOX's request to your login page (`query`: the request's query string, e.g.
/// `uri.query()`) and keeps the login pending in `session` (a second call with the same
/// `state`, after your login, finds it again). Refuses a return URL other than the
/// configured one and an unusable `state` (400, never a redirect), and a login older than
/// the window (410). See the [module docs](self) for the handler around it.
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
    let (state, redirect_uri) = parse_request(query)?;
    if let Some(given) = redirect_uri
        && !config.is_return_url(&given)
    {
        return Err(NoxLoginError::ForeignReturnUrl {
            given: nox_auth::nox_auth_runtime::text::excerpt(&given, 200),
        });
    }
    let mut all = load(session).await?;
    if let Some(i) = all.iter().position(|p| p.state == state) {
        let age = all[i].age(now);
        if age > config.login_window() {
            all.remove(i);
            store(session, &all).await?;
            return Err(NoxLoginError::Expired { age });
        }
        return Ok(all[i].public(config));
    }
    let new = Stored {
        state,
        csrf: random_hex("the NOX login's CSRF token")?,
        received_at_ms: unix_ms(now),
    };
    all.retain(|p| p.age(now) <= config.login_window());
    all.push(new.clone());
    let excess = all.len().saturating_sub(MAX_PENDING_NOX_LOGINS);
    all.drain(..excess);
    store(session, &all).await?;
    Ok(new.public(config))
}

/// Answers the consent form for your logged-in user `supplier_user_id` (from your
/// login, never from the request): checks the post is from your origin and carries the
/// pending login's CSRF token, consumes the pending login (single use), checks the
/// window, then on `accept` records the [`TermsAcceptance`] in the session and tells NOX
/// (`Client::post_login_redirect`, or the browser's form post in
/// [`ShareMode::BrowserFormPost`]); on `decline` tells NOX nothing. The answer sends the
/// browser back to NOX's return URL with the `state` (and `error=access_denied` when
/// declined). See the [module docs](self) for the handler around it.
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
    let mut all = load(session).await?;
    let i = all
        .iter()
        .position(|p| p.state == form.state)
        .ok_or(NoxLoginError::NoPendingLogin)?;
    if !constant_time_eq(all[i].csrf.as_bytes(), form.csrf.as_bytes()) {
        return Err(NoxLoginError::CsrfMismatch);
    }
    if accept && form.terms_version != config.terms_version() {
        return Err(NoxLoginError::TermsChanged {
            shown: nox_auth::nox_auth_runtime::text::excerpt(&form.terms_version, 64),
            current: config.terms_version().to_owned(),
        });
    }
    // Single use: removed, and the removal saved, before anything else.
    let pending = all.remove(i);
    store(session, &all).await?;
    session.save().await?;
    let age = pending.age(now);
    if age > config.login_window() {
        return Err(NoxLoginError::Expired { age });
    }
    let state = pending.state;
    if !accept {
        let url = config.return_with(&[("state", &state), ("error", "access_denied")]);
        return Ok(NoxLoginAnswer {
            state,
            accepted: None,
            shared: None,
            browser: BrowserStep::Redirect { url },
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
    let (shared, browser) = match config.share_mode() {
        ShareMode::BrowserFormPost { action } => (
            None,
            BrowserStep::PostToNox {
                action: action.clone(),
                state: state.clone(),
                supplier_user_id: supplier_user_id.to_owned(),
            },
        ),
        ShareMode::ServerCall => {
            let shared = client.post_login_redirect(&state, supplier_user_id).await?;
            let url = config.return_with(&[("state", &state)]);
            (Some(shared), BrowserStep::Redirect { url })
        }
    };
    Ok(NoxLoginAnswer {
        state,
        accepted: Some(acceptance),
        shared,
        browser,
    })
}

/// The last [`TermsAcceptance`] recorded in `session` by [`answer_nox_login`], if any.
pub async fn accepted_terms(session: &Session) -> Result<Option<TermsAcceptance>, NoxLoginError> {
    Ok(session.get(TERMS_ACCEPTED_KEY).await?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nox_requests_are_read_strictly() {
        let ok = parse_request(Some(
            "client_id=x&state=a%20b~%21&response_type=code&scope=s&redirect_uri=https%3A%2F%2Fn%2Fr",
        ))
        .unwrap();
        assert_eq!(ok, ("a b~!".to_owned(), Some("https://n/r".to_owned())));
        assert_eq!(parse_request(Some("state=s")).unwrap().1, None);
        for bad in [
            None,
            Some("redirect_uri=x"),
            Some("state="),
            Some("state=a&state=b"),
            Some("state=a&redirect_uri=x&redirect_uri=y"),
            Some("state=%0a"),
            Some("state=%C3%A9"),
        ] {
            assert!(parse_request(bad).is_err(), "{bad:?}");
        }
        let long = format!("state={}", "a".repeat(nox_auth::MAX_STATE_LEN + 1));
        assert!(parse_request(Some(&long)).is_err());
    }
}
