//! Confirming a link at a hostile Package API on 127.0.0.1: a device listed for another
//! user, listed only after 3 s, never listed, 5xx then 200, pages without end, a page over
//! the size bound, another brand, re-authentication already needed; each a typed outcome
//! within the documented time and memory bounds.

use crate::common;

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant, SystemTime};

use nox_auth::callback::{CallbackPayload, VerifiedConnection};
use nox_auth::{
    BindTo, Client, ConfirmError, ConfirmOptions, Error, Health, Listing, SupplierLinkSession,
    TransportKind,
};
use serde_json::{Value, json};
use wiremock::{Mock, MockServer, Request, ResponseTemplate};

const USER: &str = "user-42";

fn now_secs() -> u64 {
    nox_auth::time::to_unix_secs(SystemTime::now()).unwrap()
}

/// A callback for `USER` verified against its stored session: `devices` of `brand`,
/// connected `ago` seconds ago.
fn verified(asset: &str, brand: &str, devices: &[&str], ago: u64) -> VerifiedConnection {
    let now = now_secs();
    let session: SupplierLinkSession = serde_json::from_value(json!({
        "link_url": "https://auth.nox.energy/ui?token=tok", "link_token": "tok", "user_id": USER,
        "asset_type": asset, "brand": null, "language": "nl", "redirect_url": "https://example.com/cb",
        "supplier": "Acme", "created_at": now - ago - 10, "expires_at": now + 600, "completed_at": null
    }))
    .unwrap();
    let ids = devices.iter().map(|d| (*d).to_owned()).collect();
    CallbackPayload::new(
        "nox-9",
        USER,
        brand,
        ids,
        SystemTime::now() - Duration::from_secs(ago),
    )
    .verify_supplier(&session)
    .unwrap()
}

fn hp(id: &str, user: &str, brand: &str) -> Value {
    json!({"device_id": id, "user_id": user, "brand": brand, "needs_reauthentication": false,
           "steerable_status": {"steerable": true, "DHW": {"reason": "Device is ready to receive an action."}}})
}

fn page(items: Vec<Value>, next: Option<String>) -> ResponseTemplate {
    ResponseTemplate::new(200).set_body_json(json!({"data": items, "meta": {"next_token": next}}))
}

fn query(req: &Request, name: &str) -> Option<String> {
    req.url
        .query_pairs()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.into_owned())
}

/// A Package API answering every GET with `respond(n, request)`; how many it got.
async fn package(
    respond: impl Fn(usize, &Request) -> ResponseTemplate + Send + Sync + 'static,
) -> (MockServer, Client, Arc<AtomicUsize>) {
    let server = MockServer::start().await;
    let count = Arc::new(AtomicUsize::new(0));
    let seen = count.clone();
    Mock::given(wiremock::matchers::method("GET"))
        .respond_with(move |req: &Request| respond(seen.fetch_add(1, Ordering::SeqCst), req))
        .mount(&server)
        .await;
    let client = Client::builder()
        .api_key("k-confirm")
        .base_url("http://127.0.0.1:9")
        .package_base_url(server.uri())
        .retry(common::fast_retries())
        .build()
        .unwrap();
    (server, client, count)
}

fn quick() -> ConfirmOptions {
    ConfirmOptions::default()
        .max_wait(Duration::from_secs(2))
        .initial_backoff(Duration::from_millis(100))
}

#[tokio::test]
async fn a_device_listed_for_the_user_is_confirmed_with_its_health() {
    let (_s, client, _) = package(|_, req| {
        // The user filter is the stored user's, never the payload's nox_user_id.
        assert_eq!(query(req, "user_id").as_deref(), Some(USER));
        page(vec![hp("hp-1", USER, "Saunier Duval")], None)
    })
    .await;
    let confirmed = client
        .confirm(&verified("hp", "saunier-duval", &["hp-1"], 5))
        .await
        .unwrap();
    assert_eq!(confirmed.devices.len(), 1);
    assert_eq!(confirmed.devices[0].health, Health::Steerable);
    assert_eq!(confirmed.devices[0].listing, Listing::HeatPumps);
}

#[tokio::test]
async fn a_device_listed_for_another_user_is_refused_at_once() {
    // Forged: the callback names our user with the attacker's device, which NOX lists for
    // the attacker. The user's own listing lacks it; asked by device id, it is mallory's
    // (only that question is answered: confirm never reads the whole listing for it).
    let (_s, client, _) =
        package(
            |_, req| match (query(req, "user_id"), query(req, "device_id").as_deref()) {
                (None, Some("mallory-hp")) => {
                    page(vec![hp("mallory-hp", "mallory", "daikin")], None)
                }
                _ => page(vec![], None),
            },
        )
        .await;
    let started = Instant::now();
    let e = client
        .confirm(&verified("hp", "daikin", &["mallory-hp"], 5))
        .await
        .unwrap_err();
    assert!(
        matches!(&e, ConfirmError::ListedForAnotherUser { device_id, .. } if device_id == "mallory-hp"),
        "{e}"
    );
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "no wait for it"
    );
}

