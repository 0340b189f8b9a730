//! The Package API's devices over real HTTP on 127.0.0.1: a completed link (control API,
//! Rust API, UI) lists its devices on the right endpoint for the right user, with NOX's
//! fields; marks, the visibility delay and the control API that sets them; the inspector.

use std::sync::Arc;
use std::time::Duration;

use nox_auth::{AssetType, Brand, DeviceQuery, ManufacturerLinkRequest, SupplierLinkRequest};
use nox_mock::{DeviceMark, ManualClock, MockConfig, MockServer, PackageUserId};
use reqwest::StatusCode;
use serde_json::{Value, json};

const CB: &str = "https://example.com/cb";

fn http() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

/// `GET path` with the mock's key: status and JSON.
async fn get(mock: &MockServer, path: &str) -> (StatusCode, Value) {
    let resp = http()
        .get(format!("{}{path}", mock.base_url()))
        .header("x-api-key", mock.api_key())
        .send()
        .await
        .unwrap();
    (resp.status(), resp.json().await.unwrap_or(Value::Null))
}

/// A control request: status and JSON.
async fn control(mock: &MockServer, method: &str, path: &str, body: &str) -> (StatusCode, Value) {
    let url = format!("{}{path}", mock.base_url());
    let req = match method {
        "PUT" => http().put(url),
        "GET" => http().get(url),
        _ => http().post(url),
    };
    let resp = req
        .header("content-type", "application/json")
        .body(body.to_owned())
        .send()
        .await
        .unwrap();
    (resp.status(), resp.json().await.unwrap_or(Value::Null))
}

async fn supplier_link(mock: &MockServer, user: &str, asset: AssetType) -> String {
    let c = mock.client().unwrap();
    let s = c
        .create_supplier_link_session(SupplierLinkRequest::new(user, asset, CB))
        .await
        .unwrap();
    s.link_token
}

