//! The control API under `/_mock` (JSON) and the inspector page `GET /_mock` (HTML):
//! what a test suite needs to drive the mock without its UI.
//!
//! | request | what |
//! |---|---|
//! | `GET /_mock` | the inspector page: the newest sessions with Complete / Expire buttons, devices, the last requests |
//! | `GET /_mock/sessions` | the sessions, a page at a time (`limit`, `cursor`: `control_list.rs`): token, kind, user, asset type, brand, state, expiry |
//! | `GET /_mock/requests` | the answered requests kept, oldest first, a page at a time |
//! | `POST /_mock/sessions/{token}/complete` | complete as the UI would; `{"brand"?, "device_ids"?}`; answers `{"redirect_url": …}` |
//! | `POST /_mock/sessions/{token}/expire` | expire now |
//! | `POST /_mock/reset` | forget every session, user, device, request and fault |
//! | `GET`/`POST`/`DELETE /_mock/faults` | list, arm (a [`crate::Fault`] as JSON; answers the fault armed), clear |
//! | `/_mock/devices…` | the Package API's devices: list, add in bulk, mark, visibility delay (`device_control.rs`) |
//!
//! The control API has no API key; `control_guard.rs` keeps it its owner's (the `Host`, a
//! browser's `Origin`, JSON bodies only, and the control token when one is set). It is
//! not in the request log.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::{Value, json};

use crate::app::App;
use crate::control_error::error;
use crate::error::Error;
use crate::faults::Fault;
use crate::session::{CompleteError, Session};
use crate::ui::escape;
use crate::{control_list, device_control};

/// The control routes, all under `/_mock`.
pub(crate) fn routes() -> Router<App> {
    Router::new()
        .route("/_mock", get(inspector))
        .route("/_mock/sessions", get(control_list::sessions))
        .route("/_mock/requests", get(control_list::requests))
        .route("/_mock/sessions/{token}/complete", post(complete))
        .route("/_mock/sessions/{token}/expire", post(expire))
        .route("/_mock/reset", post(reset))
        .route("/_mock/faults", get(faults).post(arm).delete(clear_faults))
        .merge(device_control::routes())
        .merge(crate::nox_app_routes::control_routes())
}

/// The fields a fault has in JSON. serde's `flatten` (the fault's `kind` and its fields)
/// cannot refuse unknown ones, so they are checked here: a misspelled key
/// (`"opertion"`) must not arm a fault on every operation.
const FAULT_FIELDS: [&str; 6] = [
    "operation",
    "times",
    "delay_ms",
    "kind",
    "status",
    "retry_after",
];

/// `POST …/complete`: JSON (all fields optional), or no body.
#[derive(Debug, Default, Deserialize)]
struct Completion {
    brand: Option<String>,
    #[serde(default)]
    device_ids: Vec<String>,
}

/// The brand a completion uses when none is given: the session's pre-selected one, else
/// the first brand valid for its asset type, else (manufacturer sessions) the
/// manufacturer's name.
fn default_brand(app: &App, s: &Session) -> String {
    match (s.brand(), s.asset_type()) {
        (Some(b), _) => b.slug().to_owned(),
        (None, Some(asset_type)) => asset_type
            .brands()
            .first()
            .map(|b| b.slug().to_owned())
            .unwrap_or_default(),
        (None, None) => app.manufacturer_name.to_lowercase(),
    }
}

async fn complete(
    State(app): State<App>,
    Path(token): Path<String>,
    body: axum::body::Bytes,
) -> Response {
    let completion: Completion = if body.is_empty() {
        Completion::default()
    } else {
        match serde_json::from_slice(&body) {
            Ok(c) => c,
            Err(e) => return error(StatusCode::BAD_REQUEST, format!("not a completion: {e}")),
        }
    };
    let Some(session) = app.store.session(&token) else {
        return error(StatusCode::NOT_FOUND, CompleteError::UnknownToken);
    };
    let brand = completion
        .brand
        .unwrap_or_else(|| default_brand(&app, &session));
    let device_ids = if completion.device_ids.is_empty() {
        vec![format!("mock-device-{}", &token[..8.min(token.len())])]
    } else {
        completion.device_ids
    };
    match app.store.complete(&token, &brand, device_ids) {
        Ok(redirect_url) => Json(json!({"redirect_url": redirect_url})).into_response(),
        Err(e) => {
            let status = match e {
                CompleteError::UnknownToken => StatusCode::NOT_FOUND,
                CompleteError::InvalidDeviceIds(_) => StatusCode::BAD_REQUEST,
                _ => StatusCode::CONFLICT,
            };
            error(status, e)
        }
    }
}

async fn expire(State(app): State<App>, Path(token): Path<String>) -> Response {
    if !app.store.expire(&token) {
        return error(StatusCode::NOT_FOUND, CompleteError::UnknownToken);
    }
    StatusCode::NO_CONTENT.into_response()
}

async fn reset(State(app): State<App>) -> StatusCode {
    app.reset();
    app.faults.clear();
    StatusCode::NO_CONTENT
}

async fn faults(State(app): State<App>) -> Json<Vec<Fault>> {
    Json(app.faults.list())
}

