//! Listing devices through the facade from the mock's Package API: devices per second, and
//! the client's memory flat whatever the total (a `DeviceStream` holds one page).
//!
//! `cargo bench -p nox-mock --bench device_listing` (BENCHMARKS.md, "6. Device listing").
//!
//! Client and mock share the process; the mock generates bulk devices as it lists them
//! (no record per device), so what grows with the total would be the client's. Each
//! total is listed in its own round: the resident set is sampled after every page's worth
//! of devices, and the peak above the round's start reported. A client that collected the
//! devices would grow by ~0.6 KB per device (60 MB at 100,000).

use std::time::Instant;

use futures_util::TryStreamExt as _;
use nox_auth::DeviceQuery;
use nox_mock::{DeviceBatch, DeviceKind, MockServer};

/// VmRSS of this process, in KiB.
fn rss_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            let line = s.lines().find(|l| l.starts_with("VmRSS:"))?.to_owned();
            line.split_whitespace().nth(1)?.parse().ok()
        })
        .unwrap_or(0)
}

/// Streams every device of `user` (4,000 a page): how many, the seconds, the peak RSS
/// growth in KiB.
async fn list(mock: &MockServer, user: &str) -> (u64, f64, u64) {
    let client = mock.client().expect("a client for the mock");
    let start_rss = rss_kib();
    let mut peak = 0;
    let started = Instant::now();
    let mut devices = client.heat_pumps(DeviceQuery::all().user(user).page_size(4000));
    let mut n = 0u64;
    while let Some(device) = devices.try_next().await.expect("the listing runs") {
        std::hint::black_box(&device);
        n += 1;
        if n.is_multiple_of(1000) {
            peak = peak.max(rss_kib().saturating_sub(start_rss));
        }
    }
    (n, started.elapsed().as_secs_f64(), peak)
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    // `cargo bench` passes `--bench`; nothing else is read.
    let mock = MockServer::start().await.expect("the mock starts");
    for (user, count) in [("warm-up", 10_000), ("small", 10_000), ("large", 100_000)] {
        mock.add_devices(DeviceBatch::new(DeviceKind::HeatPump, user, count))
            .expect("bulk devices");
    }
    // A first round warms allocator and pool; it is not reported.
    list(&mock, "warm-up").await;
    println!("device_listing: heat pumps from nox-mock through the facade, 4,000 a page");
    let mut rounds = Vec::new();
    for user in ["small", "large", "small", "large"] {
        let (n, secs, peak) = list(&mock, user).await;
        println!(
            "  {n:>7} devices: {:>8.0} devices/s, {secs:>6.3} s, peak RSS growth {peak:>6} KiB",
            n as f64 / secs
        );
        rounds.push((n, peak));
    }
    let peak_of = |total| {
        rounds
            .iter()
            .filter(|(n, _)| *n == total)
            .map(|(_, p)| *p)
            .max()
            .unwrap_or(0)
    };
    let (small, large) = (peak_of(10_000), peak_of(100_000));
    println!(
        "device_listing: peak RSS growth streaming 100,000 vs 10,000: {large} KiB vs {small} KiB"
    );
    // The baseline of the same run: what holding every device would cost.
    let client = mock.client().expect("a client for the mock");
    let before = rss_kib();
    let all = client
        .heat_pumps(DeviceQuery::all().user("large").page_size(4000))
        .collect_at_most(100_000)
        .await
        .expect("the listing runs");
    let collected = rss_kib().saturating_sub(before);
    println!(
        "device_listing: collecting the same 100,000 instead grows RSS by {collected} KiB \
         ({} devices held); streaming peak / collecting = {:.3}",
        all.len(),
        large as f64 / collected.max(1) as f64
    );
}
