//! What the mock's control side answers about devices stays bounded however many records
//! it holds: `GET /_mock/devices` a page of at most 1,000 records (oldest first, with
//! where the next starts, and how many of each list are not on it), the inspector page the
//! newest 200 rows of each table.

use nox_mock::{DeviceBatch, DeviceKind, MockServer};
use serde_json::Value;

async fn page(mock: &MockServer, query: &str) -> (Value, reqwest::header::HeaderMap) {
    let resp = reqwest::Client::new()
        .get(format!("{}/_mock/devices{query}", mock.base_url()))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    let headers = resp.headers().clone();
    (resp.json().await.unwrap(), headers)
}

#[tokio::test]
async fn the_device_lists_and_the_inspector_are_bounded() {
    let mock = MockServer::start().await.unwrap();
    for i in 0..1_205 {
        mock.add_devices(
            DeviceBatch::new(DeviceKind::HeatPump, format!("user-{i}"), 1).prefix(format!("b{i}-")),
        )
        .unwrap();
    }
    let (list, headers) = page(&mock, "").await;
    let bulk = list["bulk"].as_array().unwrap();
    assert_eq!(bulk.len(), 1_000);
    assert_eq!(list["truncated"]["bulk"], 205);
    assert_eq!(headers["x-total-count"], "1205");
    // Oldest first: the first addition is there, the last is on the next page.
    let text = list.to_string();
    assert!(
        text.contains("\"b0-\"") && !text.contains("b1204-"),
        "{}",
        &text[..200]
    );
    let cursor = list["next_cursor"].as_str().unwrap().to_owned();
    assert_eq!(headers["x-next-cursor"], cursor.as_str());
    let (rest, headers) = page(&mock, &format!("?cursor={cursor}")).await;
    assert_eq!(rest["bulk"].as_array().unwrap().len(), 205);
    assert!(rest.to_string().contains("b1204-"));
    assert!(rest["next_cursor"].is_null() && headers.get("x-next-cursor").is_none());
    let (small, headers) = page(&mock, "?limit=2").await;
    assert_eq!(small["bulk"].as_array().unwrap().len(), 2);
    assert!(
        headers["link"]
            .to_str()
            .unwrap()
            .starts_with("</_mock/devices?limit=2&cursor="),
        "{headers:?}"
    );

    let page = reqwest::get(format!("{}/_mock", mock.base_url()))
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
