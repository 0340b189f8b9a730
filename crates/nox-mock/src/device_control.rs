//! The control API of the Package API's devices, and their section of the inspector page.
//!
//! | request | what |
//! |---|---|
//! | `GET /_mock/devices` | a page of records (`limit`, `cursor`; a record is a linked device or a bulk addition), oldest first: `{"devices": [linked devices], "bulk": [bulk additions], "truncated": {"devices": n, "bulk": n}, "next_cursor": c \| null, "visibility_delay_s": n}` |
//! | `POST /_mock/devices` | add in bulk: `{"kind": "hp"\|"pv"\|"manufacturer", "user_id", "count", "brand"?, "prefix"?, "visible_after_s"?}`; answers 201 with what was added |
//! | `POST /_mock/devices/{device_id}/mark` | `{"needs_reauthentication"?: bool, "steerable"?: bool}`; answers `{"device_id", "marked": n}`, 404 for an unknown id |
//! | `GET`/`PUT /_mock/devices/delay` | the visibility delay of links completed from then on: `{"seconds": n}` |
//!
//! Bodies are JSON objects whose unknown fields are refused (400 naming them).

use std::time::Duration;

use axum::Router;
use axum::extract::{Path, RawQuery, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Json, Response};
use axum::routing::{get, post};
use serde::Deserialize;
use serde::de::DeserializeOwned;
use serde_json::json;

use crate::app::App;
use crate::control_error::error;
use crate::control_list::{PageQuery, paging_headers};
use crate::device::{DeviceBatch, DeviceKind, DeviceMark};
use crate::page::Page;
use crate::ui::escape;

/// The device routes, under `/_mock/devices`.
pub(crate) fn routes() -> Router<App> {
    Router::new()
        .route("/_mock/devices", get(list).post(add))
        .route("/_mock/devices/delay", get(delay).put(set_delay))
        .route("/_mock/devices/{device_id}/mark", post(mark))
}

/// A control body: a JSON object of `T`'s fields, unknown ones refused; the 400 otherwise.
pub(crate) fn body<T: DeserializeOwned>(what: &str, bytes: &[u8]) -> Result<T, Box<Response>> {
    serde_json::from_slice(bytes)
        .map_err(|e| Box::new(error(StatusCode::BAD_REQUEST, format!("not {what}: {e}"))))
}

/// `GET /_mock/devices?limit=&cursor=`: at most `limit` records (1 to 1,000, default
/// 1,000), oldest first; `truncated` says how many of each list are not on this page,
/// `next_cursor` (and the `x-next-cursor`/`Link` headers, as the other listings) where
/// the next page starts.
async fn list(State(app): State<App>, RawQuery(raw): RawQuery) -> Response {
    let q = match PageQuery::parse(raw.as_deref()) {
        Ok(q) => q,
        Err(refused) => return *refused,
    };
    let devices = &app.store.devices;
    let page = devices.records_page(q.cursor, q.limit);
    let (linked, bulk) = page.totals;
    let body = json!({
        "devices": page.linked,
        "bulk": page.bulk,
        "truncated": {
            "devices": linked - page.linked.len(),
            "bulk": bulk - page.bulk.len(),
        },
        "next_cursor": page.next.map(|n| n.to_string()),
        "visibility_delay_s": devices.delay().as_secs(),
    });
    let mut response = Json(body).into_response();
    let headers = Page {
        json: Vec::new(),
        next: page.next,
        total: linked + bulk,
    };
    paging_headers(&mut response, "/_mock/devices", q, &headers);
    response
}

/// `POST /_mock/devices`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Batch {
    kind: DeviceKind,
    user_id: String,
    count: u64,
    brand: Option<String>,
    prefix: Option<String>,
    visible_after_s: Option<u64>,
}

async fn add(State(app): State<App>, bytes: axum::body::Bytes) -> Response {
    let b: Batch = match body("a device batch", &bytes) {
        Ok(b) => b,
        Err(answer) => return *answer,
    };
    let batch = DeviceBatch {
        kind: b.kind,
        user_id: b.user_id,
        count: b.count,
        brand: b.brand,
        prefix: b.prefix,
        visible_after: b.visible_after_s.map(Duration::from_secs),
    };
    match app.store.devices.add(batch, app.store.now()) {
        Ok(added) => (StatusCode::CREATED, Json(added)).into_response(),
        Err(why) => error(StatusCode::BAD_REQUEST, why),
    }
}

