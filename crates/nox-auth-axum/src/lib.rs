//! The NOX link flow inside an axum backend, on tower-sessions.
//!
//! Every integrator writes the same two handlers. The `?data=` callback is not signed, so
//! the second one is only safe if it (a) finds the link session of *the user logged in in
//! this browser*, (b) verifies the payload against it, (c) consumes it so the callback URL
//! cannot be replayed, (d) survives a restart or a second instance of the backend, and (e)
//! asks NOX whether it really linked those devices to that user.
//! [`start_supplier_link`] and [`finish_supplier_link`] do all five, keeping the pending link
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
//! async fn callback(State(nox): State<Client>, session: Session, uri: axum::http::Uri) -> Response {
//!     let user = logged_in_user(&session);
//!     match finish_supplier_link(&nox, &session, &user, &uri.to_string()).await {
//!         // Confirmed at NOX: the devices are listed for this user.
//!         Ok(linked) => format!("linked {:?}", linked.connection.device_ids).into_response(),
//!         // A status and a sentence safe to show; the details go to `tracing`.
//!         Err(e) => e.into_response(),
//!     }
//! }
//! ```
//!
//! [`nox_login`] is the other direction (section 2 of NOX's guide): the user starts at NOX,
//! which sends them to *your* login page; see [When the user starts at
//! NOX](#when-the-user-starts-at-nox).
//!
//! `crates/nox-auth-axum/examples/axum_backend/` is a whole site (login, link page,
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
//! # The state nonce (on by default)
//!
//! `?data=` is not signed: anyone who knows a user's id can build a payload that names that
//! user and *their own* NOX user and devices, and send the user's browser to your callback
//! while the user's link is pending. Verification against the stored session cannot tell
//! it from NOX's. So, as OAuth does with `state`, the start functions put a random nonce
//! into `redirect_url`'s query ([`STATE_PARAM`], `nox_state`), keep it with the pending link,
//! and the finish functions require it back (compared in constant time) before the pending
//! link is touched: a callback built elsewhere is [`LinkError::StateMismatch`] (403), and
//! the real one still works. NOX's docs do not say whether it keeps a query string of a
//! registered `redirect_url`: if NOX refuses it, start fails with
//! [`LinkError::StateRefused`]; `FlowOptions::default().state_nonce(false)` with the
//! `*_with` start functions turns the nonce off, and then only verification (and asking NOX
//! which devices it linked) stands between a forged callback and your user's account.
//!
//! What verification proves: the payload names the user the link was started for, within
//! that link session's lifetime, with a brand that fits it. What it does not: that NOX sent
//! it. `nox_user_id` and `device_ids` are the payload's claims.
//!
//! The start functions also give the session a new id (`Session::cycle_id`, once NOX has
//! answered), so a session id an attacker planted in the browser before linking is
//! worthless after it. A second start for the same request within 20 seconds of the first
//! (a double click, a reload) sends the browser to that link again instead of asking NOX
//! for another ([`FlowOptions::reuse_pending`]). A start for
//! another request (a heat pump in one tab, an inverter in another) adds a pending link:
//! a session keeps up to [`MAX_PENDING`] per flow, each finished by its own callback (its
//! nonce says which), the oldest dropped beyond that.
//!
//! # Confirmed at NOX (on by default)
//!
//! After verification, the finish functions ask NOX's Package API (`Client::confirm`):
//! every device of the callback must be listed for the user the link was started for,
//! with the callback's brand, not already needing re-authentication. A link NOX does not
//! confirm is [`LinkError::NotConfirmed`] (403; 503 while NOX has not listed it yet; 409
//! when NOX needs the user to link again), which keeps the verified connection for a
//! later `Client::confirm`. `finish_*_unconfirmed` (and `finish_*_at`) skip that step: the
//! result is then the payload's claim, and a user who edits the callback can claim a
//! device NOX never linked to them.
//!
//! # What single use means
//!
//! A finish function first decodes `?data=` and checks it names the logged-in user, then
//! checks the state nonce: a stray request (no `data`, garbage, another user's payload, a
//! foreign nonce) answers 4xx and leaves the pending link in place for the real callback.
//! A callback that gets past those checks consumes the pending link (removed, the removal
//! saved) *before* it is verified, so the same callback URL opened again, in this browser or
//! another, is refused ([`LinkError::NoPendingLink`], 410), even when verification failed.
//! tower-sessions has no atomic "take": two requests *racing* with the same session cookie
//! (the same browser, within milliseconds) can both read the pending link before either
//! saves. Both are then the same user finishing the same link with the same nonce, so both
//! yield the same connection: record it idempotently (by `link_token`).
//!
//! The same holds for requests of one session that *overlap* (last save wins): a start
//! that runs while NOX answers (up to its deadline) and a finish of another link in
//! between can bring that consumed link back, so its callback, in this browser only,
//! finishes once more with the same connection (idempotent by `link_token`, as above);
//! and two starts that overlap (a double click faster than NOX answers) each create a NOX
//! session, of which the last saved stays pending. The example disables its button on
//! submit; an in-process lock per session would close this on one instance only.