#[tokio::test]
async fn each_kind_of_link_lists_its_devices_on_its_endpoint_for_its_user() {
    let mock = MockServer::start().await.unwrap();
    let hp = supplier_link(&mock, "user-hp", AssetType::Hp).await;
    mock.complete(&hp, Brand::Daikin, vec!["hp-1".into(), "hp-2".into()])
        .unwrap();
    let pv = supplier_link(&mock, "user-pv", AssetType::Pv).await;
    mock.complete(&pv, Brand::Solaredge, vec!["pv-1".into()])
        .unwrap();
    let c = mock.client().unwrap();
    let m = c
        .create_manufacturer_link_session(ManufacturerLinkRequest::new("maker-user", CB))
        .await
        .unwrap();
    mock.complete_manufacturer(&m.link_token, "Mock Manufacturing", vec!["m-1".into()])
        .unwrap();

    let (status, page) = get(&mock, "/v1/devices").await;
    assert_eq!(status, StatusCode::OK, "{page}");
    let data = page["data"].as_array().unwrap();
    assert_eq!(data.len(), 2, "heat pumps only: {page}");
    let first = &data[0];
    assert_eq!(first["device_id"], "hp-1");
    assert_eq!(
        first["user_id"], "user-hp",
        "the supplier's user id by default"
    );
    assert_eq!(first["brand"], "daikin", "the lowercase slug");
    assert_eq!(first["device_type"], "heat_pump");
    assert_eq!(first["needs_reauthentication"], false);
    assert!(first["model"].is_string() && first["country"].is_string());
    assert!(first["legionella_config"]["frequency_per_weeks"].is_u64());
    assert!(first["cycle_config"]["max_cycles_per_day"].is_u64());
    let status_ = &first["steerable_status"];
    assert_eq!(status_["steerable"], true);
    assert_eq!(
        status_["DHW"]["can_activate_action"], true,
        "DHW upper case"
    );
    assert_eq!(
        status_["room"]["reason"],
        "Device is ready to receive an action."
    );
    assert_eq!(page["meta"]["energy_supplier"], "Mock Energy");
    assert_eq!(page["meta"]["capacity_unit"], "kWh");
    assert_eq!(page["meta"]["next_token"], Value::Null, "one page");

    let (_, page) = get(&mock, "/v1/devices/pv").await;
    let data = page["data"].as_array().unwrap();
    assert_eq!(data.len(), 1, "{page}");
    assert_eq!(data[0]["device_id"], "pv-1");
    assert_eq!(data[0]["user_id"], "user-pv");
    assert_eq!(data[0]["brand"], "SolarEdge", "the vendor's casing");
    assert_eq!(data[0]["steerable_status"]["learning_period_ended"], false);
    assert!(data[0]["has_grid_export_curtailment"].is_boolean());
    assert!(data[0].get("device_type").is_none() && page["meta"].get("capacity_unit").is_none());

    let (_, page) = get(&mock, "/v1/manufacturer/devices").await;
    let data = page["data"].as_array().unwrap();
    assert_eq!(data.len(), 1, "{page}");
    assert_eq!(data[0]["device_id"], "m-1");
    assert!(
        data[0].get("user_id").is_none(),
        "no user_id, as NOX's example"
    );
    assert_eq!(data[0]["energy_supplier"], "Mock Energy");
    assert!(data[0]["dhw"]["temperature_upper_bound"].is_number());
    assert!(data[0]["optimization_settings"]["flex_trading"].is_boolean());
    assert_eq!(page["meta"]["manufacturer"], "Mock Manufacturing");

    // The facade, on the same origin: the filters reach the mock.
    let mine = c
        .heat_pumps(DeviceQuery::all().user("user-hp"))
        .collect_at_most(10)
        .await
        .unwrap();
    assert_eq!(mine.len(), 2);
    let none = c
        .heat_pumps(DeviceQuery::all().user("user-pv"))
        .collect_at_most(10)
        .await
        .unwrap();
    assert!(none.is_empty(), "another user's: empty, not an error");
    let one = c
        .heat_pumps(DeviceQuery::all().device("hp-2"))
        .collect_at_most(10)
        .await
        .unwrap();
    assert_eq!(one[0].device_id, "hp-2");
    assert_eq!(one.len(), 1);
    let pvs = c
        .pv_inverters(DeviceQuery::all())
        .collect_at_most(10)
        .await
        .unwrap();
    assert_eq!(pvs[0].brand.as_deref(), Some("SolarEdge"));
    let ms = c
        .manufacturer_devices(DeviceQuery::all().device("m-1"))
        .collect_at_most(10)
        .await
        .unwrap();
    assert_eq!(ms.len(), 1);

    // A re-link of the same user replaces that user's devices on that listing.
    let again = supplier_link(&mock, "user-hp", AssetType::Hp).await;
    mock.complete(&again, Brand::Daikin, vec!["hp-3".into()])
        .unwrap();
    let ids: Vec<String> = c
        .heat_pumps(DeviceQuery::all())
        .collect_at_most(10)
        .await
        .unwrap()
        .into_iter()
        .map(|d| d.device_id)
        .collect();
    assert_eq!(ids, ["hp-3"]);
    assert_eq!(mock.devices().len(), 3, "hp-3, pv-1, m-1");
}

