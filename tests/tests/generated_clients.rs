//! The generated clients on the wire: for each of the 6 operations, the request that
//! reaches a real HTTP server on 127.0.0.1 (method, path, headers, JSON body), and the
//! decoding of the documented 201 body and of the 400/401 error bodies.

use nox_auth_runtime::Runtime;
use nox_auth_v1 as v1;
use nox_auth_v2 as v2;
use serde_json::{Value, json};
use wiremock::matchers::{body_json, header, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

const KEY: &str = "test-key-123";

fn runtime() -> Runtime {
    Runtime::new().with_api_key(KEY).unwrap()
}

/// A mock answering `POST route` (with the key, JSON content type and `body`) with `status` + `reply`.
async fn expect(server: &MockServer, route: &str, body: Value, status: u16, reply: Value) {
    Mock::given(method("POST"))
        .and(path(route))
        .and(header("x-api-key", KEY))
        .and(header("content-type", "application/json"))
        .and(header("accept", "application/json"))
        .and(body_json(body))
        .respond_with(ResponseTemplate::new(status).set_body_json(reply))
        .expect(1)
        .mount(server)
        .await;
}

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

#[test]
fn generated_types_publish_a_json_schema() {
    let schema = schemars::schema_for!(v2::supplier::types::CreateSupplierLinkSessionRequest);
    let text = serde_json::to_string(&schema).unwrap();
    assert!(text.contains("saunier-duval"), "{text}");
    assert!(text.contains("\"required\""), "{text}");
}
