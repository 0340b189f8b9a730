//! Confirming against a Package API that lists a device without a user, lists one device
//! twice, serves slow pages without end, or is asked about too many devices: each a typed
//! outcome, within `max(max_wait, MIN_CONFIRM_TIME)`.

use std::time::{Duration, Instant, SystemTime};

use nox_auth::callback::{CallbackPayload, VerifiedConnection};
use nox_auth::{Client, ConfirmError, ConfirmOptions, MAX_CONFIRM_DEVICES, SupplierLinkSession};
use serde_json::json;
use wiremock::{Mock, MockServer, Request, ResponseTemplate};

const USER: &str = "user-42";

fn verified(asset: &str, devices: Vec<String>) -> VerifiedConnection {
    let now = nox_auth::time::to_unix_secs(SystemTime::now()).unwrap();
    let session: SupplierLinkSession = serde_json::from_value(json!({
        "link_url": "https://auth.nox.energy/ui?token=tok", "link_token": "tok", "user_id": USER,
        "asset_type": asset, "brand": null, "language": "nl", "redirect_url": "https://example.com/cb",
        "supplier": "Acme", "created_at": now - 20, "expires_at": now + 600, "completed_at": null
    }))
    .unwrap();
    let brand = if asset == "pv" { "sma" } else { "nibe" };
    CallbackPayload::new("nox-9", USER, brand, devices, SystemTime::now())
        .verify_supplier(&session)
        .unwrap()
}

async fn package(
    respond: impl Fn(&Request) -> ResponseTemplate + Send + Sync + 'static,
) -> (MockServer, Client) {
    let server = MockServer::start().await;
    Mock::given(wiremock::matchers::method("GET"))
        .respond_with(respond)
        .mount(&server)
        .await;
    let client = Client::builder()
        .api_key("k-confirm-bounds")
        .base_url("http://127.0.0.1:9")
        .package_base_url(server.uri())
        .no_retries()
        .build()
        .unwrap();
    (server, client)
}

fn page(items: serde_json::Value, next: Option<String>) -> ResponseTemplate {
    ResponseTemplate::new(200).set_body_json(json!({"data": items, "meta": {"next_token": next}}))
}

#[tokio::test]
async fn a_device_listed_without_a_user_is_not_yours() {
    let (_s, client) =
        package(|_| page(json!([{"device_id": "pv-1", "brand": "SMA"}]), None)).await;
    let e = client
        .confirm(&verified("pv", vec!["pv-1".into()]))
        .await
        .unwrap_err();
    assert!(matches!(&e, ConfirmError::ListedWithoutUser { .. }), "{e}");
}

#[tokio::test]
async fn a_device_listed_twice_is_refused_whatever_the_order() {
    for items in [
        json!([{"device_id": "pv-1", "user_id": USER, "brand": "SMA"},
               {"device_id": "pv-1", "user_id": "mallory", "brand": "SMA"}]),
        json!([{"device_id": "pv-1", "user_id": "mallory", "brand": "SMA"},
               {"device_id": "pv-1", "user_id": USER, "brand": "SMA"}]),
    ] {
        let (_s, client) = package(move |_| page(items.clone(), None)).await;
        let e = client
            .confirm(&verified("pv", vec!["pv-1".into()]))
            .await
            .unwrap_err();
        assert!(
            matches!(&e, ConfirmError::ListedForAnotherUser { .. }),
            "{e}"
        );
    }
}

#[tokio::test]
async fn slow_pages_without_end_stop_within_the_time_bound() {
    // Each page takes 1 s and names another; max_wait 0 ("ask once") is bounded by
    // MIN_CONFIRM_TIME (10 s), not by the 100 pages a scan may follow.
    let (_s, client) = package(|req| {
        let n = req.url.query().unwrap_or_default().len();
        page(
            json!([{"device_id": format!("other-{n}-{}", fastrand_id()), "user_id": USER}]),
            Some(format!("t{}", fastrand_id())),
        )
        .set_delay(Duration::from_secs(1))
    })
    .await;
    let started = Instant::now();
    let e = client
        .confirm_with(
            &verified("hp", vec!["hp-1".into()]),
            &ConfirmOptions::default().max_wait(Duration::ZERO),
        )
        .await
        .unwrap_err();
    assert!(matches!(&e, ConfirmError::NotVisibleYet { .. }), "{e}");
    let took = started.elapsed();
    assert!(took >= nox_auth::MIN_CONFIRM_TIME, "{took:?}");
    assert!(
        took < nox_auth::MIN_CONFIRM_TIME + Duration::from_secs(20),
        "{took:?}"
    );
}

/// A value unique per call (the time in nanoseconds).
fn fastrand_id() -> u128 {
    SystemTime::now()
        .duration_since(SystemTime::UNIX_EPOCH)
        .unwrap()
        .as_nanos()
}

#[tokio::test]
async fn too_many_devices_are_refused_before_asking() {
    let (server, client) = package(|_| page(json!([]), None)).await;
    let ids = (0..=MAX_CONFIRM_DEVICES).map(|i| format!("d{i}")).collect();
    let e = client.confirm(&verified("hp", ids)).await.unwrap_err();
    assert!(
        matches!(&e, ConfirmError::TooManyDevices { count, .. } if *count == MAX_CONFIRM_DEVICES + 1),
        "{e}"
    );
    assert!(server.received_requests().await.unwrap().is_empty());
}
