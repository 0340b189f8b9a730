//! Happy paths of the facade and of the generated clients against `nox-mock`, and the
//! whole link flow over HTTP (create → UI page → form → redirect → decode → verify).

use nox_auth::callback;
use nox_auth::{
    AssetType, Brand, Client, Language, ManufacturerLinkRequest, SupplierLinkRequest, V1LinkRequest,
};
use nox_mock::MockServer;

fn client(mock: &MockServer) -> Client {
    mock.client().unwrap()
}

#[tokio::test]
async fn facade_v2_supplier_flow_over_http() {
    let mock = MockServer::start().await.unwrap();
    let client = client(&mock);
    let session = client
        .create_supplier_link_session(
            SupplierLinkRequest::new("user-42", AssetType::Pv, "https://example.com/cb?state=s1")
                .brand(Brand::Sma)
                .language(Language::En),
        )
        .await
        .unwrap();
    assert_eq!(session.supplier, "Mock Energy");
    assert_eq!(session.brand, Some(Brand::Sma.into()));
    assert_eq!(session.times.lifetime().as_secs(), 600);
    assert!(!session.times.is_expired(std::time::SystemTime::now()));

    // Walk the UI as a browser would.
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let page = http
        .get(&session.link_url)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains("value=\"sma\""), "{page}");
    let resp = http
        .post(format!("{}/ui/connect", mock.base_url()))
        .form(&[
            ("token", session.link_token.as_str()),
            ("brand", "sma"),
            ("device_id", "inv-1"),
            ("language", "en"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 303);
    let location = resp.headers()["location"].to_str().unwrap();
    let payload = callback::decode(location).unwrap();
    let verified = payload.verify_supplier(&session).unwrap();
    assert_eq!(verified.user_id, "user-42");
    assert_eq!(verified.known_brand, Some(Brand::Sma));
    assert_eq!(verified.device_ids, vec!["inv-1"]);
    assert_eq!(
        mock.user("user-42").unwrap().nox_user_id,
        verified.nox_user_id
    );
}

#[tokio::test]
async fn facade_manufacturer_operations() {
    let mock = MockServer::start().await.unwrap();
    // A mobile app receives the callback as a deep link: its scheme is named.
    let client = Client::builder()
        .api_key(mock.api_key())
        .base_url(mock.base_url())
        .allow_app_scheme("myapp")
        .build()
        .unwrap();
    let session = client
        .create_manufacturer_link_session(
            ManufacturerLinkRequest::new("mfr-7", "myapp://nox/cb").language(Language::Fr),
        )
        .await
        .unwrap();
    assert_eq!(session.manufacturer, "Mock Manufacturing");
    assert_eq!(session.language, Language::Fr);
    let conn = client
        .create_manufacturer_device_connection("mfr-7")
        .await
        .unwrap();
    assert_eq!(conn.user_id, "mfr-7");
    let again = client
        .create_manufacturer_device_connection("mfr-7")
        .await
        .unwrap();
    assert_eq!(
        again.nox_user_id, conn.nox_user_id,
        "same user, same NOX id"
    );
}

#[tokio::test]
#[allow(deprecated)]
async fn facade_v1_operations() {
    let mock = MockServer::start().await.unwrap();
    let client = client(&mock);
    let resp = client
        .create_link_session_v1(
            "user_123",
            V1LinkRequest::new("https://e.com/cb")
                .language("en")
                .brand(Brand::SaunierDuval),
        )
        .await
        .unwrap();
    let data = resp.data.unwrap();
    assert_eq!(data.supplier_user_id.as_deref(), Some("user_123"));
    assert_eq!(data.brand.as_deref(), Some("saunier-duval"));
    let e = client
        .create_link_session_v1(
            "u",
            V1LinkRequest::new("https://e.com/cb").brand(Brand::Sma),
        )
        .await
        .unwrap_err();
    assert!(
        e.to_string()
            .contains("not accepted by the deprecated v1 API"),
        "{e}"
    );

    let nox = client
        .connect_nox_manufacturer_v1("m1", vec!["d1".into()])
        .await
        .unwrap();
    assert_eq!(nox.data.unwrap().device_ids, vec!["d1"]);
    let sup = client
        .connect_supplier_manufacturer_v1("m1", "https://e.com/cb", Some("nl"), vec![])
        .await
        .unwrap();
    assert!(sup.data.unwrap().link_url.unwrap().contains("/ui?token="));
}

#[tokio::test]
async fn facade_errors_from_the_mock() {
    let mock = MockServer::start().await.unwrap();
    let bad = Client::builder()
        .api_key("wrong-key")
        .base_url(mock.base_url())
        .build()
        .unwrap();
    let e = bad
        .create_supplier_link_session(SupplierLinkRequest::new(
            "u",
            AssetType::Hp,
            "https://e.com/cb",
        ))
        .await
        .unwrap_err();
    assert!(matches!(e, nox_auth::Error::Unauthorized { .. }), "{e:?}");
    assert!(!e.to_string().contains("wrong-key"));
}

#[tokio::test]
async fn generated_clients_against_the_mock() {
    let mock = MockServer::start().await.unwrap();
    let runtime = nox_auth::nox_auth_runtime::Runtime::new()
        .with_api_key(mock.api_key())
        .unwrap();
    let v2 =
        nox_auth::v2::supplier::Client::new(&format!("{}/v2", mock.base_url()), runtime.clone());
    let session = v2
        .create_supplier_link_session()
        .body(
            nox_auth::v2::supplier::types::CreateSupplierLinkSessionRequest::builder()
                .user_id("g1")
                .asset_type(nox_auth::v2::supplier::types::AssetType::Hp)
                .redirect_url("https://e.com/cb"),
        )
        .send()
        .await
        .unwrap()
        .into_inner();
    assert_eq!(session.supplier_user_id, "g1");
    let v2m = nox_auth::v2::manufacturer::Client::new(
        &format!("{}/v2", mock.base_url()),
        runtime.clone(),
    );
    let conn = v2m
        .create_manufacturer_device_connection()
        .body(
            nox_auth::v2::manufacturer::types::CreateManufacturerDeviceConnectionRequest::builder()
                .user_id("g2"),
        )
        .send()
        .await
        .unwrap()
        .into_inner();
    assert!(conn.nox_user_id.starts_with("nox-"));
    let v1 = nox_auth::v1::supplier::Client::new(mock.base_url(), runtime);
    let resp = v1
        .create_link_session()
        .user_id("g3")
        .body(
            nox_auth::v1::supplier::types::LinkSessionRequest::builder()
                .redirect_uri("https://e.com/cb"),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 201);
}