//!
//! # When the user starts at NOX
//!
//! NOX's guide (section 2) has a second way in: the user turns NOX on in NOX's or a
//! manufacturer's app, picks you as their supplier, and NOX sends their browser to your
//! OAuth login page with a `state` and its return URL. [`nox_login::receive_nox_login`]
//! checks and keeps that request, after your login check (the return URL must be one of
//! NOX's configured ones, exactly; 15 minutes at most), your terms page runs in between, and
//! [`nox_login::answer_nox_login`] takes the consent form (same origin, CSRF token, single
//! use), tells NOX your user's id from your server (`POST /post-login-redirect`, the key
//! never in the browser) and sends the browser back to NOX with the same `state`. What is
//! guessed about NOX's side is in decisions 33 to 40 of `specs/README.md`.

#![warn(missing_docs)]
#![cfg_attr(docsrs, feature(doc_cfg))]

mod error;
mod finish;
pub mod nox_login;
mod pending;

use std::time::{Duration, SystemTime};

use axum::response::Redirect;
use nox_auth::{
    Client, ManufacturerLinkRequest, ManufacturerLinkSession, SupplierLinkRequest,
    SupplierLinkSession,
};
use tower_sessions::Session;

pub use error::LinkError;
pub use finish::{
    finish_manufacturer_link, finish_manufacturer_link_at, finish_manufacturer_link_unconfirmed,
    finish_manufacturer_link_with, finish_supplier_link, finish_supplier_link_at,
    finish_supplier_link_unconfirmed, finish_supplier_link_with,
};
use pending::{Link, Pending, add, load, new_state, with_state};
pub use pending::{MAX_PENDING, PENDING_MANUFACTURER_KEY, PENDING_SUPPLIER_KEY, STATE_PARAM};

/// The old name of [`PENDING_SUPPLIER_KEY`], kept until 0.3.
#[deprecated(since = "0.2.0", note = "renamed to `PENDING_SUPPLIER_KEY`")]
pub const PENDING_KEY: &str = PENDING_SUPPLIER_KEY;

/// How the flow runs. The default is the safe one: the state nonce on.
///
/// ```
/// let options = nox_auth_axum::FlowOptions::default().state_nonce(false);
/// assert!(!options.state_nonce);
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct FlowOptions {
    /// Put a state nonce into `redirect_url` and require it back (default `true`). Turning
    /// it off leaves a forged callback, sent to a user's browser while their link is
    /// pending, to verification alone (see the crate docs).
    pub state_nonce: bool,
    /// A second start for the same request at most this long after the first sends the
    /// browser to that link again instead of asking NOX for another (a double click, a
    /// reload: both then finish the same link). Short on purpose: the backend cannot know
    /// whether the user already completed that link at NOX (whose UI then refuses it), so
    /// a later start asks NOX for a fresh one. A link valid for less than
    /// [`REUSE_MIN_VALIDITY`] more is never reused. Default [`DEFAULT_REUSE_PENDING`]; `None`
    /// always asks NOX.
    pub reuse_pending: Option<Duration>,
}

/// How soon after a start a second one for the same request reuses its link, by default.
pub const DEFAULT_REUSE_PENDING: Duration = Duration::from_secs(20);

/// How long a pending link must still be valid for a start to reuse it: the user needs
/// time at NOX, so a link about to expire is replaced by a fresh one.
pub const REUSE_MIN_VALIDITY: Duration = Duration::from_secs(60);

