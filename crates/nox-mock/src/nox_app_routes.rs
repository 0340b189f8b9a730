//! The "NOX app" pages (the NOX-initiated link) and their control API.
//!
//! | request | what |
//! |---|---|
//! | `GET /app` | NOX's app: turn on NOX, choose your energy supplier (a form) |
//! | `POST /app/select` | the choice: an authentication starts, 303 to the supplier's login page with `state` and `redirect_uri` |
//! | `GET /app/return?state=…[&error=…]` | where the supplier sends the browser back: `<p id="outcome" data-outcome="linked\|declined\|failed">` |
//! | `POST /post-login-redirect` as a form | the other reading of the guide: the browser posts `state` and `supplier_user_id` (no key), NOX maps the user and sends the browser on to `/app/return` (303); the server call with the key and JSON is `api.rs` |
//! | `POST /_mock/nox-app/supplier` | `{"login_url": …}`: the supplier's login page |
//! | `POST /_mock/nox-app/authorizations` | `{"device_id"?, "brand"?}`: what the choice does, answered as JSON (201) |
//! | `GET /_mock/nox-app/authorizations/{state}` | one authentication, as JSON |

use axum::Form;
use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{Html, IntoResponse, Json, Response};
use axum::routing::{get, post};
use serde::Deserialize;

use crate::app::App;
use crate::control_error::error;
use crate::device_control;
use crate::nox_app::Authorization;
use crate::ui::{self, escape};

/// The control routes, under `/_mock/nox-app`.
pub(crate) fn control_routes() -> Router<App> {
    Router::new()
        .route("/_mock/nox-app/supplier", post(set_supplier))
        .route("/_mock/nox-app/authorizations", post(authorize))
        .route("/_mock/nox-app/authorizations/{state}", get(authorization))
}

/// NOX's redirect URL for the supplier's login page: where the supplier sends the
/// browser back.
pub(crate) fn return_url(app: &App) -> String {
    format!("{}/app/return", app.base_url)
}

/// NOX's app speaks English: the Authenticator UI's page frame, in English.
fn page(title: &str, body: &str) -> Response {
    Html(ui::page(nox_auth::Language::En, title, body)).into_response()
}

/// `GET /app`: NOX's app, where a user turns NOX on and picks their energy supplier.
pub(crate) async fn show(State(app): State<App>) -> Response {
    let supplier = escape(&app.supplier_name);
    let body = if app.nox_app.login_url().is_some() {
        format!(
            "<p>Let your energy supplier steer your heat pump with NOX.</p>\n\
             <form id=\"supplier-selector\" method=\"post\" action=\"/app/select\">\n\
             <label>Your energy supplier <select name=\"supplier\" id=\"supplier\">\
             <option value=\"{supplier}\">{supplier}</option></select></label>\n\
             <button type=\"submit\" id=\"choose-supplier\">Continue to {supplier}</button>\n</form>"
        )
    } else {
        "<p id=\"error\" role=\"alert\">No energy supplier offers a login page yet.</p>".into()
    };
    page("Turn on NOX", &body)
}

/// `POST /app/select` form.
#[derive(Debug, Deserialize)]
pub(crate) struct SelectForm {
    #[allow(dead_code)]
    supplier: Option<String>,
}

/// Whether a post comes from the mock's own page: `Sec-Fetch-Site` (when sent) says
/// `same-origin` (or `none`, typed by the user), an `Origin` (when sent) is the mock's (an
/// opaque `null` is not), and the body is a form (`text/plain`, which another site's form
/// can send too, is not what this page sends).
fn from_own_page(headers: &HeaderMap, base_url: &str) -> bool {
    let text = |name: header::HeaderName| -> Vec<&str> {
        headers
            .get_all(name)
            .iter()
            .map(|v| v.to_str().unwrap_or("\u{0}"))
            .collect()
    };
    let fetch_site = text(header::HeaderName::from_static("sec-fetch-site"));
    if !fetch_site
        .iter()
        .all(|s| matches!(*s, "same-origin" | "none"))
    {
        return false;
    }
    let origin = text(header::ORIGIN);
    if !origin.iter().all(|o| o.trim_end_matches('/') == base_url) {
        return false;
    }
    let content_type = text(header::CONTENT_TYPE);
    content_type.len() == 1
        && content_type[0].split(';').next().is_some_and(|t| {
            t.trim()
                .eq_ignore_ascii_case("application/x-www-form-urlencoded")
        })
}

/// `POST /app/select`: starts an authentication and sends the browser to the supplier's
/// login page (303). Only from the mock's own page: a post with `Sec-Fetch-Site`
/// `cross-site` or `same-site`, an `Origin` of another site or `null`, or a body that is
/// not a form is refused (403).
pub(crate) async fn select(
    State(app): State<App>,
    headers: HeaderMap,
    _form: Result<Form<SelectForm>, axum::extract::rejection::FormRejection>,
) -> Response {
    if !from_own_page(&headers, &app.base_url) {
        return failed(
            StatusCode::FORBIDDEN,
            "This choice did not come from NOX's page.",
        );
    }
    match app.nox_app.start(&app.store, &return_url(&app), None, None) {
        Ok(auth) => (
            StatusCode::SEE_OTHER,
            [(header::LOCATION, auth.authorize_url)],
        )
            .into_response(),
        Err(e) => failed(StatusCode::CONFLICT, &e),
    }
}

