//! The generated v1 (deprecated) clients on the wire: for each of the 3 v1 operations, the
//! request that reaches a real HTTP server on 127.0.0.1 (method, path, headers, JSON body),
//! and the decoding of the documented 201 body and of the 400/401 error bodies.

use crate::common;

use common::{expect, runtime};
use nox_auth_v1 as v1;
use serde_json::{Value, json};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

// ---------------------------------------------------------------- v1 (deprecated)

fn v1_error(code: &str, message: &str) -> Value {
    json!({"success": false, "timestamp": 1703123456, "error": message, "error_code": code, "message": message})
}

#[tokio::test]
async fn v1_create_link_session() {
    let server = MockServer::start().await;
    expect(
        &server,
        "/users/user_123/link",
        json!({"redirect_uri": "https://your-app.com/callback", "language": "en", "brand": "daikin"}),
        201,
        json!({"success": true, "timestamp": 1703123456, "data": {
            "link_token": "abc123def456",
            "link_url": "https://link.nox.com/connect?token=abc123def456",
            "expires_at": 1703124056,
            "supplier_id": "supplier_123",
            "supplier_user_id": "user_123",
            "brand": "daikin"
        }}),
    )
    .await;
    let client = v1::supplier::Client::new(&server.uri(), runtime());
    let resp = client
        .create_link_session()
        .user_id("user_123")
        .body(
            v1::supplier::types::LinkSessionRequest::builder()
                .redirect_uri("https://your-app.com/callback")
                .language("en".to_owned())
                .brand(Some(v1::supplier::types::LinkSessionRequestBrand::Daikin)),
        )
        .send()
        .await
        .expect("201 decodes")
        .into_inner();
    assert_eq!(resp.success, Some(true));
    let data = resp.data.expect("data");
    assert_eq!(data.link_token.as_deref(), Some("abc123def456"));
    assert_eq!(data.supplier_user_id.as_deref(), Some("user_123"));
}

#[tokio::test]
async fn v1_path_parameter_is_percent_encoded() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/users/a%2Fb%20c/link"))
        .respond_with(ResponseTemplate::new(201).set_body_json(json!({"success": true})))
        .expect(1)
        .mount(&server)
        .await;
    let client = v1::supplier::Client::new(&server.uri(), runtime());
    client
        .create_link_session()
        .user_id("a/b c")
        .body(
            v1::supplier::types::LinkSessionRequest::builder().redirect_uri("https://x.example/cb"),
        )
        .send()
        .await
        .expect("a user id with / and space stays one path segment");
}

#[tokio::test]
async fn v1_supplier_400_and_401_decode_the_error_body() {
    for (status, code) in [(400, "invalid_redirect_uri"), (401, "missing_api_key")] {
        let server = MockServer::start().await;
        Mock::given(method("POST"))
            .and(path("/users/u1/link"))
            .respond_with(ResponseTemplate::new(status).set_body_json(v1_error(code, "nope")))
            .mount(&server)
            .await;
        let client = v1::supplier::Client::new(&server.uri(), runtime());
        let err = client
            .create_link_session()
            .user_id("u1")
            .body(
                v1::supplier::types::LinkSessionRequest::builder()
                    .redirect_uri("https://x.example/cb"),
            )
            .send()
            .await
            .expect_err("error status");
        let v1::supplier::Error::ErrorResponse(body) = err else {
            panic!("expected typed error body for {status}: {err:?}");
        };
        assert_eq!(body.status(), status);
        assert_eq!(body.error_code.as_deref(), Some(code));
        assert_eq!(body.success, Some(false));
    }
}

#[tokio::test]
async fn v1_connect_nox_manufacturer() {
    let server = MockServer::start().await;
    expect(
        &server,
        "/manufacturers/nox",
        json!({"manufacturer_user_id": "mfr_user_123", "device_ids": ["device_001", "device_002"]}),
        201,
        json!({"success": true, "timestamp": 1703123456, "data": {
            "manufacturer_user_id": "mfr_user_123",
            "nox_user_id": "550e8400-e29b-41d4-a716-446655440000",
            "device_ids": ["device_001", "device_002"]
        }}),
    )
    .await;
    let client = v1::manufacturer::Client::new(&server.uri(), runtime());
    let resp = client
        .connect_nox_manufacturer()
        .body(
            v1::manufacturer::types::NoxManufacturerConnectionRequest::builder()
                .manufacturer_user_id("mfr_user_123")
                .device_ids(vec!["device_001".to_owned(), "device_002".to_owned()]),
        )
        .send()
        .await
        .expect("201 decodes")
        .into_inner();
    let data = resp.data.expect("data");
    assert_eq!(
        data.nox_user_id.as_deref(),
        Some("550e8400-e29b-41d4-a716-446655440000")
    );
    assert_eq!(data.device_ids, vec!["device_001", "device_002"]);
}

#[tokio::test]
async fn v1_connect_supplier_manufacturer() {
    let server = MockServer::start().await;
    expect(
        &server,
        "/manufacturers/suppliers",
        json!({"manufacturer_user_id": "mfr_user_123", "redirect_url": "https://manufacturer-app.com/callback", "language": "nl"}),
        201,
        json!({"success": true, "timestamp": 1703123456, "data": {
            "link_token": "abc123def456ghi789",
            "link_url": "https://auth.sandbox.nox.energy/?token=abc123def456&connection_type=manufacturer",
            "expires_at": 1703124056,
            "manufacturer": "Daikin",
            "manufacturer_user_id": "mfr_user_123",
            "nox_user_id": "550e8400-e29b-41d4-a716-446655440000",
            "device_ids": []
        }}),
    )
    .await;
    let client = v1::manufacturer::Client::new(&server.uri(), runtime());
    let resp = client
        .connect_supplier_manufacturer()
        .body(
            v1::manufacturer::types::SupplierManufacturerConnectionRequest::builder()
                .manufacturer_user_id("mfr_user_123")
                .redirect_url("https://manufacturer-app.com/callback")
                .language("nl".to_owned()),
        )
        .send()
        .await
        .expect("201 decodes")
        .into_inner();
    let data = resp.data.expect("data");
    assert_eq!(data.manufacturer.as_deref(), Some("Daikin"));
    assert_eq!(data.expires_at, Some(1703124056));
}

#[tokio::test]
async fn v1_manufacturer_401_decodes_the_error_body() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/manufacturers/nox"))
        .respond_with(
            ResponseTemplate::new(401)
                .set_body_json(v1_error("invalid_api_key", "Invalid API key")),
        )
        .mount(&server)
        .await;
    let client = v1::manufacturer::Client::new(&server.uri(), runtime());
    let err = client
        .connect_nox_manufacturer()
        .body(
            v1::manufacturer::types::NoxManufacturerConnectionRequest::builder()
                .manufacturer_user_id("m"),
        )
        .send()
        .await
        .expect_err("401");
    let v1::manufacturer::Error::ErrorResponse(body) = err else {
        panic!("expected typed error body: {err:?}");
    };
    assert_eq!(body.status(), 401);
    assert_eq!(body.error_code.as_deref(), Some("invalid_api_key"));
}
