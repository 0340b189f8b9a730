//! Bad payloads both ways, against a real HTTP server on 127.0.0.1: response bodies that
//! are not the documented session (kept with the raw value, or an `InvalidResponse` naming
//! the field), requests and client settings refused before anything is sent, and a
//! `Debug` that never shows the API key.

use crate::common;

use common::{KEY, answering, assert_no_key, call, client, counting, request, session_body};
use nox_auth::{AssetType, Brand, Client, Error, SupplierLinkRequest, ValidationError};
use serde_json::{Value, json};
use wiremock::matchers::method;
use wiremock::{Mock, MockServer, ResponseTemplate};

#[tokio::test]
async fn html_body_is_an_invalid_response_without_the_payload() {
    let server = MockServer::start().await;
    let html = format!(
        "<html><body>{}</body></html>",
        "Bad gateway page ".repeat(500)
    );
    counting(&server, move |_| {
        ResponseTemplate::new(201).set_body_raw(html.clone(), "text/html")
    })
    .await;
    let e = call(&server).await.unwrap_err();
    assert_no_key(&e);
    match &e {
        Error::InvalidResponse { reason, .. } => {
            assert!(reason.contains("line 1 column 1"), "{reason}");
            assert!(
                !reason.contains("Bad gateway page"),
                "payload echoed: {reason}"
            );
        }
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn html_error_page_is_an_unexpected_status_with_excerpt() {
    let server = MockServer::start().await;
    counting(&server, |_| {
        ResponseTemplate::new(502).set_body_raw("<html>gateway\u{0}down</html>", "text/html")
    })
    .await;
    let client = Client::builder()
        .api_key(KEY)
        .base_url(server.uri())
        .no_retries()
        .build()
        .unwrap();
    let e = client
        .create_supplier_link_session(request())
        .await
        .unwrap_err();
    assert!(
        matches!(&e, Error::UnexpectedStatus { body_excerpt, .. } if body_excerpt == "<html>gateway\\u{0}down</html>"),
        "{e:?}"
    );
}

#[tokio::test]
async fn truncated_json_is_an_invalid_response() {
    let server = MockServer::start().await;
    let body = session_body().to_string();
    let truncated = body[..body.len() / 2].to_owned();
    counting(&server, move |_| {
        ResponseTemplate::new(201).set_body_raw(truncated.clone(), "application/json")
    })
    .await;
    let e = call(&server).await.unwrap_err();
    assert!(
        matches!(&e, Error::InvalidResponse { reason, .. } if reason.contains("EOF")),
        "{e:?}"
    );
}

#[tokio::test]
async fn values_nox_added_keep_the_session_with_the_raw_value() {
    // Each mutation is something a real NOX may do tomorrow; the session it created
    // must reach the user.
    let mutations: [(&str, Value, u16); 6] = [
        ("brand", json!("wolf"), 201),
        ("language", json!("de"), 201),
        ("asset_type", json!("battery"), 201),
        ("completed_at", json!(1703123999), 201),
        ("a_field_nox_added", json!({"nested": [1, 2]}), 201),
        ("link_token", json!("t1"), 200), // a 200 where 201 is documented
    ];
    for (field, value, status) in mutations {
        let mut body = session_body();
        body[field] = value.clone();
        let server = answering(status, body).await;
        let session = call(&server)
            .await
            .unwrap_or_else(|e| panic!("{field}={value} ({status}) lost the session: {e}"));
        assert_eq!(session.link_url, "http://127.0.0.1/ui?token=t1&language=nl");
        match field {
            "brand" => {
                assert_eq!(session.brand, Some(nox_auth::Open::Unknown("wolf".into())));
                assert_eq!(session.brand.as_ref().unwrap().known(), None);
            }
            "language" => assert_eq!(session.language.as_str(), "de"),
            "asset_type" => {
                assert_eq!(session.asset_type.as_str(), "battery");
                assert_eq!(session.asset_type.known(), None);
            }
            "completed_at" => assert!(session.times.completed_at.is_some()),
            _ => assert_eq!(session.asset_type, AssetType::Hp),
        }
        // The raw value survives storing the session.
        let stored = serde_json::to_value(&session).unwrap();
        if matches!(field, "brand" | "language" | "asset_type") {
            assert_eq!(stored[field], value, "{stored}");
        }
    }
}

#[tokio::test]
async fn structural_problems_are_invalid_responses_naming_the_field() {
    let cases: [(&str, Option<Value>, &str); 6] = [
        ("link_token", None, "link_token"),
        (
            "link_url",
            Some(json!(5)),
            "invalid type: integer `5`, expected a string",
        ),
        ("created_at", Some(json!(-5)), "created_at"),
        (
            "supplier_user_id",
            Some(json!("user-2")),
            "supplier_user_id",
        ),
        (
            "expires_at",
            Some(json!(1703123000)),
            "`expires_at` (1703123000) is before `created_at`",
        ),
        (
            "asset_type",
            Some(json!("pv")),
            "`asset_type` is `pv`, not the `hp` that was sent",
        ),
    ];
    for (field, value, expected) in cases {
        let mut body = session_body();
        match value {
            Some(v) => body[field] = v,
            None => {
                body.as_object_mut().unwrap().remove(field);
            }
        }
        let server = answering(201, body).await;
        let e = call(&server).await.unwrap_err();
        assert!(
            matches!(&e, Error::InvalidResponse { reason, .. } if reason.contains(expected)),
            "{field}: {e:?}"
        );
        assert!(
            e.to_string().contains(field),
            "{field}: the message names it: {e}"
        );
    }
}

#[tokio::test]
async fn brand_asset_type_mismatch_sends_zero_requests() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(201).set_body_json(session_body()))
        .expect(0)
        .mount(&server)
        .await;
    let e = call_with(
        &server,
        request().brand(Brand::Daikin).clone_with(AssetType::Pv),
    )
    .await
    .unwrap_err();
    match &e {
        Error::Validation(ValidationError::BrandNotForAssetType {
            brand,
            asset_type,
            valid,
        }) => {
            assert_eq!(*brand, Brand::Daikin);
            assert_eq!(*asset_type, AssetType::Pv);
            assert!(valid.contains(&Brand::Sma));
        }
        other => panic!("{other:?}"),
    }
    let text = e.to_string();
    assert!(
        text.contains("`daikin`") && text.contains("`pv`") && text.contains("sma"),
        "{text}"
    );
    let bad_url = SupplierLinkRequest::new("u", AssetType::Hp, "not a url");
    assert!(matches!(
        call_with(&server, bad_url).await,
        Err(Error::Validation(ValidationError::InvalidUrl { .. }))
    ));
    let empty = SupplierLinkRequest::new(" ", AssetType::Hp, "https://x.example/cb");
    assert!(matches!(
        call_with(&server, empty).await,
        Err(Error::Validation(ValidationError::Empty {
            field: "user_id"
        }))
    ));
    assert!(
        server.received_requests().await.unwrap().is_empty(),
        "nothing was sent"
    );
}

