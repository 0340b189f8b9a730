//! The generated v2 clients on the wire: for each of the 3 v2 operations (supplier and
//! manufacturer), the request that reaches a real HTTP server on 127.0.0.1 (method, path,
//! headers, JSON body), and the decoding of the documented 201 body and of the 400/401
//! error bodies; and the JSON schema of the generated types.

use crate::common;

use common::{expect, runtime};
use nox_auth_v2 as v2;
use serde_json::{Value, json};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

fn v2_base(server: &MockServer) -> String {
    format!("{}/v2", server.uri())
}

// ---------------------------------------------------------------- v2 supplier

fn supplier_session_body() -> Value {
    json!({
        "link_url": "https://auth.nox.energy/ui?token=abc123&language=nl",
        "link_token": "abc123",
        "language": "nl",
        "asset_type": "hp",
        "redirect_url": "https://your-app.com/callback",
        "supplier": "Acme Energy",
        "supplier_user_id": "supplier_user_id_123",
        "created_at": 1703123456,
        "expires_at": 1703124056,
        "brand": "saunier-duval",
        "completed_at": null
    })
}

#[tokio::test]
async fn v2_create_supplier_link_session() {
    let server = MockServer::start().await;
    expect(
        &server,
        "/v2/supplier/link-sessions",
        json!({
            "user_id": "supplier_user_id_123",
            "asset_type": "hp",
            "redirect_url": "https://your-app.com/callback",
            "brand": "saunier-duval",
            "language": "fr"
        }),
        201,
        supplier_session_body(),
    )
    .await;
    let client = v2::supplier::Client::new(&v2_base(&server), runtime());
    let resp = client
        .create_supplier_link_session()
        .body(
            v2::supplier::types::CreateSupplierLinkSessionRequest::builder()
                .user_id("supplier_user_id_123")
                .asset_type(v2::supplier::types::AssetType::Hp)
                .redirect_url("https://your-app.com/callback")
                .brand(Some(v2::supplier::types::Brand::SaunierDuval))
                .language(v2::supplier::types::Language::Fr),
        )
        .send()
        .await
        .expect("201 decodes");
    assert_eq!(resp.status(), 201);
    let session = resp.into_inner();
    assert_eq!(session.link_token, "abc123");
    assert_eq!(session.expires_at - session.created_at, 600);
    assert_eq!(session.brand, Some("saunier-duval".to_owned()),);
    assert_eq!(session.completed_at, None);
    assert_eq!(session.supplier, "Acme Energy");
}

#[tokio::test]
async fn v2_supplier_language_defaults_to_nl_and_unset_brand_is_omitted() {
    let server = MockServer::start().await;
    let mut reply = supplier_session_body();
    reply["brand"] = Value::Null;
    reply["extra_field_from_the_future"] = json!({"any": "thing"});
    expect(
        &server,
        "/v2/supplier/link-sessions",
        json!({
            "user_id": "u1",
            "asset_type": "pv",
            "redirect_url": "https://your-app.com/callback",
            "language": "nl"
        }),
        201,
        reply,
    )
    .await;
    let client = v2::supplier::Client::new(&v2_base(&server), runtime());
    let session = client
        .create_supplier_link_session()
        .body(
            v2::supplier::types::CreateSupplierLinkSessionRequest::builder()
                .user_id("u1")
                .asset_type(v2::supplier::types::AssetType::Pv)
                .redirect_url("https://your-app.com/callback"),
        )
        .send()
        .await
        .expect("201 with null brand and an unknown field decodes")
        .into_inner();
    assert_eq!(session.brand, None);
}

#[tokio::test]
async fn v2_supplier_400_and_401_decode_the_error_body() {
    for (status, message) in [
        (400, "brand must be valid for asset_type"),
        (401, "Missing or invalid API key"),
    ] {
        let server = MockServer::start().await;
        Mock::given(method("POST"))
            .and(path("/v2/supplier/link-sessions"))
            .respond_with(ResponseTemplate::new(status).set_body_json(json!({"error": message})))
            .mount(&server)
            .await;
        let client = v2::supplier::Client::new(&v2_base(&server), runtime());
        let err = client
            .create_supplier_link_session()
            .body(
                v2::supplier::types::CreateSupplierLinkSessionRequest::builder()
                    .user_id("u1")
                    .asset_type(v2::supplier::types::AssetType::Hp)
                    .redirect_url("https://your-app.com/callback"),
            )
            .send()
            .await
            .expect_err("error status");
        match err {
            v2::supplier::Error::ErrorResponse(body) => {
                assert_eq!(body.status(), status);
                assert_eq!(body.error.as_deref(), Some(message));
            }
            other => panic!("expected a typed error body for {status}, got {other:?}"),
        }
    }
}