/// A heat-pump link whose device NOX lists as a PV inverter, and a PV link whose device it
/// lists as a heat pump: refused at once, naming both listings.
#[tokio::test]
async fn a_device_on_the_other_listing_is_refused_as_another_asset_type() {
    let (_s, client, _) =
        package(
            |_, req| match (req.url.path(), query(req, "device_id").as_deref()) {
                ("/v1/devices/pv", _) => page(
                    vec![json!({"device_id": "pv-9", "user_id": USER, "brand": "daikin"})],
                    None,
                ),
                ("/v1/devices", Some("hp-9")) => page(vec![hp("hp-9", USER, "sma")], None),
                _ => page(vec![], None),
            },
        )
        .await;
    let started = Instant::now();
    let e = client
        .confirm_with(&verified("hp", "daikin", &["pv-9"], 5), &quick())
        .await
        .unwrap_err();
    assert!(
        matches!(&e, ConfirmError::AssetTypeDiffers { device_id, listed: Listing::PvInverters, expected: Listing::HeatPumps } if device_id == "pv-9"),
        "{e}"
    );
    let e = client
        .confirm_with(&verified("pv", "sma", &["hp-9"], 5), &quick())
        .await
        .unwrap_err();
    assert!(
        matches!(&e, ConfirmError::AssetTypeDiffers { device_id, listed: Listing::HeatPumps, expected: Listing::PvInverters } if device_id == "hp-9"),
        "{e}"
    );
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "no wait for either"
    );
}

#[tokio::test]
async fn a_device_listed_after_three_seconds_is_waited_for() {
    let start = Instant::now();
    let (_s, client, count) = package(move |_, req| {
        if query(req, "user_id").is_some() && start.elapsed() >= Duration::from_secs(3) {
            page(vec![hp("hp-late", USER, "daikin")], None)
        } else {
            page(vec![], None)
        }
    })
    .await;
    let confirmed = client
        .confirm(&verified("hp", "daikin", &["hp-late"], 1))
        .await
        .unwrap();
    assert_eq!(confirmed.devices[0].device_id, "hp-late");
    assert!(start.elapsed() >= Duration::from_secs(3));
    assert!(start.elapsed() < nox_auth::DEFAULT_CONFIRM_WAIT + Duration::from_secs(5));
    assert!(
        count.load(Ordering::SeqCst) > 2,
        "asked again while waiting"
    );
}

#[tokio::test]
async fn a_device_never_listed_is_not_visible_yet_or_unknown() {
    let (_s, client, _) = package(|_, _| page(vec![], None)).await;
    let started = Instant::now();
    let e = client
        .confirm_with(&verified("hp", "daikin", &["hp-x"], 5), &quick())
        .await
        .unwrap_err();
    assert!(matches!(&e, ConfirmError::NotVisibleYet { .. }), "{e}");
    assert!(e.to_string().contains("may still lag"), "{e}");
    // Bounded by max_wait (2 s) and one pause; far from the default 20 s.
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "{:?}",
        started.elapsed()
    );
    // Connected an hour ago and still not listed: forged, or another environment.
    let e = client
        .confirm_with(&verified("hp", "daikin", &["hp-x"], 3600), &quick())
        .await
        .unwrap_err();
    assert!(matches!(&e, ConfirmError::UnknownToNox { .. }), "{e}");
    assert!(e.to_string().contains("another NOX environment"), "{e}");
}

#[tokio::test]
async fn a_5xx_then_200_is_retried_and_confirms() {
    let (_s, client, count) = package(|n, _| {
        if n == 0 {
            ResponseTemplate::new(503)
        } else {
            page(vec![hp("hp-1", USER, "daikin")], None)
        }
    })
    .await;
    let started = Instant::now();
    client
        .confirm(&verified("hp", "daikin", &["hp-1"], 5))
        .await
        .unwrap();
    assert_eq!(count.load(Ordering::SeqCst), 2);
    // The retry's short wait, not a confirm round's pause (at least a second).
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "{:?}",
        started.elapsed()
    );
}

#[tokio::test]
async fn pages_without_end_stop_at_the_scan_bound() {
    // One device a page, a fresh token each time, never the one asked for.
    let (_s, client, count) = package(|n, _| {
        page(
            vec![hp(&format!("other-{n}"), USER, "daikin")],
            Some(format!("t{n}")),
        )
    })
    .await;
    let started = Instant::now();
    let e = client
        .confirm_with(&verified("hp", "daikin", &["hp-1"], 5), &quick())
        .await
        .unwrap_err();
    assert!(
        matches!(&e, ConfirmError::Nox(Error::TooManyPages { max }) if *max == nox_auth::MAX_SCANNED_PAGES),
        "{e}"
    );
    // Within the whole confirmation's bound: max(max_wait, MIN_CONFIRM_TIME), and a margin.
    let bound = Duration::from_secs(2).max(nox_auth::MIN_CONFIRM_TIME) + Duration::from_secs(5);
    assert!(started.elapsed() < bound, "{:?}", started.elapsed());
    assert_eq!(
        count.load(Ordering::SeqCst),
        nox_auth::MAX_SCANNED_PAGES as usize
    );
}