async fn arm(State(app): State<App>, body: axum::body::Bytes) -> Response {
    let value: Value = match serde_json::from_slice(&body) {
        Ok(v) => v,
        Err(e) => return error(StatusCode::BAD_REQUEST, format!("not a fault: {e}")),
    };
    if let Some(unknown) = value
        .as_object()
        .and_then(|o| o.keys().find(|k| !FAULT_FIELDS.contains(&k.as_str())))
    {
        return error(
            StatusCode::BAD_REQUEST,
            format!(
                "not a fault: unknown field `{unknown}`; the fields are {}",
                FAULT_FIELDS.join(", ")
            ),
        );
    }
    let fault: Fault = match serde_json::from_value(value) {
        Ok(f) => f,
        Err(e) => return error(StatusCode::BAD_REQUEST, format!("not a fault: {e}")),
    };
    // The fault armed, not the whole list: the answer stays small however many are armed.
    match app.faults.arm(fault.clone()) {
        Ok(()) => (StatusCode::CREATED, Json(fault)).into_response(),
        Err(why @ Error::TooManyFaults { .. }) => error(StatusCode::CONFLICT, why),
        Err(why) => error(StatusCode::BAD_REQUEST, why),
    }
}

async fn clear_faults(State(app): State<App>) -> StatusCode {
    app.faults.clear();
    StatusCode::NO_CONTENT
}

/// How many of the newest sessions and requests the inspector shows.
const SHOWN_SESSIONS: usize = 200;
const SHOWN_REQUESTS: usize = 50;

/// The inspector's buttons: a JSON POST (the control API takes no form), with the
/// control token the page was opened with, then the page again.
const BUTTONS_SCRIPT: &str = "<script>\n\
document.addEventListener('click', async (e) => {\n\
  const b = e.target.closest('button[data-action]');\n\
  if (!b) return;\n\
  b.disabled = true;\n\
  const headers = {'content-type': 'application/json'};\n\
  const token = new URLSearchParams(location.search).get('control_token');\n\
  if (token) headers['x-mock-control-token'] = token;\n\
  const r = await fetch(b.dataset.action, {method: 'POST', headers, body: '{}'});\n\
  if (!r.ok) { alert(r.status + ' ' + await r.text()); }\n\
  location.reload();\n\
});\n\
</script>\n";

async fn inspector(State(app): State<App>) -> Html<String> {
    let now = app.store.now();
    let mut rows = String::new();
    let (sessions, n) = app.store.newest_sessions(SHOWN_SESSIONS);
    for s in &sessions {
        let state = s.state(now);
        let actions = if state == "pending" {
            let t = escape(&s.token);
            format!(
                "<button class=\"complete\" data-action=\"/_mock/sessions/{t}/complete\">Complete</button>\
                 <button class=\"expire\" data-action=\"/_mock/sessions/{t}/expire\">Expire</button>"
            )
        } else {
            s.callback_url
                .as_deref()
                .map(|u| format!("<a class=\"callback\" href=\"{0}\">callback</a>", escape(u)))
                .unwrap_or_default()
        };
        rows.push_str(&format!(
            "<tr data-token=\"{token}\" data-state=\"{state}\"><td><code>{short}…</code></td><td>{kind}</td><td>{user}</td>\
             <td>{asset}</td><td>{brand}</td><td class=\"state\">{state}</td><td>{expires}</td><td>{actions}</td></tr>\n",
            token = escape(&s.token),
            short = escape(&s.token[..12.min(s.token.len())]),
            kind = kind_name(s),
            user = escape(&s.user_id),
            asset = s.asset_type().map(|a| a.as_str()).unwrap_or("–"),
            brand = s.brand().map(|b| b.slug()).unwrap_or("–"),
            expires = s.expires_at,
        ));
    }
    let older = n.saturating_sub(sessions.len());
    let older = if older > 0 {
        format!("<p>and {older} older session(s) (GET /_mock/sessions lists all)</p>\n")
    } else {
        String::new()
    };
    let mut log = String::new();
    for (method, path, status) in app.store.log.newest(SHOWN_REQUESTS) {
        log.push_str(&format!(
            "<tr><td>{}</td><td><code>{}</code></td><td>{status}</td></tr>\n",
            escape(&method),
            escape(&path),
        ));
    }
    Html(format!(
        "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>nox-mock inspector</title>\
         <style>body{{font-family:sans-serif;margin:2rem}}table{{border-collapse:collapse}}\
         td,th{{border:1px solid #ccc;padding:.25rem .5rem}}</style></head>\n<body>\n\
         <h1>nox-mock inspector</h1>\n<p>{base} · clock {now} (Unix seconds) · {n} session(s)</p>\n\
         <h2>Sessions</h2>\n<table id=\"sessions\"><tr><th>token</th><th>kind</th><th>user</th><th>asset type</th>\
         <th>brand</th><th>state</th><th>expires</th><th></th></tr>\n{rows}</table>\n{older}{devices}\
         <h2>Last requests</h2>\n<table id=\"requests\"><tr><th>method</th><th>path</th><th>status</th></tr>\n{log}</table>\n\
         {BUTTONS_SCRIPT}</body></html>\n",
        base = escape(&app.base_url),
        devices = device_control::inspector_section(&app, now),
    ))
}

fn kind_name(s: &Session) -> &'static str {
    use crate::session::SessionKind as K;
    match s.kind {
        K::Supplier { .. } => "v2 supplier",
        K::Manufacturer => "v2 manufacturer",
        K::V1Supplier { .. } => "v1 supplier",
        K::V1Manufacturer => "v1 manufacturer",
    }
}