impl Default for FlowOptions {
    fn default() -> Self {
        FlowOptions {
            state_nonce: true,
            reuse_pending: Some(DEFAULT_REUSE_PENDING),
        }
    }
}

impl FlowOptions {
    /// Turns the state nonce on or off.
    pub fn state_nonce(mut self, on: bool) -> Self {
        self.state_nonce = on;
        self
    }

    /// Reuses a pending link started at most `window` ago (`None`: never reuse).
    pub fn reuse_pending(mut self, window: Option<Duration>) -> Self {
        self.reuse_pending = window;
        self
    }
}

/// The pending link under `key`, if a start with `options` may send the browser there
/// again: it is for the same request (the same user and `redirect_url`, and what `same`
/// adds for its kind), carries a nonce exactly when the options want one, was started at
/// most `options.reuse_pending` ago and has not expired.
async fn reusable<T: Link>(
    session: &Session,
    key: &str,
    options: &FlowOptions,
    (user_id, redirect_url): (&str, &str),
    same: impl Fn(&T) -> bool,
) -> Result<Option<Redirect>, LinkError> {
    let Some(window) = options.reuse_pending else {
        return Ok(None);
    };
    // Pending links that no longer read (another shape) are simply not reused.
    let all = load::<T>(session, key).await.unwrap_or_default();
    let now = SystemTime::now();
    let fits = |pending: &Pending<T>| {
        // What this request would send NOX with the link's nonce.
        let sent = match pending.state.as_deref() {
            Some(state) => with_state(redirect_url, state),
            None => redirect_url.to_owned(),
        };
        let link = &pending.link;
        pending.state.is_some() == options.state_nonce
            && link.user_id() == user_id
            && link.redirect_url() == sent
            && same(link)
            && pending.started_within(window, now)
            && !link.times().is_expired(now + REUSE_MIN_VALIDITY)
    };
    Ok(all
        .iter()
        .rev()
        .find(|p| fits(p))
        .map(|p| Redirect::to(&for_browser(p.link.link_url()))))
}

/// Before NOX's call, for both start functions: the nonce put into `redirect_url` (unless
/// turned off). Returns the nonce.
fn prepare(options: &FlowOptions, redirect_url: &mut String) -> Result<Option<String>, LinkError> {
    if !options.state_nonce {
        return Ok(None);
    }
    let state = new_state()?;
    *redirect_url = with_state(redirect_url, &state);
    Ok(Some(state))
}

/// After NOX's call: the session gets a new id (only now: a failed start leaves the
/// session, its login and earlier pending links as they were), the link is added to the
/// pending ones under `key` with its nonce, and the browser goes to NOX's UI.
///
/// Why NOX refused a start for its `redirect_url`, if it did: a 400 whose message names the
/// field, or a FastAPI-style 422 (an answer the spec does not describe) whose `detail`
/// locates the error at it. Only the field's own error counts: a 422 for another field
/// echoes the whole request body, `redirect_url` and its nonce included, and must not be
/// read as a refusal of the nonce (whose advice is to turn it off).
fn refuses_redirect_url(e: &nox_auth::Error) -> Option<String> {
    match e {
        nox_auth::Error::Api {
            status, message, ..
        } if status.as_u16() == 400 && message.to_ascii_lowercase().contains("redirect_url") => {
            Some(format!("NOX answered {status}: {message}"))
        }
        nox_auth::Error::UnexpectedStatus {
            status,
            body_excerpt,
            ..
        } if status.as_u16() == 422 => {
            let body: serde_json::Value = serde_json::from_str(body_excerpt).ok()?;
            body["detail"].as_array()?.iter().find_map(|d| {
                let at_field = d["loc"].as_array()?.last()?.as_str()? == "redirect_url";
                let msg = d["msg"].as_str().unwrap_or("refused");
                at_field.then(|| {
                    format!(
                        "NOX answered {status}: redirect_url: {}",
                        nox_auth::nox_auth_runtime::text::excerpt(msg, 200)
                    )
                })
            })
        }
        _ => None,
    }
}