#[tokio::test]
async fn a_page_over_the_size_bound_is_refused() {
    // 40 MiB of JSON (over MAX_PAGE_BYTES, 8 MiB): refused while reading.
    let big = " ".repeat(40 * 1024 * 1024);
    let (_s, client, _) = package(move |_, _| {
        ResponseTemplate::new(200)
            .insert_header("content-type", "application/json")
            .set_body_string(format!("{big}{{\"data\": [], \"meta\": {{}}}}"))
    })
    .await;
    let e = client
        .confirm_with(&verified("hp", "daikin", &["hp-1"], 5), &quick())
        .await
        .unwrap_err();
    assert!(
        matches!(
            &e,
            ConfirmError::Nox(Error::Transport {
                kind: TransportKind::TooLarge,
                ..
            })
        ),
        "{e:?}"
    );
}

#[tokio::test]
async fn another_brand_and_re_authentication_are_named() {
    let (_s, client, _) = package(|_, _| {
        let mut stale = hp("hp-2", USER, "daikin");
        stale["needs_reauthentication"] = json!(true);
        page(vec![hp("hp-1", USER, "Vaillant"), stale], None)
    })
    .await;
    let e = client
        .confirm(&verified("hp", "daikin", &["hp-1"], 5))
        .await
        .unwrap_err();
    assert!(
        matches!(&e, ConfirmError::BrandDiffers { listed, expected, .. } if listed == "Vaillant" && expected == "daikin"),
        "{e}"
    );
    let e = client
        .confirm(&verified("hp", "daikin", &["hp-2"], 5))
        .await
        .unwrap_err();
    assert!(
        matches!(&e, ConfirmError::NeedsReauthentication { device_id } if device_id == "hp-2"),
        "{e}"
    );
    assert!(e.to_string().contains("link again"), "{e}");
}

#[tokio::test]
async fn a_pv_link_scans_the_pv_listing_and_compares_each_user() {
    let (_s, client, _) = package(|_, req| {
        assert!(query(req, "user_id").is_none() || req.url.path() == "/v1/devices");
        if req.url.path() == "/v1/devices/pv" {
            page(
                vec![
                    json!({"device_id": "pv-1", "user_id": USER, "brand": "SMA", "needs_reauthentication": false,
                           "steerable_status": {"steerable": false, "general_reason": "PV connected recently"}}),
                    json!({"device_id": "pv-2", "user_id": "mallory", "brand": "SMA"}),
                ],
                None,
            )
        } else {
            page(vec![], None)
        }
    })
    .await;
    let confirmed = client
        .confirm(&verified("pv", "sma", &["pv-1"], 5))
        .await
        .unwrap();
    assert_eq!(
        confirmed.devices[0].health,
        Health::NotSteerable {
            reason: Some("PV connected recently".into())
        }
    );
    let e = client
        .confirm(&verified("pv", "sma", &["pv-2"], 5))
        .await
        .unwrap_err();
    assert!(
        matches!(&e, ConfirmError::ListedForAnotherUser { .. }),
        "{e}"
    );
}

#[tokio::test]
async fn binding_to_the_payloads_nox_user_asks_for_that_id() {
    let (_s, client, _) = package(|_, req| {
        assert_eq!(query(req, "user_id").as_deref(), Some("nox-9"));
        page(vec![hp("hp-1", "nox-9", "daikin")], None)
    })
    .await;
    let options = ConfirmOptions::default().bind_to(BindTo::PayloadNoxUserId);
    client
        .confirm_with(&verified("hp", "daikin", &["hp-1"], 5), &options)
        .await
        .unwrap();
}

#[tokio::test]
async fn link_health_lists_a_users_devices() {
    let (_s, client, _) = package(|_, _| {
        let mut stale = hp("hp-2", USER, "daikin");
        stale["needs_reauthentication"] = json!(true);
        page(vec![hp("hp-1", USER, "daikin"), stale], None)
    })
    .await;
    let health = client.link_health(USER, Listing::HeatPumps).await.unwrap();
    let states: Vec<_> = health
        .iter()
        .map(|d| (d.device_id.as_str(), &d.health))
        .collect();
    assert_eq!(
        states,
        [
            ("hp-1", &Health::Steerable),
            ("hp-2", &Health::NeedsReauthentication)
        ]
    );
    let e = client
        .link_health(USER, Listing::Manufacturer)
        .await
        .unwrap_err();
    assert!(e.to_string().contains("no `user_id` filter"), "{e}");
}