fn failed(status: StatusCode, message: &str) -> Response {
    let body = format!(
        "<p id=\"outcome\" data-outcome=\"failed\" role=\"alert\">{}</p>",
        escape(message)
    );
    (status, page("Not linked", &body)).into_response()
}

/// `GET /app/return` query.
#[derive(Debug, Deserialize)]
pub(crate) struct ReturnQuery {
    state: Option<String>,
    error: Option<String>,
}

/// `GET /app/return?state=…`: NOX's app after the supplier's login, telling the user
/// whether NOX heard from the supplier for this authentication.
pub(crate) async fn returned(State(app): State<App>, Query(q): Query<ReturnQuery>) -> Response {
    let Some(auth) = q.state.as_deref().and_then(|s| app.nox_app.get(s)) else {
        return failed(
            StatusCode::BAD_REQUEST,
            "NOX does not know this authentication (no or a foreign state).",
        );
    };
    let supplier = escape(&app.supplier_name);
    if let Some(user) = &auth.supplier_user_id {
        let body = format!(
            "<p id=\"outcome\" data-outcome=\"linked\">Your heat pump <code id=\"device-id\">{}</code> \
             is now linked to {supplier} (customer <code id=\"supplier-user-id\">{}</code>).</p>",
            escape(&auth.device_id),
            escape(user)
        );
        return page("Linked", &body);
    }
    if q.error.is_some() {
        let body = format!(
            "<p id=\"outcome\" data-outcome=\"declined\">You did not link {supplier}. Nothing was shared.</p>"
        );
        return page("Not linked", &body);
    }
    failed(
        StatusCode::OK,
        "The supplier sent you back, but did not tell NOX who you are: nothing was linked.",
    )
}

/// `POST /_mock/nox-app/supplier` body.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct SupplierBody {
    login_url: String,
}

async fn set_supplier(State(app): State<App>, body: Bytes) -> Response {
    let body: SupplierBody = match device_control::body("a supplier", &body) {
        Ok(b) => b,
        Err(refused) => return *refused,
    };
    match app.nox_app.set_login_url(&body.login_url) {
        Ok(()) => Json(serde_json::json!({
            "login_url": body.login_url,
            "return_url": return_url(&app),
        }))
        .into_response(),
        Err(e) => error(StatusCode::BAD_REQUEST, e),
    }
}

/// `POST /_mock/nox-app/authorizations` body.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct AuthorizeBody {
    device_id: Option<String>,
    brand: Option<String>,
}

async fn authorize(State(app): State<App>, body: Bytes) -> Response {
    let body: AuthorizeBody = if body.is_empty() {
        AuthorizeBody::default()
    } else {
        match device_control::body("an authorization", &body) {
            Ok(b) => b,
            Err(refused) => return *refused,
        }
    };
    let started = app.nox_app.start(
        &app.store,
        &return_url(&app),
        body.device_id.as_deref(),
        body.brand.as_deref(),
    );
    match started {
        Ok(auth) => (StatusCode::CREATED, Json(auth)).into_response(),
        Err(e) => error(StatusCode::BAD_REQUEST, e),
    }
}

async fn authorization(State(app): State<App>, Path(state): Path<String>) -> Response {
    match app.nox_app.get(&state) {
        Some(auth) => Json::<Authorization>(auth).into_response(),
        None => error(StatusCode::NOT_FOUND, "no authorization with this state"),
    }
}

/// `POST /post-login-redirect` posted by the browser as a form (`state`, `supplier_user_id`;
/// no key: a browser cannot hold one), the reading of NOX's guide that
/// `ShareMode::BrowserFormPost` of nox-auth-axum follows. Mapped as the server call maps,
/// then the browser is sent on to NOX's app (`/app/return`, 303); a refusal is a page (400).
/// Nothing in such a post proves the supplier sent it: the real NOX would have to
/// authenticate it some other way (decision 34 of `specs/README.md`).
pub(crate) fn form_post_login_redirect(app: &App, body: &[u8]) -> Response {
    let field = |name: &str| {
        url::form_urlencoded::parse(body)
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.into_owned())
            .filter(|v| !v.is_empty())
    };
    let (Some(state), Some(supplier_user_id)) = (field("state"), field("supplier_user_id")) else {
        return failed(
            StatusCode::BAD_REQUEST,
            "The form needs both state and supplier_user_id.",
        );
    };
    if state.len() > nox_auth::MAX_STATE_LEN
        || supplier_user_id.len() > crate::config::MAX_USER_ID_BYTES
    {
        return failed(
            StatusCode::BAD_REQUEST,
            "state or supplier_user_id is too long.",
        );
    }
    match app.nox_app.share(&app.store, &state, &supplier_user_id) {
        Ok(_) => {
            let mut to = url::Url::parse(&return_url(app)).expect("our own URL parses");
            to.query_pairs_mut().append_pair("state", &state);
            (StatusCode::SEE_OTHER, [(header::LOCATION, to.to_string())]).into_response()
        }
        Err(e) => failed(StatusCode::BAD_REQUEST, e.message()),
    }
}
