//! A server that echoes the API key back in every form it can (whole, cut, split in two,
//! base64, percent-encoded, as a JSON field name), in every kind of answer the facade turns
//! into an error: no rendering of the error holds 8 characters of the key, for the
//! Authenticator's key and the Package API's.

use crate::common;

use base64::Engine as _;
use futures_util::TryStreamExt as _;
use nox_auth::{Client, DeviceQuery, Error};
use serde_json::json;
use wiremock::{Mock, MockServer, Request, ResponseTemplate};

const AUTH_KEY: &str = "sk_live_Authk3yZ9q8w7e6r5t4y";
const PACKAGE_KEY: &str = "sk_pkg_Pkgk3yM1n2b3v4c5x6z7";

/// The forms of `key` a careless server may print.
fn echoes(key: &str) -> Vec<String> {
    let (a, b) = key.split_at(key.len() / 2);
    vec![
        key.to_owned(),
        format!("{}…", &key[..key.len() - 3]),
        format!("{a} / {b}"),
        base64::engine::general_purpose::STANDARD.encode(key),
        key.bytes().map(|c| format!("%{c:02X}")).collect(),
    ]
}

/// Answers with form `n % 5` of the key it got, in answer kind `n / 5`.
async fn echoing() -> MockServer {
    let server = MockServer::start().await;
    let seen = std::sync::atomic::AtomicUsize::new(0);
    Mock::given(wiremock::matchers::any())
        .respond_with(move |req: &Request| {
            let n = seen.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            let key = req.headers["x-api-key"].to_str().unwrap().to_owned();
            let echo = &echoes(&key)[n % 5];
            match n / 5 % 4 {
                0 => ResponseTemplate::new(400)
                    .set_body_json(json!({"error": format!("bad key {echo}")})),
                1 => ResponseTemplate::new(401)
                    .set_body_json(json!({"detail": format!("no such key {echo}")})),
                2 => {
                    ResponseTemplate::new(502).set_body_string(format!("{}{echo}", "x".repeat(40)))
                }
                _ => {
                    ResponseTemplate::new(200).set_body_json(json!({ echo.clone(): 1, "data": 7 }))
                }
            }
        })
        .mount(&server)
        .await;
    server
}

fn assert_clean(e: &Error, key: &str) {
    for text in [e.to_string(), format!("{e:?}"), format!("{e:#?}")] {
        for w in key.as_bytes().windows(8) {
            let piece = std::str::from_utf8(w).unwrap();
            assert!(!text.contains(piece), "`{piece}` of the key in: {text}");
        }
        let b64 = base64::engine::general_purpose::STANDARD.encode(key);
        assert!(!text.contains(&b64[..12]), "base64 of the key in: {text}");
    }
}

#[tokio::test]
async fn no_error_holds_any_part_of_either_key() {
    let server = echoing().await;
    let client = Client::builder()
        .api_key(AUTH_KEY)
        .package_api_key(PACKAGE_KEY)
        .base_url(server.uri())
        .no_retries()
        .build()
        .unwrap();
    for _ in 0..20 {
        let e = client
            .create_supplier_link_session(common::request())
            .await
            .unwrap_err();
        assert_clean(&e, AUTH_KEY);
        let e = client
            .heat_pumps(DeviceQuery::all())
            .try_collect::<Vec<_>>()
            .await
            .unwrap_err();
        assert_clean(&e, PACKAGE_KEY);
    }
}
