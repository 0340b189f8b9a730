//! The Package API listings' paging and refusals over real HTTP on 127.0.0.1: the facade
//! pages through 10,000+ bulk devices; `limit` outside 1–4000, a garbled or foreign
//! `next_token` and a wrong key are refused as FastAPI would; faults, the request log
//! and the bounds apply to the new operations as to the others.

use std::collections::HashSet;
use std::time::Instant;

use nox_auth::{AssetType, Brand, DeviceQuery, Operation, SupplierLinkRequest};
use nox_mock::{DeviceBatch, DeviceKind, Fault, MockServer};
use reqwest::StatusCode;
use serde_json::{Value, json};

fn http() -> reqwest::Client {
    reqwest::Client::new()
}

/// `GET path` with `key` (none: no header): status, headers' `retry-after`, body text.
async fn get_with(mock: &MockServer, path: &str, key: Option<&str>) -> (StatusCode, String) {
    let mut req = http().get(format!("{}{path}", mock.base_url()));
    if let Some(key) = key {
        req = req.header("x-api-key", key);
    }
    let resp = req.send().await.unwrap();
    (resp.status(), resp.text().await.unwrap())
}

async fn get(mock: &MockServer, path: &str) -> (StatusCode, Value) {
    let (status, text) = get_with(mock, path, Some(mock.api_key())).await;
    (status, serde_json::from_str(&text).unwrap_or(Value::Null))
}

#[tokio::test]
async fn the_facade_pages_through_ten_thousand_devices_in_order() {
    let mock = MockServer::start().await.unwrap();
    // Two users' devices interleaved across records: linked ones between bulk additions.
    mock.add_devices(DeviceBatch::new(DeviceKind::HeatPump, "u1", 6_000).prefix("a-"))
        .unwrap();
    mock.add_devices(DeviceBatch::new(DeviceKind::HeatPump, "u2", 3_000).prefix("b-"))
        .unwrap();
    let client = mock.client().unwrap();
    let s = client
        .create_supplier_link_session(SupplierLinkRequest::new(
            "u1",
            AssetType::Hp,
            "https://e.com/cb",
        ))
        .await
        .unwrap();
    mock.complete(&s.link_token, Brand::Nibe, vec!["linked-1".into()])
        .unwrap();
    mock.add_devices(DeviceBatch::new(DeviceKind::HeatPump, "u1", 4_500).prefix("c-"))
        .unwrap();
    mock.add_devices(DeviceBatch::new(DeviceKind::Pv, "u1", 10).prefix("pv-"))
        .unwrap();

    for page_size in [None, Some(4000), Some(250)] {
        let query = match page_size {
            Some(n) => DeviceQuery::all().user("u1").page_size(n),
            None => DeviceQuery::all().user("u1"),
        };
        let started = Instant::now();
        let before = mock.requests().len();
        let all = client
            .heat_pumps(query)
            .collect_at_most(20_000)
            .await
            .unwrap();
        let pages = mock.requests().len() - before;
        eprintln!(
            "page size {page_size:?}: {} devices in {pages} pages, {:?}",
            all.len(),
            started.elapsed()
        );
        assert_eq!(all.len(), 6_000 + 1 + 4_500, "page size {page_size:?}");
        let ids: Vec<&str> = all.iter().map(|d| d.device_id.as_str()).collect();
        assert_eq!(
            (ids[0], ids[5_999], ids[6_000], ids[6_001]),
            ("a-0", "a-5999", "linked-1", "c-0")
        );
        assert_eq!(
            ids.iter().collect::<HashSet<_>>().len(),
            ids.len(),
            "no repeats"
        );
        assert!(all.iter().all(|d| d.user_id.as_deref() == Some("u1")));
        let expected_pages = 10_501usize.div_ceil(usize::from(page_size.unwrap_or(1000)));
        assert_eq!(pages, expected_pages, "page size {page_size:?}");
    }
    // Everyone's: 13,501 heat pumps; one device of a bulk addition by its id.
    let everyone = client.heat_pumps(DeviceQuery::all().page_size(4000));
    assert_eq!(
        everyone.collect_at_most(20_000).await.unwrap().len(),
        13_501
    );
    let one = client.heat_pumps(DeviceQuery::all().device("b-2999"));
    let one = one.collect_at_most(2).await.unwrap();
    assert_eq!((one.len(), one[0].user_id.as_deref()), (1, Some("u2")));
    // The raw page: limit, meta, and the token's shape (opaque, URL-safe).
    let (status, page) = get(&mock, "/v1/devices?user_id=u2&limit=2").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(page["data"].as_array().unwrap().len(), 2);
    let token = page["meta"]["next_token"].as_str().unwrap();
    assert!(
        token
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_'),
        "{token}"
    );
    assert!(!token.contains("b-1"), "opaque: {token}");
    let (_, next) = get(
        &mock,
        &format!("/v1/devices?user_id=u2&limit=3&next_token={token}"),
    )
    .await;
    assert_eq!(
        next["data"][0]["device_id"], "b-2",
        "the page size may change: {next}"
    );
    let (_, page) = get(&mock, "/v1/devices").await;
    assert_eq!(
        page["data"].as_array().unwrap().len(),
        1000,
        "limit defaults to 1000"
    );
}