/// With the nonce on, NOX refusing the `redirect_url` (a 400 or 422 whose message names it), or
/// answering with a `redirect_url` that lost the nonce, is [`LinkError::StateRefused`]: every
/// callback would otherwise fail. Any other refusal is NOX's own error.
async fn keep<T: Link>(
    session: &Session,
    key: &str,
    state: Option<String>,
    created: Result<T, nox_auth::Error>,
) -> Result<Redirect, LinkError> {
    let link = match created {
        Ok(link) => link,
        Err(e) => {
            if state.is_some()
                && let Some(detail) = refuses_redirect_url(&e)
            {
                return Err(LinkError::StateRefused { detail });
            }
            return Err(e.into());
        }
    };
    let (link_url, echoed_redirect) = (link.link_url(), link.redirect_url());
    if let Some(state) = &state
        && !echoed_redirect.contains(&format!("{STATE_PARAM}={state}"))
    {
        return Err(LinkError::StateRefused {
            detail: format!(
                "NOX's answer names the redirect_url `{}`, without the nonce",
                nox_auth::nox_auth_runtime::text::excerpt(echoed_redirect, 200)
            ),
        });
    }
    let to = for_browser(link_url);
    session.cycle_id().await?;
    let now = SystemTime::now();
    let started_at = nox_auth::time::to_unix_secs(now);
    add(
        session,
        key,
        Pending {
            link,
            state,
            started_at,
        },
        now,
    )
    .await?;
    Ok(Redirect::to(&to))
}

/// The `link_url` (checked by the facade) as parsed: no control character a raw
/// `Location` header could not carry.
fn for_browser(link_url: &str) -> String {
    url::Url::parse(link_url).map_or_else(|_| link_url.to_owned(), String::from)
}

/// Creates a v2 supplier link session for `request` (whose `user_id` must be the user
/// logged in), adds it to the pending links of `session` (at most [`MAX_PENDING`]), and
/// answers with the redirect (303) to NOX's Authenticator UI. The state nonce is on
/// ([`start_supplier_link_with`] to change that); the session gets a new id.
pub async fn start_supplier_link(
    client: &Client,
    session: &Session,
    request: SupplierLinkRequest,
) -> Result<Redirect, LinkError> {
    start_supplier_link_with(client, session, request, &FlowOptions::default()).await
}

/// [`start_supplier_link`] with explicit [`FlowOptions`].
pub async fn start_supplier_link_with(
    client: &Client,
    session: &Session,
    mut request: SupplierLinkRequest,
    options: &FlowOptions,
) -> Result<Redirect, LinkError> {
    let same = |l: &SupplierLinkSession| {
        l.asset_type == request.asset_type
            && l.brand.as_ref().and_then(|b| b.known()) == request.brand
    };
    let reuse = reusable(
        session,
        PENDING_SUPPLIER_KEY,
        options,
        (&request.user_id, &request.redirect_url),
        same,
    );
    if let Some(redirect) = reuse.await? {
        return Ok(redirect);
    }
    let state = prepare(options, &mut request.redirect_url)?;
    let created = client.create_supplier_link_session(request).await;
    keep(session, PENDING_SUPPLIER_KEY, state, created).await
}

/// The manufacturer flow's start: as [`start_supplier_link`], for a
/// `ManufacturerLinkRequest`.
pub async fn start_manufacturer_link(
    client: &Client,
    session: &Session,
    request: ManufacturerLinkRequest,
) -> Result<Redirect, LinkError> {
    start_manufacturer_link_with(client, session, request, &FlowOptions::default()).await
}

/// [`start_manufacturer_link`] with explicit [`FlowOptions`].
pub async fn start_manufacturer_link_with(
    client: &Client,
    session: &Session,
    mut request: ManufacturerLinkRequest,
    options: &FlowOptions,
) -> Result<Redirect, LinkError> {
    let reuse = reusable(
        session,
        PENDING_MANUFACTURER_KEY,
        options,
        (&request.user_id, &request.redirect_url),
        |_: &ManufacturerLinkSession| true,
    );
    if let Some(redirect) = reuse.await? {
        return Ok(redirect);
    }
    let state = prepare(options, &mut request.redirect_url)?;
    let created = client.create_manufacturer_link_session(request).await;
    keep(session, PENDING_MANUFACTURER_KEY, state, created).await
}
