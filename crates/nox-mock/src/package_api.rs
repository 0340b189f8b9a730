//! The Package API's device listings (`GET /v1/devices`, `/v1/devices/pv`,
//! `/v1/manufacturer/devices`), on the same origin as the Authenticator (the paths do not
//! collide): the devices the mock's completed links created, page by page.
//!
//! Read as NOX's FastAPI would: the key first (`x-api-key`, 401 `{"detail": …}`), then the
//! query; a parameter the endpoint does not have is ignored, a repeated one counts by its
//! last value, and every refused value is one entry of a 422 `{"detail": [{loc, msg,
//! type, input, ctx?}]}` in pydantic's wording (`limit` outside 1–4000 or not an
//! integer, a `next_token` this mock did not issue for this listing and query).

use axum::extract::{RawQuery, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use nox_auth::Operation;
use nox_auth::nox_auth_runtime::text::excerpt;
use serde_json::{Value, json};

use crate::api_request::read_operation;
use crate::app::App;
use crate::device::DeviceKind;
use crate::device_json::{Names, page};
use crate::page_token::{Filter, Position};

/// The page size when `limit` is not sent.
pub(crate) const DEFAULT_LIMIT: usize = 1000;
/// The largest `limit`.
pub(crate) const MAX_LIMIT: usize = 4000;
/// The most characters of a refused value a 422 echoes as `input`.
const MAX_INPUT_CHARS: usize = 100;

/// `GET /v1/devices`: heat pumps; filters `user_id`, `device_id`.
pub(crate) async fn get_devices(
    State(app): State<App>,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
) -> Response {
    list(&app, DeviceKind::HeatPump, &headers, query.as_deref()).await
}

/// `GET /v1/devices/pv`: PV inverters; no filters (the spec's decision 25).
pub(crate) async fn get_pv_devices(
    State(app): State<App>,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
) -> Response {
    list(&app, DeviceKind::Pv, &headers, query.as_deref()).await
}

/// `GET /v1/manufacturer/devices`: manufacturer devices; filter `device_id`.
pub(crate) async fn get_manufacturer_devices(
    State(app): State<App>,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
) -> Response {
    list(&app, DeviceKind::Manufacturer, &headers, query.as_deref()).await
}

fn operation(kind: DeviceKind) -> Operation {
    match kind {
        DeviceKind::HeatPump => Operation::GetDevices,
        DeviceKind::Pv => Operation::GetPvDevices,
        DeviceKind::Manufacturer => Operation::GetManufacturerDevices,
    }
}

async fn list(app: &App, kind: DeviceKind, headers: &HeaderMap, query: Option<&str>) -> Response {
    read_operation(app, operation(kind), headers, || {
        answer(app, kind, query.unwrap_or(""))
    })
    .await
}

/// The query parameters an endpoint has, each by its last value.
#[derive(Debug, Default)]
struct Params {
    user_id: Option<String>,
    device_id: Option<String>,
    limit: Option<String>,
    next_token: Option<String>,
}

impl Params {
    fn parse(kind: DeviceKind, raw: &str) -> Params {
        let mut p = Params::default();
        for (name, value) in url::form_urlencoded::parse(raw.as_bytes()) {
            let slot = match (&*name, kind) {
                ("user_id", DeviceKind::HeatPump) => &mut p.user_id,
                ("device_id", DeviceKind::HeatPump | DeviceKind::Manufacturer) => &mut p.device_id,
                ("limit", _) => &mut p.limit,
                ("next_token", _) => &mut p.next_token,
                _ => continue,
            };
            *slot = Some(value.into_owned());
        }
        p
    }
}

/// One entry of a 422's `detail`.
fn refused(name: &str, kind: &str, msg: &str, input: &str, ctx: Option<Value>) -> Value {
    let mut entry = json!({
        "type": kind,
        "loc": ["query", name],
        "msg": msg,
        "input": excerpt(input, MAX_INPUT_CHARS),
    });
    if let Some(ctx) = ctx {
        entry["ctx"] = ctx;
    }
    entry
}

/// `limit` as pydantic reads an integer from a query string, and its range.
fn read_limit(text: &str) -> Result<usize, Value> {
    let t = text.trim();
    let digits = t.strip_prefix(['+', '-']).unwrap_or(t);
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return Err(refused(
            "limit",
            "int_parsing",
            "Input should be a valid integer, unable to parse string as an integer",
            text,
            None,
        ));
    }
    // Any number of digits: one too large for a u64 is still above 4000.
    let negative = t.starts_with('-') && digits.bytes().any(|b| b != b'0');
    let value = digits.parse::<u64>().unwrap_or(u64::MAX);
    if negative || value < 1 {
        return Err(refused(
            "limit",
            "greater_than_equal",
            "Input should be greater than or equal to 1",
            text,
            Some(json!({"ge": 1})),
        ));
    }
    if value > MAX_LIMIT as u64 {
        return Err(refused(
            "limit",
            "less_than_equal",
            &format!("Input should be less than or equal to {MAX_LIMIT}"),
            text,
            Some(json!({"le": MAX_LIMIT})),
        ));
    }
    Ok(value as usize)
}