async fn mark(
    State(app): State<App>,
    Path(device_id): Path<String>,
    bytes: axum::body::Bytes,
) -> Response {
    let mark: DeviceMark = match body("a device mark", &bytes) {
        Ok(m) => m,
        Err(answer) => return *answer,
    };
    if mark == DeviceMark::default() {
        return error(
            StatusCode::BAD_REQUEST,
            "not a device mark: name needs_reauthentication or steerable (or both)",
        );
    }
    match app.store.devices.mark(&device_id, mark) {
        Ok(0) => error(
            StatusCode::NOT_FOUND,
            format!("no device has the id `{device_id}`"),
        ),
        Ok(n) => Json(json!({"device_id": device_id, "marked": n})).into_response(),
        Err(why) => error(StatusCode::BAD_REQUEST, why),
    }
}

/// `PUT /_mock/devices/delay`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Delay {
    seconds: u64,
}

async fn delay(State(app): State<App>) -> Json<serde_json::Value> {
    Json(json!({"seconds": app.store.devices.delay().as_secs()}))
}

async fn set_delay(State(app): State<App>, bytes: axum::body::Bytes) -> Response {
    let d: Delay = match body("a visibility delay", &bytes) {
        Ok(d) => d,
        Err(answer) => return *answer,
    };
    match app.store.devices.set_delay(Duration::from_secs(d.seconds)) {
        Ok(()) => StatusCode::NO_CONTENT.into_response(),
        Err(why) => error(StatusCode::BAD_REQUEST, why),
    }
}

/// How many linked devices the inspector shows (the newest).
const SHOWN_DEVICES: usize = 200;

fn yes_no(b: bool) -> &'static str {
    if b { "yes" } else { "no" }
}

/// The inspector's "Devices" section: the newest linked devices, the bulk additions, and
/// when each is listed; every value from outside escaped.
pub(crate) fn inspector_section(app: &App, now: u64) -> String {
    let devices = &app.store.devices;
    let newest = devices.newest(SHOWN_DEVICES);
    let listed = |visible_at: u64| {
        if visible_at <= now {
            "listed".to_owned()
        } else {
            format!("in {} s", visible_at - now)
        }
    };
    let mut rows = String::new();
    for d in &newest.linked {
        rows.push_str(&format!(
            "<tr data-device=\"{id}\"><td>{kind}</td><td><code>{id}</code></td><td>{user}</td><td>{brand}</td>\
             <td>{listed}</td><td>{reauth}</td><td>{steerable}</td></tr>\n",
            kind = d.kind.as_str(),
            id = escape(&d.device_id),
            user = escape(&d.user_id),
            brand = escape(&d.brand),
            listed = listed(d.visible_at),
            reauth = yes_no(d.needs_reauthentication),
            steerable = yes_no(d.steerable),
        ));
    }
    let (all_linked, all_bulk) = newest.totals;
    let more = all_linked.saturating_sub(newest.linked.len());
    let more = if more > 0 {
        format!("<p>and {more} older device(s) (GET /_mock/devices lists all)</p>\n")
    } else {
        String::new()
    };
    let older_bulk = all_bulk.saturating_sub(newest.bulk.len());
    let mut bulk = String::new();
    for b in newest.bulk.iter().rev() {
        bulk.push_str(&format!(
            "<tr><td>{kind}</td><td><code>{prefix}0</code> … <code>{prefix}{last}</code></td><td>{user}</td>\
             <td>{brand}</td><td>{listed}</td><td>{count}</td></tr>\n",
            kind = b.kind.as_str(),
            prefix = escape(&b.prefix),
            last = b.count - 1,
            user = escape(&b.user_id),
            brand = escape(&b.brand),
            listed = listed(b.visible_at),
            count = b.count,
        ));
    }
    format!(
        "<h2>Devices</h2>\n<p>Package API listings · visibility delay {delay} s</p>\n\
         <table id=\"devices\"><tr><th>listing</th><th>device id</th><th>user id</th><th>brand</th>\
         <th>listed</th><th>needs re-authentication</th><th>steerable</th></tr>\n{rows}</table>\n{more}\
         <table id=\"bulk-devices\"><tr><th>listing</th><th>device ids</th><th>user id</th><th>brand</th>\
         <th>listed</th><th>count</th></tr>\n{bulk}</table>\n{more_bulk}",
        delay = devices.delay().as_secs(),
        more_bulk = if older_bulk > 0 {
            format!("<p>and {older_bulk} older bulk addition(s)</p>\n")
        } else {
            String::new()
        },
    )
}
