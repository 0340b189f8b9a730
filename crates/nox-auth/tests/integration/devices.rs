//! The Package API's device listings against real servers on 127.0.0.1: pages followed
//! with the same parameters, pagination distrusted (a repeated token, a page over the
//! limit, empty pages without end, a body without end), queries refused before sending,
//! and two origins with two keys, each key only ever sent to its own.

use crate::common;

use std::sync::atomic::Ordering;

use common::package::{page, query, serving};
use futures_util::TryStreamExt as _;
use nox_auth::{Client, DeviceQuery, Error, TransportKind, ValidationError};
use serde_json::json;
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

const AUTH_KEY: &str = "sk_auth_SECRET_111111";
const PACKAGE_KEY: &str = "sk_pkg_SECRET_222222";

fn client(base: &str) -> Client {
    Client::builder()
        .api_key(AUTH_KEY)
        .base_url(base)
        .no_retries()
        .build()
        .unwrap()
}

#[tokio::test]
async fn pages_are_followed_with_the_same_parameters() {
    let (server, count) = serving("/v1/devices", |_, req| {
        // Every page asks for the same user and page size; the token picks the page.
        assert_eq!(query(req, "user_id").as_deref(), Some("nox-u1"));
        assert_eq!(query(req, "limit").as_deref(), Some("2"));
        let body = match query(req, "next_token").as_deref() {
            None => page(&["d1", "d2"], Some("t/2+=")),
            Some("t/2+=") => page(&["d3", "d4"], Some("t3")),
            Some("t3") => page(&["d5"], None),
            Some(other) => panic!("unexpected token {other}"),
        };
        ResponseTemplate::new(200).set_body_json(body)
    })
    .await;
    let devices: Vec<_> = client(&server.uri())
        .heat_pumps(DeviceQuery::all().user("nox-u1").page_size(2))
        .try_collect::<Vec<_>>()
        .await
        .unwrap();
    let ids: Vec<&str> = devices.iter().map(|d| d.device_id.as_str()).collect();
    assert_eq!(ids, ["d1", "d2", "d3", "d4", "d5"]);
    assert_eq!(devices[0].needs_reauthentication, Some(false));
    assert_eq!(count.load(Ordering::SeqCst), 3);
}

#[tokio::test]
async fn a_stream_fetches_only_the_pages_read() {
    let (server, count) = serving("/v1/devices", |n, _| {
        let (a, b) = (format!("a{n}"), format!("b{n}"));
        ResponseTemplate::new(200).set_body_json(page(&[&a, &b], Some(&format!("t{n}"))))
    })
    .await;
    let mut devices = client(&server.uri()).heat_pumps(DeviceQuery::all().page_size(2));
    for _ in 0..3 {
        devices.try_next().await.unwrap().unwrap();
    }
    // Three devices read: two pages fetched, not the endless rest.
    assert_eq!(count.load(Ordering::SeqCst), 2);
}

#[tokio::test]
async fn a_repeated_token_ends_the_listing_instead_of_looping() {
    let (server, count) = serving("/v1/devices/pv", |n, _| {
        let token = if n % 2 == 0 { "A" } else { "B" };
        ResponseTemplate::new(200).set_body_json(page(&[&format!("p{n}")], Some(token)))
    })
    .await;
    let e = client(&server.uri())
        .pv_inverters(DeviceQuery::all())
        .try_collect::<Vec<_>>()
        .await
        .unwrap_err();
    assert!(
        matches!(&e, Error::InvalidResponse { reason, .. } if reason.contains("already followed")),
        "{e}"
    );
    assert_eq!(count.load(Ordering::SeqCst), 3, "A, B, then A again");
}

#[tokio::test]
async fn empty_pages_without_end_stop() {
    let (server, count) = serving("/v1/manufacturer/devices", |n, _| {
        ResponseTemplate::new(200)
            .set_body_json(json!({"data": [], "meta": {"next_token": format!("fresh-{n}")}}))
    })
    .await;
    let e = client(&server.uri())
        .manufacturer_devices(DeviceQuery::all())
        .try_collect::<Vec<_>>()
        .await
        .unwrap_err();
    assert!(e.to_string().contains("empty pages in a row"), "{e}");
    assert_eq!(
        count.load(Ordering::SeqCst),
        nox_auth::MAX_EMPTY_PAGES as usize + 1
    );
}