trait WithAssetType {
    fn clone_with(&self, a: AssetType) -> SupplierLinkRequest;
}
impl WithAssetType for SupplierLinkRequest {
    fn clone_with(&self, a: AssetType) -> SupplierLinkRequest {
        let mut request = self.clone();
        request.asset_type = a;
        request
    }
}

async fn call_with(
    server: &MockServer,
    req: SupplierLinkRequest,
) -> Result<nox_auth::SupplierLinkSession, Error> {
    client(&server.uri())
        .create_supplier_link_session(req)
        .await
}

#[test]
fn debug_of_client_and_builder_never_shows_the_key() {
    let builder = Client::builder()
        .api_key(KEY)
        .base_url("http://127.0.0.1:1");
    let b = format!("{builder:?} {builder:#?}");
    assert!(!b.contains("SUPERSECRET"), "{b}");
    assert!(b.contains("<redacted>"));
    let client = builder.build().unwrap();
    let c = format!(
        "{client:?} {client:#?} {:?} {:?}",
        client.v2_supplier(),
        client.v1_manufacturer()
    );
    assert!(!c.contains("SUPERSECRET"), "{c}");
    assert!(c.contains("http://127.0.0.1:1"));
    let e = Client::builder()
        .api_key("bad\nkey-SUPERSECRET")
        .build()
        .unwrap_err();
    assert_no_key(&e);
    let e = Client::builder()
        .api_key(KEY)
        .base_url("http://nox.example")
        .build()
        .unwrap_err();
    assert_no_key(&e);
    assert!(e.to_string().contains("loopback"));
}

