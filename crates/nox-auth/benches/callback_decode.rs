//! Callback decoding: `nox_auth::callback::decode_data` on a typical (3 device ids) and a
//! large (200 device ids) `data` value vs the bare minimum (base64 decode +
//! `serde_json::from_slice` into a plain struct).
//!
//! `cargo bench -p nox-auth --bench callback_decode`. Targets: ratio ≤ 1.25, and
//! ≥ 1,000,000 typical decodes per second on one core (criterion's "thrpt" line).

use std::time::{Duration, UNIX_EPOCH};

use base64::Engine as _;
use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use nox_auth::callback::{self, CallbackPayload};
use serde::Deserialize;

#[derive(Deserialize)]
#[allow(dead_code)]
struct Plain {
    nox_user_id: String,
    supplier_user_id: String,
    brand: String,
    device_ids: Vec<String>,
    connected_at: u64,
}

fn payload(devices: usize) -> String {
    CallbackPayload::new(
        "550e8400-e29b-41d4-a716-446655440000",
        "supplier_user_id_123",
        "saunier-duval",
        (0..devices)
            .map(|i| format!("7c9e6679-7425-40de-944b-e07fc1f9{i:04}"))
            .collect(),
        UNIX_EPOCH + Duration::from_secs(1_703_123_500),
    )
    .encode()
}

fn bench(c: &mut Criterion) {
    let engine = base64::engine::general_purpose::URL_SAFE_NO_PAD;
    let mut group = c.benchmark_group("callback_decode");
    group.throughput(Throughput::Elements(1));
    for (name, devices) in [("typical_3_devices", 3), ("large_200_devices", 200)] {
        let data = payload(devices);
        group.bench_with_input(BenchmarkId::new("nox_auth", name), &data, |b, data| {
            b.iter(|| callback::decode_data(std::hint::black_box(data)).unwrap())
        });
        group.bench_with_input(BenchmarkId::new("baseline", name), &data, |b, data| {
            b.iter(|| {
                let bytes = engine.decode(std::hint::black_box(data)).unwrap();
                serde_json::from_slice::<Plain>(&bytes).unwrap()
            })
        });
    }
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
