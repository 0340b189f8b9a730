//! When the user starts at NOX: this site's login page for NOX (`GET /nox/authorize`, the
//! URL NOX's app sends users to) and its consent form (`POST /nox/consent`), around
//! `nox_auth_axum::nox_login`.

use axum::extract::{Form, State};
use axum::http::{HeaderMap, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use nox_auth_axum::nox_login::{self, ConsentForm, NoxLoginError};

use super::{Site, esc, logged_in, login_form, page};

/// The version of the terms below (recorded with each acceptance).
pub const TERMS_VERSION: &str = "2025-01";

/// The terms, as a real site writes them.
const TERMS: &str = "<ul id=\"terms\"><li>Example Energy may see your heat pump's state through NOX \
     and shift when it runs to cheaper, greener hours.</li>\
     <li>You can stop this at any time in NOX's app or here.</li></ul>";

/// A refusal: for a login NOX did start, back to NOX with `error=` (the library's 303);
/// else a page with the status and the sentence, never a redirect (the details went to
/// the log).
fn refused(e: NoxLoginError) -> Response {
    eprintln!("axum_backend: a login from NOX was refused: {e}");
    if let Some(accepted) = e.acceptance() {
        // NOX failed after the user accepted: a real site stores this too.
        println!(
            "axum_backend: {} accepted terms {} for NOX (NOX then failed)",
            accepted.supplier_user_id, accepted.terms_version
        );
    }
    if e.back_to_nox().is_some() {
        return e.into_response();
    }
    page(
        e.status(),
        "Connecting NOX failed",
        &format!("<p id=\"reason\">{}</p>", esc(e.public_message())),
    )
}

/// `GET /nox/authorize?state=…&redirect_uri=…`: NOX's request is checked; then this
/// site's login (and back here); only then is it kept in the session (an anonymous visit
/// writes no session row), and the terms shown with Accept, Decline and Cancel.
pub(super) async fn authorize(
    State(site): State<Site>,
    headers: HeaderMap,
    session: tower_sessions::Session,
    uri: Uri,
) -> Response {
    let Some(config) = &site.nox_login else {
        return page(
            StatusCode::NOT_FOUND,
            "Not found",
            "<p id=\"reason\">This site has no login page for NOX configured.</p>",
        );
    };
    if let Err(e) = nox_login::check_nox_request(config, uri.query()) {
        return refused(e);
    }
    let Some(user) = logged_in(&headers) else {
        // This site's login first, then back to this same URL.
        let here = uri
            .path_and_query()
            .map_or("/nox/authorize", |p| p.as_str());
        return page(
            StatusCode::OK,
            "Log in to connect NOX",
            &format!(
                "<p id=\"why\">NOX asks to connect your Example Energy account. Log in first.</p>{}",
                login_form(here)
            ),
        );
    };
    // After the login check: it writes to the session.
    let login = match nox_login::receive_nox_login(config, &session, uri.query()).await {
        Ok(login) => login,
        Err(e) => return refused(e),
    };
    // The buttons are disabled after the submit (a double click would post twice, the
    // second refused as used); at once, the pressed button's `decision` would not be sent.
    let body = format!(
        "<p id=\"who\">Logged in as {user}</p>\
         <p>You chose Example Energy in NOX's app. Connecting lets us steer the heat pump \
         of that NOX account. Our terms (version <span id=\"terms-version\">{version}</span>):</p>\
         {TERMS}\
         <form method=\"post\" action=\"/nox/consent\" onsubmit=\"setTimeout(()=>this.querySelectorAll('button').forEach(b=>b.disabled=true))\">{fields}\
         <button id=\"accept\" name=\"decision\" value=\"accept\">Accept and connect</button> \
         <button id=\"decline\" name=\"decision\" value=\"decline\">Decline</button> \
         <button id=\"cancel\" name=\"decision\" value=\"decline\">Cancel and go back to NOX</button></form>",
        user = esc(&user),
        version = esc(&login.terms_version),
        fields = login.hidden_fields(),
    );
    let mut answer = page(StatusCode::OK, "Connect NOX to Example Energy", &body);
    // The page holds the CSRF token: not to be cached (nor framed, as every page here).
    nox_login::no_frames(answer.headers_mut());
    answer
}

/// `POST /nox/consent`: Accept tells NOX (from this server, with the key) who the user is
/// and sends the browser back to NOX; Decline sends it back with `error=access_denied`.
pub(super) async fn consent(
    State(site): State<Site>,
    headers: HeaderMap,
    session: tower_sessions::Session,
    Form(form): Form<ConsentForm>,
) -> Response {
    let Some(config) = &site.nox_login else {
        return StatusCode::NOT_FOUND.into_response();
    };
    let Some(user) = logged_in(&headers) else {
        return page(
            StatusCode::UNAUTHORIZED,
            "Connecting NOX failed",
            "<p id=\"reason\">Log in first, then start again from the NOX app.</p>",
        );
    };
    match nox_login::answer_nox_login(&site.nox, config, &session, &headers, &user, &form).await {
        Ok(answer) => {
            if let Some(accepted) = &answer.accepted {
                // A real site stores this in its database.
                println!(
                    "axum_backend: {} accepted terms {} for NOX",
                    accepted.supplier_user_id, accepted.terms_version
                );
            }
            answer.into_response()
        }
        Err(e) => refused(e),
    }
}