/// The page for this query, or a 422 listing every refused value.
fn answer(app: &App, kind: DeviceKind, raw_query: &str) -> Response {
    let params = Params::parse(kind, raw_query);
    let mut errors = Vec::new();
    let limit = match params.limit.as_deref().map(read_limit) {
        None => DEFAULT_LIMIT,
        Some(Ok(n)) => n,
        Some(Err(e)) => {
            errors.push(e);
            DEFAULT_LIMIT
        }
    };
    let filter = Filter {
        user_id: params.user_id.as_deref(),
        device_id: params.device_id.as_deref(),
    };
    let devices = &app.store.devices;
    let from = match params.next_token.as_deref() {
        None => Position::default(),
        Some(token) => devices
            .tokens
            .read(token, kind, &filter)
            .unwrap_or_else(|e| {
                errors.push(refused(
                    "next_token",
                    "value_error",
                    e.message(),
                    token,
                    None,
                ));
                Position::default()
            }),
    };
    if !errors.is_empty() {
        let body = json!({ "detail": errors });
        return (StatusCode::UNPROCESSABLE_ENTITY, axum::Json(body)).into_response();
    }
    let now = app.store.now();
    let (items, next) = devices.page(kind, &filter, from, limit, now);
    let next_token = next.map(|at| devices.tokens.issue(kind, &filter, at));
    let names = Names {
        supplier: &app.supplier_name,
        manufacturer: &app.manufacturer_name,
    };
    let body = page(kind, &items, &names, next_token, now);
    (
        StatusCode::OK,
        [(header::CONTENT_TYPE, "application/json")],
        body,
    )
        .into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn limit_is_read_as_pydantic_reads_an_integer() {
        assert_eq!(read_limit("1"), Ok(1));
        assert_eq!(read_limit(" 4000 "), Ok(4000));
        assert_eq!(read_limit("+25"), Ok(25));
        let kind = |t: &str| read_limit(t).unwrap_err()["type"].clone();
        assert_eq!(kind("0"), "greater_than_equal");
        assert_eq!(kind("-0"), "greater_than_equal");
        assert_eq!(kind("-5"), "greater_than_equal");
        assert_eq!(kind("4001"), "less_than_equal");
        assert_eq!(kind("99999999999999999999999"), "less_than_equal");
        for junk in ["", "abc", "1.5", "1e3", "0x10", "--1"] {
            assert_eq!(kind(junk), "int_parsing", "{junk:?}");
        }
        assert_eq!(
            read_limit("0").unwrap_err()["loc"],
            json!(["query", "limit"])
        );
    }

    #[test]
    fn each_endpoint_reads_only_its_parameters() {
        let raw = "user_id=u1&device_id=d1&limit=5&limit=7&next_token=t&other=x";
        let hp = Params::parse(DeviceKind::HeatPump, raw);
        assert_eq!(
            (hp.user_id.as_deref(), hp.device_id.as_deref()),
            (Some("u1"), Some("d1"))
        );
        assert_eq!(hp.limit.as_deref(), Some("7"), "the last value counts");
        let pv = Params::parse(DeviceKind::Pv, raw);
        assert_eq!((pv.user_id, pv.device_id), (None, None));
        let m = Params::parse(DeviceKind::Manufacturer, raw);
        assert_eq!((m.user_id, m.device_id.as_deref()), (None, Some("d1")));
    }
}
