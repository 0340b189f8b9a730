//! What the mock's control side answers about devices stays bounded however many records
//! it holds: `GET /_mock/devices` the newest 1,000 of each list (and says how many were
//! left out), the inspector page the newest 200 rows of each table.

use nox_mock::{DeviceBatch, DeviceKind, MockServer};
use serde_json::Value;

#[tokio::test]
async fn the_device_lists_and_the_inspector_are_bounded() {
    let mock = MockServer::start().await.unwrap();
    for i in 0..1_205 {
        mock.add_devices(
            DeviceBatch::new(DeviceKind::HeatPump, format!("user-{i}"), 1).prefix(format!("b{i}-")),
        )
        .unwrap();
    }
    let http = reqwest::Client::new();
    let list: Value = http
        .get(format!("{}/_mock/devices", mock.base_url()))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let bulk = list["bulk"].as_array().unwrap();
    assert_eq!(bulk.len(), 1_000);
    assert_eq!(list["truncated"]["bulk"], 205);
    // The newest are kept: the last addition is there, the first is not.
    let text = list.to_string();
    assert!(
        text.contains("b1204-") && !text.contains("\"b0-\""),
        "{}",
        &text[..200]
    );

    let page = http
        .get(format!("{}/_mock", mock.base_url()))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        page.contains("and 1005 older bulk addition(s)"),
        "no note of the rest"
    );
    assert!(page.len() < 200_000, "{} bytes", page.len());
}