#[tokio::test]
async fn a_page_over_the_limit_and_an_absurd_token_are_errors() {
    let (server, _) = serving("/v1/devices", |_, _| {
        ResponseTemplate::new(200).set_body_json(page(&["1", "2", "3"], None))
    })
    .await;
    let e = client(&server.uri())
        .heat_pumps(DeviceQuery::all().page_size(2))
        .try_collect::<Vec<_>>()
        .await
        .unwrap_err();
    assert!(
        e.to_string().contains("a page of 3 devices, over the 2"),
        "{e}"
    );

    let long = "x".repeat(nox_auth::MAX_TOKEN_LEN + 1);
    let (server, _) = serving("/v1/devices", move |_, _| {
        ResponseTemplate::new(200).set_body_json(page(&["1"], Some(&long)))
    })
    .await;
    let e = client(&server.uri())
        .heat_pumps(DeviceQuery::all())
        .try_collect::<Vec<_>>()
        .await
        .unwrap_err();
    assert!(e.to_string().contains("next_token of 4097 bytes"), "{e}");
}

/// A server that answers 200 with a chunked JSON body that never ends.
async fn endless_body() -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        while let Ok((mut sock, _)) = listener.accept().await {
            tokio::spawn(async move {
                let mut buf = [0u8; 4096];
                let _ = sock.read(&mut buf).await;
                let head = "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ntransfer-encoding: chunked\r\n\r\n";
                if sock.write_all(head.as_bytes()).await.is_err() {
                    return;
                }
                let chunk = format!("{:x}\r\n{}\r\n", 65536, " ".repeat(65536));
                while sock.write_all(chunk.as_bytes()).await.is_ok() {}
            });
        }
    });
    format!("http://{addr}")
}

#[tokio::test]
async fn a_body_without_end_is_cut_at_the_page_bound() {
    let base = endless_body().await;
    let e = client(&base)
        .heat_pumps(DeviceQuery::all())
        .try_collect::<Vec<_>>()
        .await
        .unwrap_err();
    assert!(
        matches!(
            &e,
            Error::Transport {
                kind: TransportKind::TooLarge,
                ..
            }
        ),
        "{e:?}"
    );
    assert!(e.to_string().contains("too large"), "{e}");
}

#[tokio::test]
async fn bad_queries_are_refused_before_sending() {
    let (server, count) = serving("/v1/devices/pv", |_, _| {
        ResponseTemplate::new(200).set_body_json(page(&[], None))
    })
    .await;
    let c = client(&server.uri());
    for n in [0, 4001] {
        let e = c
            .heat_pumps(DeviceQuery::all().page_size(n))
            .try_collect::<Vec<_>>()
            .await
            .unwrap_err();
        assert!(
            matches!(
                &e,
                Error::Validation(ValidationError::OutOfRange {
                    field: "page_size",
                    ..
                })
            ),
            "{e}"
        );
    }
    let e = c
        .pv_inverters(DeviceQuery::all().user("u"))
        .try_collect::<Vec<_>>()
        .await
        .unwrap_err();
    assert!(e.to_string().contains("has no `user_id` filter"), "{e}");
    let e = c
        .manufacturer_devices(DeviceQuery::all().user("u"))
        .try_collect::<Vec<_>>()
        .await
        .unwrap_err();
    assert!(e.to_string().contains("has no `user_id` filter"), "{e}");
    assert_eq!(count.load(Ordering::SeqCst), 0);
}

#[tokio::test]
async fn collect_at_most_never_cuts_silently() {
    let (server, _) = serving("/v1/devices", |_, _| {
        ResponseTemplate::new(200).set_body_json(page(&["1", "2", "3"], None))
    })
    .await;
    let c = client(&server.uri());
    assert_eq!(
        c.heat_pumps(DeviceQuery::all())
            .collect_at_most(3)
            .await
            .unwrap()
            .len(),
        3
    );
    let e = c
        .heat_pumps(DeviceQuery::all())
        .collect_at_most(2)
        .await
        .unwrap_err();
    assert!(matches!(e, Error::TooManyItems { max: 2 }), "{e}");
}

