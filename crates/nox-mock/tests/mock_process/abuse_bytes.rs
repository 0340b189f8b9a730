//! The `nox-mock` program's memory under the abuses of issue 20 (feature `cli`), over real
//! sockets on 127.0.0.1, measured from outside (resident memory from /proc): oversized
//! and maximal fields, completions naming the most device ids, a request log of large
//! answers, concurrent reads of the control listings, and a flood of faults. Each grows
//! the program by at most 64 MiB (asserted); the numbers are printed (BENCHMARKS.md,
//! "The mock under hostile clients", and the crate docs, measured with larger counts: the
//! counts here are the smallest that still fill every byte budget, to keep the test suite
//! short).

use crate::program;

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use serde_json::{Value, json};

use program::{KEY, Mock, mib, start};

const BOUND_MIB: f64 = 64.0;
const CLIENTS: usize = 16;

/// Sends `n` requests (`make(i)` builds the i-th) from [`CLIENTS`] concurrent clients;
/// returns how many were answered `expect`.
async fn many<F>(n: usize, expect: u16, make: F) -> usize
where
    F: Fn(&reqwest::Client, usize) -> reqwest::RequestBuilder + Send + Sync + 'static,
{
    let http = reqwest::Client::new();
    let make = Arc::new(make);
    let next = Arc::new(AtomicUsize::new(0));
    let ok = Arc::new(AtomicUsize::new(0));
    let tasks: Vec<_> = (0..CLIENTS)
        .map(|_| {
            let (http, make, next, ok) = (http.clone(), make.clone(), next.clone(), ok.clone());
            tokio::spawn(async move {
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    if i >= n {
                        return;
                    }
                    if let Ok(resp) = make(&http, i).send().await
                        && resp.status().as_u16() == expect
                    {
                        let _ = resp.bytes().await;
                        ok.fetch_add(1, Ordering::Relaxed);
                    }
                }
            })
        })
        .collect();
    for t in tasks {
        t.await.unwrap();
    }
    ok.load(Ordering::Relaxed)
}

fn create(base: &str, http: &reqwest::Client, body: Value) -> reqwest::RequestBuilder {
    http.post(format!("{base}/v2/supplier/link-sessions"))
        .header("x-api-key", KEY)
        .json(&body)
}

