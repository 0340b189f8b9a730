//! Confirming a link at the mock's Package API (`Client::confirm`) next to the listing call
//! it makes, in one run: latency p50/p99 of each, and the ratios.
//!
//! `cargo bench -p nox-mock --bench confirm` (BENCHMARKS.md, "7. Confirm").
//!
//! For a heat-pump link, `confirm` lists the stored user's heat pumps once (`GET
//! /v1/devices?user_id=…`, 4,000 a page) and checks the callback's devices against them.
//! The baselines are that listing through the facade (`heat_pumps(DeviceQuery::all()
//! .user(..))`, collected) and the generated client's single call (`client.package()
//! .get_devices()`). Two users: one with the linked device only, one with 1,000 devices
//! (a page of them to convert and search). The three calls take turns, so drift in the
//! machine's speed falls on all of them alike.

use std::time::{Duration, Instant};

use nox_auth::callback::{self, VerifiedConnection};
use nox_auth::{AssetType, Brand, Client, DeviceQuery, SupplierLinkRequest};
use nox_mock::{DeviceBatch, DeviceKind, MockServer};

const WARM_UP: usize = 200;
const ROUNDS: usize = 2_000;

/// A link for `user`: session created, completed with one Daikin heat pump, callback
/// decoded and verified.
async fn linked(mock: &MockServer, client: &Client, user: &str) -> VerifiedConnection {
    let session = client
        .create_supplier_link_session(
            SupplierLinkRequest::new(user, AssetType::Hp, "https://example.com/cb")
                .brand(Brand::Daikin),
        )
        .await
        .expect("a link session");
    let redirect = mock
        .complete(
            &session.link_token,
            Brand::Daikin,
            vec![format!("{user}-linked")],
        )
        .expect("completed");
    callback::decode(&redirect)
        .expect("decodes")
        .verify_supplier(&session)
        .expect("verifies")
}

/// The p-th percentile (0-100) of sorted durations, in microseconds.
fn percentile(sorted: &[Duration], p: usize) -> f64 {
    let i = (sorted.len() * p / 100).min(sorted.len() - 1);
    sorted[i].as_secs_f64() * 1e6
}

struct Stats {
    p50: f64,
    p99: f64,
}

fn stats(mut samples: Vec<Duration>) -> Stats {
    samples.sort_unstable();
    Stats {
        p50: percentile(&samples, 50),
        p99: percentile(&samples, 99),
    }
}

/// One round of each of the three calls, timed; the device counts, checked.
async fn round(client: &Client, verified: &VerifiedConnection, total: usize) -> [Duration; 3] {
    let user = verified.user_id.as_str();
    let t = Instant::now();
    let confirmed = client.confirm(verified).await.expect("confirmed");
    let confirm = t.elapsed();
    assert_eq!(confirmed.devices.len(), 1);

    let t = Instant::now();
    let listed = client
        .heat_pumps(DeviceQuery::all().user(user).page_size(4000))
        .collect_at_most(total)
        .await
        .expect("the listing runs");
    let facade = t.elapsed();
    assert_eq!(listed.len(), total);

    let t = Instant::now();
    let page = client
        .package()
        .get_devices()
        .user_id(user)
        .limit(std::num::NonZeroU64::new(4000).expect("not zero"))
        .send()
        .await
        .expect("the generated call runs");
    let generated = t.elapsed();
    assert_eq!(page.data.len(), total);
    std::hint::black_box((&confirmed, &listed, &page));
    [confirm, facade, generated]
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    // `cargo bench` passes `--bench`; nothing else is read.
    let mock = MockServer::start().await.expect("the mock starts");
    let client = mock.client().expect("a client for the mock");
    let single = linked(&mock, &client, "one-device").await;
    let many = linked(&mock, &client, "many-devices").await;
    mock.add_devices(DeviceBatch::new(DeviceKind::HeatPump, "many-devices", 999).brand("daikin"))
        .expect("bulk devices");
    println!(
        "confirm: Client::confirm vs the listing it makes, against nox-mock on 127.0.0.1, \
         {ROUNDS} rounds each (after {WARM_UP} to warm up), taking turns"
    );
    for (what, verified, total) in [
        ("1 device", &single, 1usize),
        ("1,000 devices", &many, 1000),
    ] {
        for _ in 0..WARM_UP {
            round(&client, verified, total).await;
        }
        let mut samples: [Vec<Duration>; 3] = Default::default();
        for _ in 0..ROUNDS {
            for (all, one) in samples
                .iter_mut()
                .zip(round(&client, verified, total).await)
            {
                all.push(one);
            }
        }
        let [confirm, facade, generated] = samples.map(stats);
        println!("  user with {what}:");
        for (name, s) in [
            ("confirm", &confirm),
            ("heat_pumps(user) collected", &facade),
            ("generated get_devices", &generated),
        ] {
            println!(
                "    {name:<27} p50 {:>8.1} µs   p99 {:>8.1} µs",
                s.p50, s.p99
            );
        }
        println!(
            "    confirm / listing: p50 {:.3}, p99 {:.3};   confirm / generated call: p50 {:.3}, p99 {:.3}",
            confirm.p50 / facade.p50,
            confirm.p99 / facade.p99,
            confirm.p50 / generated.p50,
            confirm.p99 / generated.p99
        );
    }
}