#[tokio::test]
async fn a_validation_error_names_the_refused_value() {
    let (server, _) = serving("/v1/devices", |_, _| {
        ResponseTemplate::new(422).set_body_json(json!({"detail": [
            {"loc": ["query", "limit"], "msg": "Input should be less than or equal to 4000", "type": "less_than_equal"}
        ]}))
    })
    .await;
    let e = client(&server.uri())
        .heat_pumps(DeviceQuery::all())
        .try_collect::<Vec<_>>()
        .await
        .unwrap_err();
    assert!(
        e.to_string()
            .contains("query.limit: Input should be less than or equal to 4000"),
        "{e}"
    );
}

/// Every request a server got, with the `x-api-key` it carried.
async fn keys_seen(server: &MockServer) -> Vec<(String, String)> {
    server
        .received_requests()
        .await
        .unwrap()
        .iter()
        .map(|r| {
            let key = r
                .headers
                .get("x-api-key")
                .map(|v| v.to_str().unwrap().to_owned())
                .unwrap_or_default();
            (r.url.path().to_owned(), key)
        })
        .collect()
}

#[tokio::test]
async fn each_key_goes_only_to_its_own_origin() {
    let auth = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(201).set_body_json(common::session_body()))
        .mount(&auth)
        .await;
    // The Package API answers with a redirect to the Authenticator's origin: not followed.
    let package = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/v1/devices/pv"))
        .respond_with(
            ResponseTemplate::new(307).insert_header("location", format!("{}/steal", auth.uri())),
        )
        .mount(&package)
        .await;
    Mock::given(method("GET"))
        .and(path("/v1/devices"))
        .respond_with(ResponseTemplate::new(200).set_body_json(page(&["d1"], None)))
        .mount(&package)
        .await;
    let client = Client::builder()
        .api_key(AUTH_KEY)
        .base_url(auth.uri())
        .package_base_url(package.uri())
        .package_api_key(PACKAGE_KEY)
        .no_retries()
        .build()
        .unwrap();
    client
        .create_supplier_link_session(common::request())
        .await
        .unwrap();
    let listed = client
        .heat_pumps(DeviceQuery::all())
        .collect_at_most(10)
        .await
        .unwrap();
    assert_eq!(listed.len(), 1);
    let e = client
        .pv_inverters(DeviceQuery::all())
        .collect_at_most(10)
        .await
        .unwrap_err();
    assert!(matches!(e, Error::Redirect { .. }), "{e:?}");
    for text in [e.to_string(), format!("{e:?}"), format!("{client:?}")] {
        assert!(!text.contains("SECRET"), "{text}");
    }

    let auth_seen = keys_seen(&auth).await;
    assert_eq!(auth_seen.len(), 1, "{auth_seen:?}");
    assert!(
        auth_seen.iter().all(|(_, k)| k == AUTH_KEY),
        "{auth_seen:?}"
    );
    let package_seen = keys_seen(&package).await;
    assert_eq!(package_seen.len(), 2, "{package_seen:?}");
    assert!(
        package_seen.iter().all(|(_, k)| k == PACKAGE_KEY),
        "{package_seen:?}"
    );
}

#[tokio::test]
async fn without_a_package_key_the_authenticator_key_goes_to_the_package_origin() {
    let (package, _) = serving("/v1/devices", |_, _| {
        ResponseTemplate::new(200).set_body_json(page(&[], None))
    })
    .await;
    let client = Client::builder()
        .api_key(AUTH_KEY)
        .base_url("http://127.0.0.1:9")
        .package_base_url(package.uri())
        .build()
        .unwrap();
    client
        .heat_pumps(DeviceQuery::all())
        .collect_at_most(1)
        .await
        .unwrap();
    assert_eq!(
        keys_seen(&package).await,
        [("/v1/devices".to_owned(), AUTH_KEY.to_owned())]
    );
}