async fn total(mock: &Mock, listing: &str) -> usize {
    let resp = reqwest::get(format!("{}/_mock/{listing}?limit=1", mock.base))
        .await
        .unwrap();
    resp.headers()["x-total-count"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap()
}

fn report(what: &str, before: u64, after: u64) {
    let growth = mib(after.saturating_sub(before));
    eprintln!(
        "nox-mock: {what}: RSS {:.1} → {:.1} MiB (+{growth:.1})",
        mib(before),
        mib(after)
    );
    assert!(growth <= BOUND_MIB, "{what}: grew {growth:.1} MiB");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn oversized_and_maximal_fields() {
    let mock = start(&[]);
    let base = mock.base.clone();
    let before = mock.rss_kib();
    // 500 creations with 60 KB fields: refused, nothing kept.
    let b = base.clone();
    let refused = many(500, 400, move |http, i| {
        let long = format!("{i}-{}", "x".repeat(60_000));
        create(
            &b,
            http,
            json!({"user_id": long, "asset_type": "hp", "redirect_url": "https://e.com/cb"}),
        )
    })
    .await;
    assert_eq!(refused, 500);
    let after_refused = mock.rss_kib();
    report(
        "500 creations with 60 KB fields (400)",
        before,
        after_refused,
    );
    // 12,000 with the longest fields accepted: the sessions' byte budget evicts the oldest.
    let b = base.clone();
    let created = many(12_000, 201, move |http, i| {
        let user = format!("{i:08}{}", "u".repeat(248));
        let url = format!(
            "https://example.com/cb?i={i:08}&p={}",
            "p".repeat(2048 - 41)
        );
        create(
            &b,
            http,
            json!({"user_id": user, "asset_type": "hp", "redirect_url": url}),
        )
    })
    .await;
    assert_eq!(created, 12_000);
    let kept = total(&mock, "sessions").await;
    let after = mock.rss_kib();
    eprintln!("nox-mock: {kept} of 12,000 sessions of 2.3 KB kept (16 MiB of text)");
    assert!(kept < 12_000, "the byte budget evicts");
    report(
        "12,000 creations with 256-byte user ids and 2,048-byte redirect URLs",
        before,
        after,
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn completions_with_the_most_device_ids() {
    let mock = start(&[]);
    let base = mock.base.clone();
    let before = mock.rss_kib();
    let n = 2_000;
    let http = reqwest::Client::new();
    let ids: Vec<String> = (0..32)
        .map(|d| format!("{d:02}{}", "d".repeat(254)))
        .collect();
    let mut done = 0;
    for chunk in 0..(n / CLIENTS) {
        let mut tasks = Vec::new();
        for c in 0..CLIENTS {
            let (http, base, ids) = (http.clone(), base.clone(), ids.clone());
            let user = format!("{chunk}-{c}-{}", "u".repeat(240));
            tasks.push(tokio::spawn(async move {
                let session: Value = create(&base, &http, json!({"user_id": user, "asset_type": "hp", "redirect_url": "https://e.com/cb"}))
                    .send()
                    .await
                    .unwrap()
                    .json()
                    .await
                    .unwrap();
                let token = session["link_token"].as_str().unwrap();
                http.post(format!("{base}/_mock/sessions/{token}/complete"))
                    .json(&json!({"device_ids": ids}))
                    .send()
                    .await
                    .unwrap()
                    .status()
                    .as_u16()
            }));
        }
        for t in tasks {
            done += usize::from(t.await.unwrap() == 200);
        }
    }
    assert_eq!(done, n / CLIENTS * CLIENTS);
    let after = mock.rss_kib();
    eprintln!(
        "nox-mock: {done} completions of 32 device ids of 256 bytes: {} sessions, {} device records kept",
        total(&mock, "sessions").await,
        total(&mock, "devices").await
    );
    report(
        "2,000 completions naming 32 device ids of 256 bytes",
        before,
        after,
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_request_log_of_large_answers_and_concurrent_listing_reads() {
    let mock = start(&[]);
    let base = mock.base.clone();
    let http = reqwest::Client::new();
    http.post(format!("{base}/_mock/devices"))
        .json(&json!({"kind": "hp", "user_id": "u1", "count": 10_000}))
        .send()
        .await
        .unwrap();
    let before = mock.rss_kib();
    // 1,000 pages of devices just under 64 KiB, each logged with its body.
    let page = http
        .get(format!("{base}/v1/devices?limit=110"))
        .header("x-api-key", KEY)
        .send()
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap()
        .len();
    assert!((50_000..64 * 1024).contains(&page), "{page} bytes");
    let b = base.clone();
    let read = many(1_000, 200, move |http, _| {
        http.get(format!("{b}/v1/devices?limit=110"))
            .header("x-api-key", KEY)
    })
    .await;
    assert_eq!(read, 1_000);
    let after_log = mock.rss_kib();
    let kept = total(&mock, "requests").await;
    eprintln!("nox-mock: the request log keeps {kept} of 1,000 answers of {page} bytes");
    assert!(kept * page <= 16 * 1024 * 1024, "the log's byte bound");
    report("1,000 logged answers of ~60 KB", before, after_log);

    // 30,000 sessions, then 200 reads of each control listing, 16 at a time.
    let b = base.clone();
    let created = many(30_000, 201, move |http, i| {
        create(&b, http, json!({"user_id": format!("u{i}"), "asset_type": "hp", "redirect_url": "https://e.com/cb"}))
    })
    .await;
    assert_eq!(created, 30_000);
    let after_sessions = mock.rss_kib();
    let b = base.clone();
    let listed = many(600, 200, move |http, i| {
        let listing = ["sessions", "requests", "devices"][i % 3];
        http.get(format!("{b}/_mock/{listing}"))
    })
    .await;
    assert_eq!(listed, 600);
    let after = mock.rss_kib();
    report(
        "600 reads of the control listings (16 at a time, 30,000 sessions kept)",
        after_sessions,
        after,
    );
    report("all of the above", before, after);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_flood_of_faults() {
    let mock = start(&[]);
    let base = mock.base.clone();
    let before = mock.rss_kib();
    let b = base.clone();
    let armed = many(64, 201, move |http, _| {
        http.post(format!("{b}/_mock/faults"))
            .json(&json!({"operation": "get_devices", "kind": "status", "status": 503, "times": 1_000_000}))
    })
    .await;
    assert_eq!(armed, 64);
    let b = base.clone();
    let refused = many(3_000, 409, move |http, _| {
        http.post(format!("{b}/_mock/faults"))
            .json(&json!({"kind": "malformed"}))
    })
    .await;
    assert_eq!(refused, 3_000);
    let listed: Vec<Value> = reqwest::get(format!("{base}/_mock/faults"))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(listed.len(), 64);
    report(
        "64 faults armed, then 3,000 refused (409)",
        before,
        mock.rss_kib(),
    );
}