#[tokio::test]
#[allow(deprecated)] // the v1 link, which the mock still serves
async fn the_ui_and_v1_links_create_devices_and_nox_user_ids_are_an_option() {
    let mock =
        MockServer::start_with(MockConfig::default().package_user_id(PackageUserId::NoxUserId))
            .await
            .unwrap();
    let token = supplier_link(&mock, "shop-user", AssetType::Hp).await;
    let resp = http()
        .post(format!("{}/ui/connect", mock.base_url()))
        .form(&[
            ("token", token.as_str()),
            ("brand", "nibe"),
            ("device_id", "ui-dev-1, ui-dev-2"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::SEE_OTHER);
    let nox_user = mock.user("shop-user").unwrap().nox_user_id;
    let (_, page) = get(&mock, &format!("/v1/devices?user_id={nox_user}")).await;
    let ids: Vec<&str> = page["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["device_id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, ["ui-dev-1", "ui-dev-2"], "{page}");
    assert_eq!(page["data"][0]["user_id"], nox_user.as_str());
    let (_, page) = get(&mock, "/v1/devices?user_id=shop-user").await;
    assert_eq!(
        page["data"],
        json!([]),
        "not the supplier's id in this mode"
    );

    // v1: a supplier link is a heat pump.
    let c = mock.client().unwrap();
    let v1 = c
        .create_link_session_v1("v1-user", nox_auth::V1LinkRequest::new(CB))
        .await
        .unwrap();
    let v1_token = v1.data.unwrap().link_token.unwrap();
    mock.complete(&v1_token, Brand::Vaillant, vec!["v1-hp".into()])
        .unwrap();
    let (_, page) = get(&mock, "/v1/devices?device_id=v1-hp").await;
    assert_eq!(page["data"][0]["brand"], "vaillant", "{page}");
}

#[tokio::test]
async fn marks_show_on_the_listings() {
    let mock = MockServer::start().await.unwrap();
    let token = supplier_link(&mock, "u1", AssetType::Hp).await;
    mock.complete(&token, Brand::Nibe, vec!["hp-1".into()])
        .unwrap();
    let token = supplier_link(&mock, "u2", AssetType::Pv).await;
    mock.complete(&token, Brand::Sma, vec!["pv-1".into()])
        .unwrap();

    assert_eq!(
        mock.mark_device("hp-1", DeviceMark::default().needs_reauthentication(true))
            .unwrap(),
        1
    );
    let (_, page) = get(&mock, "/v1/devices").await;
    let hp = &page["data"][0];
    assert_eq!(hp["needs_reauthentication"], true, "{page}");
    assert_eq!(hp["steerable_status"]["steerable"], false);
    assert_eq!(hp["steerable_status"]["DHW"]["can_activate_action"], false);

    // Over the control API: not steerable, then re-authenticated.
    let (status, answer) = control(
        &mock,
        "POST",
        "/_mock/devices/pv-1/mark",
        r#"{"steerable": false}"#,
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{answer}");
    assert_eq!(answer["marked"], 1);
    let (_, page) = get(&mock, "/v1/devices/pv").await;
    assert_eq!(page["data"][0]["steerable_status"]["steerable"], false);
    assert_eq!(page["data"][0]["needs_reauthentication"], false);
    let body = r#"{"needs_reauthentication": false}"#;
    let (status, _) = control(&mock, "POST", "/_mock/devices/hp-1/mark", body).await;
    assert_eq!(status, StatusCode::OK);
    let (_, page) = get(&mock, "/v1/devices").await;
    assert_eq!(page["data"][0]["needs_reauthentication"], false);
    assert_eq!(page["data"][0]["steerable_status"]["steerable"], true);

    // Refused: an unknown device, an unknown field, an empty mark.
    let (status, answer) = control(&mock, "POST", "/_mock/devices/nope/mark", body).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{answer}");
    assert!(
        mock.mark_device("nope", DeviceMark::default().steerable(false))
            .is_err()
    );
    let (status, answer) = control(
        &mock,
        "POST",
        "/_mock/devices/hp-1/mark",
        r#"{"needs_reauth": true}"#,
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(
        answer["error"]
            .as_str()
            .unwrap()
            .contains("unknown field `needs_reauth`"),
        "{answer}"
    );
    let (status, _) = control(&mock, "POST", "/_mock/devices/hp-1/mark", "{}").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn the_visibility_delay_hides_a_device_until_the_clock_passes_it() {
    let clock = ManualClock::at_unix(1_750_000_000);
    let config = MockConfig::default()
        .clock(Arc::new(clock.clone()))
        .device_visibility_delay(Duration::from_secs(30));
    let mock = MockServer::start_with(config).await.unwrap();
    let token = supplier_link(&mock, "u1", AssetType::Hp).await;
    mock.complete(&token, Brand::Nibe, vec!["late-1".into()])
        .unwrap();
    assert_eq!(mock.devices()[0].visible_at, 1_750_000_030);

    let (_, page) = get(&mock, "/v1/devices?user_id=u1").await;
    assert_eq!(page["data"], json!([]), "not yet: {page}");
    clock.advance(Duration::from_secs(29));
    let (_, page) = get(&mock, "/v1/devices?user_id=u1").await;
    assert_eq!(page["data"], json!([]), "one second early");
    clock.advance(Duration::from_secs(1));
    let (_, page) = get(&mock, "/v1/devices?user_id=u1").await;
    assert_eq!(page["data"][0]["device_id"], "late-1", "{page}");

    // The control API sets it for the links completed afterwards; reset restores the config's.
    let (status, _) = control(&mock, "PUT", "/_mock/devices/delay", r#"{"seconds": 0}"#).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (_, delay) = control(&mock, "GET", "/_mock/devices/delay", "").await;
    assert_eq!(delay, json!({"seconds": 0}));
    let token = supplier_link(&mock, "u2", AssetType::Pv).await;
    mock.complete(&token, Brand::Sma, vec!["now-1".into()])
        .unwrap();
    let (_, page) = get(&mock, "/v1/devices/pv").await;
    assert_eq!(page["data"][0]["device_id"], "now-1");
    let (status, answer) = control(
        &mock,
        "PUT",
        "/_mock/devices/delay",
        r#"{"seconds": 99999999}"#,
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{answer}");
    assert!(
        mock.set_device_visibility_delay(Duration::from_secs(5))
            .is_ok()
    );
    mock.reset();
    let (_, delay) = control(&mock, "GET", "/_mock/devices/delay", "").await;
    assert_eq!(delay, json!({"seconds": 30}));
    let (_, page) = get(&mock, "/v1/devices").await;
    assert_eq!(page["data"], json!([]), "reset forgets the devices");
}

#[tokio::test]
async fn control_api_adds_in_bulk_and_refuses_what_is_out_of_range() {
    let mock = MockServer::start().await.unwrap();
    let body = r#"{"kind": "pv", "user_id": "bulk-user", "count": 3, "prefix": "inv-", "brand": "Fronius"}"#;
    let (status, added) = control(&mock, "POST", "/_mock/devices", body).await;
    assert_eq!(status, StatusCode::CREATED, "{added}");
    assert_eq!(added["count"], 3);
    assert_eq!(added["prefix"], "inv-");
    let (_, page) = get(&mock, "/v1/devices/pv?limit=2").await;
    let ids: Vec<&str> = page["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["device_id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, ["inv-0", "inv-1"]);
    assert_eq!(page["data"][0]["brand"], "Fronius");
    assert!(page["meta"]["next_token"].is_string());
    let (_, listed) = control(&mock, "GET", "/_mock/devices", "").await;
    assert_eq!(listed["bulk"][0]["user_id"], "bulk-user", "{listed}");

    for (body, says) in [
        (
            r#"{"kind": "pv", "user_id": "u", "count": 0}"#,
            "count must be 1 to 1000000",
        ),
        (
            r#"{"kind": "pv", "user_id": "u", "count": 1000001}"#,
            "count must be",
        ),
        (
            r#"{"kind": "solar", "user_id": "u", "count": 1}"#,
            "unknown variant `solar`",
        ),
        (
            r#"{"kind": "pv", "user_id": "u", "count": 1, "cuont": 2}"#,
            "unknown field `cuont`",
        ),
        (r#"{"kind": "pv", "count": 1}"#, "missing field `user_id`"),
        (
            r#"{"kind": "pv", "user_id": "u", "count": 1, "visible_after_s": 99999999}"#,
            "at most",
        ),
        ("not json", "not a device batch"),
    ] {
        let (status, answer) = control(&mock, "POST", "/_mock/devices", body).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{body}: {answer}");
        let error = answer["error"].as_str().unwrap();
        assert!(error.contains(says), "{body}: {error}");
    }
    let long = format!(
        r#"{{"kind": "hp", "user_id": "{}", "count": 1}}"#,
        "x".repeat(300)
    );
    let (status, answer) = control(&mock, "POST", "/_mock/devices", &long).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(
        answer["error"].as_str().unwrap().len() < 400,
        "excerpted: {answer}"
    );
}

#[tokio::test]
async fn the_inspector_lists_devices_escaped() {
    let mock = MockServer::start().await.unwrap();
    let token = supplier_link(&mock, "<script>u</script>", AssetType::Hp).await;
    mock.complete(&token, Brand::Nibe, vec!["<b>dev</b>".into()])
        .unwrap();
    mock.add_devices(
        nox_mock::DeviceBatch::new(nox_mock::DeviceKind::Manufacturer, "m\"1", 5).prefix("<i>"),
    )
    .unwrap();
    let html = http()
        .get(format!("{}/_mock", mock.base_url()))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(html.contains("<table id=\"devices\">"), "{html}");
    assert!(html.contains("&lt;b&gt;dev&lt;/b&gt;"), "{html}");
    assert!(html.contains("&lt;script&gt;u&lt;/script&gt;"));
    assert!(html.contains("&lt;i&gt;0") && html.contains("m&quot;1"));
    assert!(!html.contains("<b>dev") && !html.contains("<script>u") && !html.contains("<i>"));
}
