//! What a listing makes of odd answers: the same page again under a fresh token, an item
//! that does not parse, FastAPI's string `detail`.

use crate::common;

use std::sync::atomic::Ordering;

use futures_util::TryStreamExt as _;
use nox_auth::{Client, DeviceQuery, Error};
use serde_json::json;
use wiremock::ResponseTemplate;

use common::package::{page, serving};

fn client(base: &str) -> Client {
    Client::builder()
        .api_key("k-listing")
        .base_url(base)
        .no_retries()
        .build()
        .unwrap()
}

#[tokio::test]
async fn the_same_page_under_fresh_tokens_ends_the_listing() {
    let (server, count) = serving("/v1/devices", |n, _| {
        ResponseTemplate::new(200)
            .set_body_json(page(&["same-1", "same-2"], Some(&format!("A{n}"))))
    })
    .await;
    let e = client(&server.uri())
        .heat_pumps(DeviceQuery::all())
        .try_collect::<Vec<_>>()
        .await
        .unwrap_err();
    assert!(
        e.to_string().contains("the same page of devices again"),
        "{e}"
    );
    assert_eq!(count.load(Ordering::SeqCst), 2);
}

#[tokio::test]
async fn an_item_that_does_not_parse_names_its_field() {
    let (server, _) = serving("/v1/devices", |_, _| {
        ResponseTemplate::new(200).set_body_json(json!({"data": [
            {"device_id": "ok-1"}, {"device_id": "ok-2", "needs_reauthentication": "no"}
        ], "meta": {"next_token": null}}))
    })
    .await;
    let e = client(&server.uri())
        .heat_pumps(DeviceQuery::all())
        .try_collect::<Vec<_>>()
        .await
        .unwrap_err();
    assert!(
        matches!(&e, Error::InvalidResponse { reason, .. } if reason.contains("data[1].needs_reauthentication")),
        "{e}"
    );
}

#[tokio::test]
async fn a_fastapi_string_detail_is_the_message() {
    let (server, _) = serving("/v1/devices", |_, _| {
        ResponseTemplate::new(401).set_body_json(json!({"detail": "Invalid API key"}))
    })
    .await;
    let e = client(&server.uri())
        .heat_pumps(DeviceQuery::all())
        .try_collect::<Vec<_>>()
        .await
        .unwrap_err();
    assert!(e.to_string().ends_with("Invalid API key"), "{e}");
}