// ---------------------------------------------------------------- v2 manufacturer

#[tokio::test]
async fn v2_create_manufacturer_link_session() {
    let server = MockServer::start().await;
    expect(
        &server,
        "/v2/manufacturer/link-sessions",
        json!({"user_id": "manufacturer_user_id_123", "redirect_url": "https://your-app.com/callback", "language": "en"}),
        201,
        json!({
            "link_url": "https://auth.nox.energy/ui?token=abc123&language=en",
            "link_token": "abc123",
            "language": "en",
            "redirect_url": "https://your-app.com/callback",
            "manufacturer": "Acme Manufacturing",
            "manufacturer_user_id": "manufacturer_user_id_123",
            "created_at": 1703123456,
            "expires_at": 1703124056,
            "brand": "Acme Manufacturing",
            "completed_at": null
        }),
    )
    .await;
    let client = v2::manufacturer::Client::new(&v2_base(&server), runtime());
    let session = client
        .create_manufacturer_link_session()
        .body(
            v2::manufacturer::types::CreateManufacturerLinkSessionRequest::builder()
                .user_id("manufacturer_user_id_123")
                .redirect_url("https://your-app.com/callback")
                .language(v2::manufacturer::types::Language::En),
        )
        .send()
        .await
        .expect("201 decodes")
        .into_inner();
    assert_eq!(session.manufacturer, "Acme Manufacturing");
    assert_eq!(session.brand.as_deref(), Some("Acme Manufacturing"));
    assert_eq!(session.language, "en", "response enums are open strings");
}

#[tokio::test]
async fn v2_create_manufacturer_device_connection() {
    let server = MockServer::start().await;
    expect(
        &server,
        "/v2/manufacturer/device-connections",
        json!({"user_id": "mfr-7"}),
        201,
        json!({"manufacturer_user_id": "mfr-7", "nox_user_id": "nox-42"}),
    )
    .await;
    let client = v2::manufacturer::Client::new(&v2_base(&server), runtime());
    let conn = client
        .create_manufacturer_device_connection()
        .body(
            v2::manufacturer::types::CreateManufacturerDeviceConnectionRequest::builder()
                .user_id("mfr-7"),
        )
        .send()
        .await
        .expect("201 decodes")
        .into_inner();
    assert_eq!(conn.nox_user_id, "nox-42");
    assert_eq!(conn.manufacturer_user_id, "mfr-7");
}

#[tokio::test]
async fn v2_manufacturer_400_and_401_decode_the_error_body() {
    for (status, route) in [
        (400, "/v2/manufacturer/device-connections"),
        (401, "/v2/manufacturer/link-sessions"),
    ] {
        let server = MockServer::start().await;
        Mock::given(method("POST"))
            .and(path(route))
            .respond_with(
                ResponseTemplate::new(status)
                    .set_body_json(json!({"error": "user_id is required and must be a string"})),
            )
            .mount(&server)
            .await;
        let client = v2::manufacturer::Client::new(&v2_base(&server), runtime());
        let err = if route.ends_with("device-connections") {
            client
                .create_manufacturer_device_connection()
                .body(
                    v2::manufacturer::types::CreateManufacturerDeviceConnectionRequest::builder()
                        .user_id(""),
                )
                .send()
                .await
                .map(|_| ())
        } else {
            client
                .create_manufacturer_link_session()
                .body(
                    v2::manufacturer::types::CreateManufacturerLinkSessionRequest::builder()
                        .user_id("u")
                        .redirect_url("https://x.example/cb"),
                )
                .send()
                .await
                .map(|_| ())
        }
        .expect_err("error status");
        let v2::manufacturer::Error::ErrorResponse(body) = err else {
            panic!("expected typed error body for {status}: {err:?}");
        };
        assert_eq!(body.status(), status);
        assert_eq!(
            body.error.as_deref(),
            Some("user_id is required and must be a string")
        );
    }
}

#[test]
fn generated_types_publish_a_json_schema() {
    let schema = schemars::schema_for!(v2::supplier::types::CreateSupplierLinkSessionRequest);
    let text = serde_json::to_string(&schema).unwrap();
    assert!(text.contains("saunier-duval"), "{text}");
    assert!(text.contains("\"required\""), "{text}");
}
