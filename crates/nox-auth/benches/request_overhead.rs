//! Request overhead: the facade creating a v2 link session vs a hand-written reqwest
//! POST of the same JSON, to the same local server, over the same connection pool.
//!
//! `cargo bench -p nox-auth --bench request_overhead`. Target: facade / raw ≤ 1.05 (median).

use std::net::SocketAddr;

use axum::Router;
use axum::http::StatusCode;
use axum::routing::post;
use criterion::{Criterion, criterion_group, criterion_main};
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

fn bench(c: &mut Criterion) {
    // One thread for client and server: no cross-thread scheduling noise, so the
    // difference between the variants is the client code itself.
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let addr = server(&rt);
    let base = format!("http://{addr}");
    let pool = reqwest::Client::new();
    let facade = Client::builder()
        .api_key("bench-key")
        .base_url(&base)
        .http_client(pool.clone())
        .build()
        .unwrap();
    let raw_url = format!("{base}/v2/supplier/link-sessions");
    let raw_body = serde_json::json!({
        "user_id": "user-42", "asset_type": "hp", "redirect_url": "https://example.com/cb",
        "brand": "daikin", "language": "nl"
    });

    let mut group = c.benchmark_group("request_overhead");
    group.measurement_time(std::time::Duration::from_secs(10));
    group.bench_function("facade_create_supplier_link_session", |b| {
        b.to_async(&rt).iter(|| async {
            let req = SupplierLinkRequest::new("user-42", AssetType::Hp, "https://example.com/cb")
                .brand(Brand::Daikin);
            facade.create_supplier_link_session(req).await.unwrap()
        })
    });
    group.bench_function("raw_reqwest_post", |b| {
        b.to_async(&rt).iter(|| async {
            pool.post(&raw_url)
                .header("x-api-key", "bench-key")
                .json(&raw_body)
                .send()
                .await
                .unwrap()
                .json::<RawSession>()
                .await
                .unwrap()
        })
    });
    // Diagnostic: the generated client alone, with the same runtime (key, timeout, retries).
    let generated = facade.v2_supplier().clone();
    group.bench_function("generated_client", |b| {
        b.to_async(&rt).iter(|| async {
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

criterion_group!(benches, bench);
criterion_main!(benches);