#[tokio::test]
async fn limit_outside_1_to_4000_and_bad_tokens_are_422_as_fastapi_answers() {
    let mock = MockServer::start().await.unwrap();
    mock.add_devices(DeviceBatch::new(DeviceKind::HeatPump, "u1", 10))
        .unwrap();
    for (limit, kind) in [
        ("0", "greater_than_equal"),
        ("4001", "less_than_equal"),
        ("-1", "greater_than_equal"),
        ("ten", "int_parsing"),
        ("", "int_parsing"),
    ] {
        for path in ["/v1/devices", "/v1/devices/pv", "/v1/manufacturer/devices"] {
            let (status, body) = get(&mock, &format!("{path}?limit={limit}")).await;
            assert_eq!(
                status,
                StatusCode::UNPROCESSABLE_ENTITY,
                "{path} {limit}: {body}"
            );
            let detail = &body["detail"][0];
            assert_eq!(detail["loc"], json!(["query", "limit"]), "{body}");
            assert_eq!(detail["type"], kind, "{body}");
            assert!(
                detail["msg"]
                    .as_str()
                    .unwrap()
                    .starts_with("Input should be")
            );
        }
    }
    for ok in ["1", "4000"] {
        assert_eq!(
            get(&mock, &format!("/v1/devices?limit={ok}")).await.0,
            StatusCode::OK
        );
    }

    let (_, page) = get(&mock, "/v1/devices?user_id=u1&limit=3").await;
    let token = page["meta"]["next_token"].as_str().unwrap().to_owned();
    let mut garbled = token.clone().into_bytes();
    garbled[5] = if garbled[5] == b'x' { b'y' } else { b'x' };
    let garbled = String::from_utf8(garbled).unwrap();
    let long = "A".repeat(1000);
    for (query, says) in [
        (
            format!("user_id=u1&next_token={garbled}"),
            "not a token this API issued",
        ),
        (
            "user_id=u1&next_token=123556777".into(),
            "not a token this API issued",
        ),
        (
            // A padded copy of a real token is another string.
            format!("user_id=u1&next_token={token}%3D%3D"),
            "not a token this API issued",
        ),
        (
            "user_id=u1&next_token=".into(),
            "not a token this API issued",
        ),
        (
            format!("user_id=u1&next_token={long}"),
            "not a token this API issued",
        ),
        (
            format!("user_id=u2&next_token={token}"),
            "issued for other parameters",
        ),
        (format!("next_token={token}"), "issued for other parameters"),
    ] {
        let (status, body) = get(&mock, &format!("/v1/devices?{query}")).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{query}: {body}");
        assert_eq!(body["detail"][0]["loc"], json!(["query", "next_token"]));
        let msg = body["detail"][0]["msg"].as_str().unwrap();
        assert!(msg.contains(says), "{query}: {msg}");
        assert!(
            body["detail"][0]["input"].as_str().unwrap().len() <= 110,
            "excerpted"
        );
    }
    let (status, body) = get(&mock, &format!("/v1/devices/pv?next_token={token}")).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        body["detail"][0]["msg"]
            .as_str()
            .unwrap()
            .contains("another endpoint"),
        "{body}"
    );
    let other = MockServer::start().await.unwrap();
    other
        .add_devices(DeviceBatch::new(DeviceKind::HeatPump, "u1", 10))
        .unwrap();
    let (status, _) = get(
        &other,
        &format!("/v1/devices?user_id=u1&next_token={token}"),
    )
    .await;
    assert_eq!(
        status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "another mock's token"
    );
    // Both refused at once: one entry each, as pydantic lists them.
    let (_, body) = get(&mock, "/v1/devices?limit=0&next_token=zz").await;
    assert_eq!(body["detail"].as_array().unwrap().len(), 2, "{body}");
    // A filter the endpoint does not have is ignored, as FastAPI ignores it.
    let (status, body) = get(&mock, "/v1/devices/pv?user_id=nobody&limit=5").await;
    assert_eq!(
        (status, body["data"].as_array().unwrap().len()),
        (StatusCode::OK, 0)
    );
}