/// A v1 error body's `error_code` and `message` are NOX's text: an error shows both
/// escaped and cut, never a raw escape sequence a terminal would run.
#[cfg(feature = "v1")]
#[tokio::test]
#[allow(deprecated)]
async fn a_v1_error_code_is_shown_escaped() {
    let server = MockServer::start().await;
    let hostile = format!("bad\u{1b}[2J\u{202e}{}", "x".repeat(5000));
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(400).set_body_json(json!({
            "success": false, "timestamp": 1, "error": "e", "error_code": hostile, "message": hostile,
        })))
        .mount(&server)
        .await;
    let e = client(&server.uri())
        .create_link_session_v1("u1", nox_auth::V1LinkRequest::new("https://e.com/cb"))
        .await
        .unwrap_err();
    let Error::Api { code, message, .. } = &e else {
        panic!("{e:?}")
    };
    let code = code.as_deref().unwrap();
    assert!(
        code.starts_with("bad\\u{1b}[2J\\u{202e}") && code.ends_with('…'),
        "{code}"
    );
    assert!(code.chars().count() < 200 && message.chars().count() < 1100);
    let text = e.to_string();
    assert!(
        !text.contains('\u{1b}') && !text.contains('\u{202e}'),
        "{text}"
    );
}

/// The `link_url` NOX answers is where the backend sends the user's browser: a
/// `javascript:` URL or a host that is not NOX's is a typed error, never passed on.
#[tokio::test]
async fn a_link_url_off_nox_is_refused() {
    for link_url in [
        "javascript:alert(document.cookie)",
        "https://evil.example/ui?token=t",
        "http://auth.nox.energy/ui?token=t",
    ] {
        let mut body = session_body();
        body["link_url"] = json!(link_url);
        let server = answering(201, body).await;
        let e = call(&server).await.unwrap_err();
        assert!(
            matches!(&e, Error::InvalidResponse { reason, .. } if reason.contains("link_url")),
            "{link_url}: {e:?}"
        );
    }
    // A host the builder names is trusted.
    let mut body = session_body();
    body["link_url"] = json!("https://ui.partner.example/connect?token=t");
    let server = answering(201, body).await;
    let client = Client::builder()
        .api_key(KEY)
        .base_url(server.uri())
        .allow_link_host("ui.partner.example")
        .build()
        .unwrap();
    assert!(client.create_supplier_link_session(request()).await.is_ok());
}

/// `redirect_url` by allow-list: plain http only to loopback, an app scheme only where the
/// builder names it; refused before anything is sent.
#[tokio::test]
async fn redirect_urls_are_checked_by_allow_list_before_sending() {
    let server = MockServer::start().await;
    let count = counting(&server, |_| {
        ResponseTemplate::new(201).set_body_json(session_body())
    })
    .await;
    let client = client(&server.uri());
    let with = |url: &str| SupplierLinkRequest::new("user-1", AssetType::Hp, url);
    for (url, says) in [
        (
            "http://shop.example/nox/callback",
            "plain http only to a loopback host",
        ),
        ("ms-msdt://x", "allow_app_scheme(\"ms-msdt\")"),
        ("myapp://nox/callback", "allow_app_scheme(\"myapp\")"),
    ] {
        let e = client
            .create_supplier_link_session(with(url))
            .await
            .unwrap_err();
        assert!(matches!(e, Error::Validation(_)), "{url}: {e:?}");
        assert!(e.to_string().contains(says), "{url}: {e}");
    }
    assert_eq!(
        count.load(std::sync::atomic::Ordering::SeqCst),
        0,
        "nothing sent"
    );
    let app = Client::builder()
        .api_key(KEY)
        .base_url(server.uri())
        .allow_app_scheme("MyApp")
        .build()
        .unwrap();
    assert!(
        app.create_supplier_link_session(with("myapp://nox/callback"))
            .await
            .is_ok()
    );
    assert!(
        client
            .create_supplier_link_session(with("http://127.0.0.1:9/cb"))
            .await
            .is_ok()
    );
}
