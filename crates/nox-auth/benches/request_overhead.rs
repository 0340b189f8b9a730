//! Request overhead: the facade creating a v2 link session vs a hand-written reqwest
//! POST of the same JSON, to the same local server, over the same connection pool.
//!
//! `cargo bench -p nox-auth --bench request_overhead`. Target: facade / raw ≤ 1.05 (median).

use std::net::SocketAddr;

use axum::Router;
use axum::http::StatusCode;
use axum::routing::post;
use criterion::{Criterion, criterion_group};
use nox_auth::{AssetType, Brand, Client, SupplierLinkRequest};
use serde::Deserialize;

const BODY: &str = r#"{"link_url":"http://127.0.0.1/ui?token=abc123&language=nl","link_token":"abc123","language":"nl","asset_type":"hp","redirect_url":"https://example.com/cb","supplier":"Acme Energy","supplier_user_id":"user-42","created_at":1703123456,"expires_at":1703124056,"brand":"daikin","completed_at":null}"#;

/// What a hand-written client would decode the answer into.
#[derive(Deserialize)]
#[allow(dead_code)]
struct RawSession {
    link_url: String,
    link_token: String,
    language: String,
    asset_type: String,
    redirect_url: String,
    supplier: String,
    supplier_user_id: String,
    created_at: i64,
    expires_at: i64,
    brand: Option<String>,
    completed_at: Option<i64>,
}

fn server(rt: &tokio::runtime::Runtime) -> SocketAddr {
    rt.block_on(async {
        let app = Router::new().route(
            "/v2/supplier/link-sessions",
            post(|| async {
                (
                    StatusCode::CREATED,
                    [("content-type", "application/json")],
                    BODY,
                )
            }),
        );
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        addr
    })
}

/// What both measurements share.
struct Setup {
    rt: tokio::runtime::Runtime,
    pool: reqwest::Client,
    facade: Client,
    raw_url: String,
    raw_body: serde_json::Value,
}

fn setup() -> Setup {
    // One thread for client and server: no cross-thread scheduling noise, so the
    // difference between the variants is the client code itself.
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let addr = server(&rt);
    let base = format!("http://{addr}");
    // A production-like pool (the facade's default timeouts), shared by both sides: the
    // facade adds no timer of its own on a caller-supplied client.
    let pool = reqwest::Client::builder()
        .connect_timeout(nox_auth::DEFAULT_CONNECT_TIMEOUT)
        .timeout(nox_auth::DEFAULT_TIMEOUT)
        .build()
        .unwrap();
    let facade = Client::builder()
        .api_key("bench-key")
        .base_url(&base)
        .http_client(pool.clone())
        .build()
        .unwrap();
    Setup {
        rt,
        pool,
        facade,
        raw_url: format!("{base}/v2/supplier/link-sessions"),
        raw_body: serde_json::json!({
            "user_id": "user-42", "asset_type": "hp", "redirect_url": "https://example.com/cb",
            "brand": "daikin", "language": "nl"
        }),
    }
}

impl Setup {
    /// One link session through the facade.
    async fn facade_call(&self) -> nox_auth::SupplierLinkSession {
        let req = SupplierLinkRequest::new("user-42", AssetType::Hp, "https://example.com/cb")
            .brand(Brand::Daikin);
        self.facade.create_supplier_link_session(req).await.unwrap()
    }

    /// The same, written by hand with reqwest.
    async fn raw_call(&self) -> RawSession {
        self.pool
            .post(&self.raw_url)
            .header("x-api-key", "bench-key")
            .json(&self.raw_body)
            .send()
            .await
            .unwrap()
            .json::<RawSession>()
            .await
            .unwrap()
    }
}

fn bench(c: &mut Criterion) {
    let s = setup();
    let rt = &s.rt;

    let mut group = c.benchmark_group("request_overhead");
    group.measurement_time(std::time::Duration::from_secs(10));
    group.bench_function("facade_create_supplier_link_session", |b| {
        b.to_async(rt).iter(|| s.facade_call())
    });
    group.bench_function("raw_reqwest_post", |b| b.to_async(rt).iter(|| s.raw_call()));
    // Diagnostic: the generated client alone, with the same runtime (key, timeout, retries).
    let generated = s.facade.v2_supplier().clone();
    group.bench_function("generated_client", |b| {
        b.to_async(rt).iter(|| async {
            use nox_auth::v2::supplier::types as t;
            generated
                .create_supplier_link_session()
                .body(
                    t::CreateSupplierLinkSessionRequest::builder()
                        .user_id("user-42")
                        .asset_type(t::AssetType::Hp)
                        .redirect_url("https://example.com/cb")
                        .brand(Some(t::Brand::Daikin)),
                )
                .send()
                .await
                .unwrap()
        })
    });
    group.finish();
}

/// Paired comparison: rounds of alternating batches (facade, raw, then raw, facade…),
/// so that drift of the machine affects both sides alike. Prints the median and the
/// spread of the per-round ratios.
fn paired() {
    const ROUNDS: usize = 40;
    const BATCH: usize = 250;
    let s = setup();
    let batch = |facade: bool| {
        let s = &s;
        async move {
            let t = std::time::Instant::now();
            for _ in 0..BATCH {
                if facade {
                    std::hint::black_box(s.facade_call().await);
                } else {
                    std::hint::black_box(s.raw_call().await);
                }
            }
            t.elapsed()
        }
    };
    let mut ratios = Vec::new();
    s.rt.block_on(async {
        batch(true).await; // warm-up
        batch(false).await;
        for round in 0..ROUNDS {
            let (f, r) = if round % 2 == 0 {
                let f = batch(true).await;
                (f, batch(false).await)
            } else {
                let r = batch(false).await;
                (batch(true).await, r)
            };
            ratios.push(f.as_secs_f64() / r.as_secs_f64());
        }
    });
    ratios.sort_by(f64::total_cmp);
    let q = |p: f64| ratios[((ratios.len() - 1) as f64 * p).round() as usize];
    println!(
        "request_overhead/paired: facade / raw over {ROUNDS} rounds of {BATCH} requests: median {:.3} (quartiles {:.3}–{:.3})",
        q(0.5),
        q(0.25),
        q(0.75)
    );
}

criterion_group!(benches, bench);

fn main() {
    benches();
    Criterion::default().configure_from_args().final_summary();
    paired();
}