#[tokio::test]
async fn the_same_key_as_the_authenticator_and_fastapi_error_bodies() {
    let mock = MockServer::start().await.unwrap();
    for path in ["/v1/devices", "/v1/devices/pv", "/v1/manufacturer/devices"] {
        let (status, body) = get_with(&mock, path, Some("wrong-key")).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "{path}");
        assert_eq!(
            serde_json::from_str::<Value>(&body).unwrap(),
            json!({"detail": "Invalid API key"})
        );
        let (status, body) = get_with(&mock, path, None).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "{path}: {body}");
        // The key is checked before the query, as FastAPI resolves its security first.
        let (status, _) = get_with(&mock, &format!("{path}?limit=0"), Some("wrong")).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);
    }
    // No `Authorization: ApiKey` form here (the spec's decision 32).
    let resp = http()
        .get(format!("{}/v1/devices", mock.base_url()))
        .header("authorization", format!("ApiKey {}", mock.api_key()))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::UNAUTHORIZED);
    // Through the facade: the typed error names the status.
    let wrong = nox_auth::Client::builder()
        .api_key("wrong-key")
        .base_url(mock.base_url())
        .build()
        .unwrap();
    let err = wrong
        .heat_pumps(DeviceQuery::all())
        .collect_at_most(1)
        .await
        .unwrap_err();
    assert_eq!(err.status().map(|s| s.as_u16()), Some(401), "{err}");
    // Other paths under /v1/ answer FastAPI's shape too.
    let (status, body) = get(&mock, "/v1/nothing").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert!(body["detail"].is_string(), "{body}");
    let resp = http()
        .post(format!("{}/v1/devices", mock.base_url()))
        .header("x-api-key", mock.api_key())
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::METHOD_NOT_ALLOWED);
    let (status, body) = get(&mock, &format!("/v1/devices?user_id={}", "x".repeat(3000))).await;
    assert_eq!(
        status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "URL bound: {body}"
    );
    assert!(body["detail"][0]["msg"].as_str().unwrap().contains("2048"));
}

#[tokio::test]
async fn faults_and_the_request_log_cover_the_listings() {
    let mock = MockServer::start().await.unwrap();
    mock.add_devices(DeviceBatch::new(DeviceKind::HeatPump, "u1", 4000))
        .unwrap();
    mock.inject(Fault::status(503).retry_after(7).on(Operation::GetDevices))
        .unwrap();
    let resp = http()
        .get(format!("{}/v1/devices", mock.base_url()))
        .header("x-api-key", mock.api_key())
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(resp.headers()["retry-after"], "7");
    assert_eq!(
        resp.json::<Value>().await.unwrap(),
        json!({"detail": "injected fault: 503"})
    );
    // Armed over the control API by name; the PV listing only.
    let resp = http()
        .post(format!("{}/_mock/faults", mock.base_url()))
        .json(&json!({"operation": "get_pv_devices", "kind": "malformed"}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::CREATED);
    let (status, _) = get(&mock, "/v1/devices?limit=1").await;
    assert_eq!(status, StatusCode::OK, "not armed for heat pumps");
    let (status, text) = get_with(&mock, "/v1/devices/pv", Some(mock.api_key())).await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        serde_json::from_str::<Value>(&text).is_err(),
        "malformed: {text}"
    );
    // The facade's own retry gets through a 503 with Retry-After on a listing.
    mock.inject(
        Fault::status(503)
            .retry_after(0)
            .on(Operation::GetManufacturerDevices),
    )
    .unwrap();
    let client = mock.client().unwrap();
    assert!(
        client
            .manufacturer_devices(DeviceQuery::all())
            .collect_at_most(1)
            .await
            .is_ok()
    );

    // The log: every listing with its status; a page too large to keep is logged without
    // its body, and reaches the client whole.
    let (status, page) = get(&mock, "/v1/devices?limit=4000").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(page["data"].as_array().unwrap().len(), 4000);
    let log = mock.requests();
    let last = log.last().unwrap();
    assert_eq!(
        (last.method.as_str(), last.path.as_str(), last.status),
        ("GET", "/v1/devices", 200)
    );
    assert!(last.response.is_none(), "a page over 64 KiB is not kept");
    let (_, small) = get(&mock, "/v1/devices?limit=1").await;
    assert_eq!(
        mock.requests().last().unwrap().response.as_ref(),
        Some(&small)
    );
    assert!(
        log.iter()
            .any(|r| r.path == "/v1/devices/pv" && r.status == 200)
    );
    assert!(
        log.iter()
            .any(|r| r.path == "/v1/manufacturer/devices" && r.status == 503)
    );
}
