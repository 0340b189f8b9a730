//! The client's memory while listing stays one page's worth, whatever the total: 50,000
//! devices streamed through the facade from the mock (4,000 a page), the resident set
//! sampled as they come. Alone in its test binary, so no other test's memory is counted.
//! Holding them all would take ~27 MiB (BENCHMARKS.md, "6. Device listing"); the bound
//! is generous, the property is that it does not grow with the total.

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
        .expect("VmRSS in /proc/self/status")
}

#[tokio::test(flavor = "current_thread")]
async fn streaming_a_listing_holds_one_page_not_the_total() {
    let mock = MockServer::start().await.unwrap();
    mock.add_devices(DeviceBatch::new(DeviceKind::HeatPump, "u1", 50_000))
        .unwrap();
    let client = mock.client().unwrap();
    // One page first: pool, allocator and the page's buffers are warm.
    client
        .heat_pumps(DeviceQuery::all().user("u1").page_size(4000))
        .try_next()
        .await
        .unwrap();
    let before = rss_kib();
    let mut peak = 0;
    let mut devices = client.heat_pumps(DeviceQuery::all().user("u1").page_size(4000));
    let mut n = 0u64;
    while let Some(device) = devices.try_next().await.unwrap() {
        std::hint::black_box(&device);
        n += 1;
        if n.is_multiple_of(1000) {
            peak = peak.max(rss_kib().saturating_sub(before));
        }
    }
    assert_eq!(n, 50_000);
    assert!(
        peak < 16 * 1024,
        "RSS grew by {peak} KiB while streaming 50,000 devices: more than a page's worth"
    );
}
