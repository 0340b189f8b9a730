//! The mock's documented limits (issue 20), over real sockets on 127.0.0.1: field lengths
//! as NOX would plausibly hold them, armed faults capped, the stores bounded in bytes, and
//! the control listings a page at a time.

use crate::common;

use nox_auth::Brand;
use nox_mock::{
    CompleteError, Error, Fault, MAX_DEVICE_ID_BYTES, MAX_DEVICE_IDS, MAX_FAULTS,
    MAX_REDIRECT_URL_BYTES, MAX_USER_ID_BYTES, MockConfig, MockServer,
};
use reqwest::StatusCode;
use serde_json::{Value, json};

use common::{create_session, http, post, supplier_body};

fn supplier(user_id: &str, redirect_url: &str) -> Value {
    json!({"user_id": user_id, "asset_type": "hp", "redirect_url": redirect_url})
}

#[tokio::test]
async fn fields_are_limited_as_nox_would() {
    let mock = MockServer::start().await.unwrap();
    let at_most = "u".repeat(MAX_USER_ID_BYTES);
    let over = "u".repeat(MAX_USER_ID_BYTES + 1);
    let cb = "https://example.com/cb";
    create_session(&mock, supplier(&at_most, cb)).await;
    let (status, body) = post(&mock, "/v2/supplier/link-sessions", supplier(&over, cb)).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(body["error"], "user_id must be at most 256 bytes");
    let long_url = format!(
        "{cb}?p={}",
        "p".repeat(MAX_REDIRECT_URL_BYTES - cb.len() - 3)
    );
    assert_eq!(long_url.len(), MAX_REDIRECT_URL_BYTES);
    create_session(&mock, supplier("u1", &long_url)).await;
    let (status, body) = post(
        &mock,
        "/v2/supplier/link-sessions",
        supplier("u1", &format!("{long_url}p")),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(body["error"], "redirect_url must be at most 2048 bytes");
    // v1: the path's user id, the manufacturer's, the device ids.
    let (status, body) = post(
        &mock,
        &format!("/users/{over}/link"),
        json!({"redirect_uri": cb}),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(body["success"], false, "{body}");
    let ids = |n: usize, len: usize| (0..n).map(|i| format!("{i:0len$}")).collect::<Vec<_>>();
    for (device_ids, ok) in [
        (ids(MAX_DEVICE_IDS, MAX_DEVICE_ID_BYTES), true),
        (ids(MAX_DEVICE_IDS + 1, 4), false),
        (ids(1, MAX_DEVICE_ID_BYTES + 1), false),
    ] {
        let (status, body) = post(
            &mock,
            "/manufacturers/nox",
            json!({"manufacturer_user_id": "m1", "device_ids": device_ids}),
        )
        .await;
        assert_eq!(status.is_success(), ok, "{body}");
    }
    let (status, _) = post(
        &mock,
        "/v2/manufacturer/link-sessions",
        json!({"user_id": over, "redirect_url": cb}),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);

    // A completion: the control API, the Rust API, the UI.
    let token = create_session(&mock, supplier("u2", cb)).await["link_token"]
        .as_str()
        .unwrap()
        .to_owned();
    let (status, body) = post(
        &mock,
        &format!("/_mock/sessions/{token}/complete"),
        json!({"device_ids": ids(MAX_DEVICE_IDS + 1, 4)}),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert!(matches!(
        mock.complete(&token, Brand::Daikin, vec!["a\u{1b}[2J".into()]),
        Err(Error::Complete(CompleteError::InvalidDeviceIds(_)))
    ));
    let resp = http()
        .post(format!("{}/ui/connect", mock.base_url()))
        .form(&[
            ("token", token.as_str()),
            ("brand", "daikin"),
            ("device_id", &"d".repeat(300)),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::BAD_REQUEST);
    let redirect = mock
        .complete(
            &token,
            Brand::Daikin,
            ids(MAX_DEVICE_IDS, MAX_DEVICE_ID_BYTES),
        )
        .unwrap();
    let payload = nox_auth::callback::decode(&redirect).expect("the longest completion decodes");
    assert_eq!(payload.device_ids.len(), MAX_DEVICE_IDS);
}

#[tokio::test]
async fn armed_faults_are_capped_and_arming_answers_the_new_one() {
    let mock = MockServer::start().await.unwrap();
    for i in 0..MAX_FAULTS {
        let (status, armed) = post(
            &mock,
            "/_mock/faults",
            json!({"kind": "status", "status": 500 + (i % 99)}),
        )
        .await;
        assert_eq!(status, StatusCode::CREATED);
        assert_eq!(
            armed["status"],
            500 + (i % 99),
            "the fault armed, not the list: {armed}"
        );
    }
    let (status, body) = post(&mock, "/_mock/faults", json!({"kind": "malformed"})).await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    assert!(
        body["error"]
            .as_str()
            .unwrap()
            .contains("64 faults are armed"),
        "{body}"
    );
    assert!(matches!(
        mock.inject(Fault::malformed()),
        Err(Error::TooManyFaults { max: 64 })
    ));
    mock.clear_faults();
    let long = "o".repeat(65);
    let (status, body) = post(
        &mock,
        "/_mock/faults",
        json!({"operation": long, "kind": "malformed"}),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let text = body["error"].as_str().unwrap();
    assert!(
        text.contains("at most 64 bytes") && !text.contains(&long),
        "{text}"
    );
}

#[tokio::test]
async fn sessions_users_and_the_request_log_are_bounded_in_bytes() {
    let mock = MockServer::start_with(
        MockConfig::default()
            .max_session_bytes(48 * 1024)
            .request_log_bytes(32 * 1024),
    )
    .await
    .unwrap();
    let user = |i: usize| format!("{i:04}{}", "u".repeat(MAX_USER_ID_BYTES - 4));
    for i in 0..200 {
        create_session(&mock, supplier(&user(i), "https://example.com/cb")).await;
    }
    let sessions = mock.sessions();
    // Each holds ~330 bytes of text: 48 KiB keep the newest ~150, not 200.
    assert!((100..200).contains(&sessions.len()), "{}", sessions.len());
    assert_eq!(
        sessions.last().unwrap().user_id,
        user(199),
        "the newest are kept"
    );
    let logged: usize = mock
        .requests()
        .iter()
        .map(|r| r.response.as_ref().map_or(0, |b| b.to_string().len()))
        .sum();
    assert!(
        logged <= 32 * 1024 && mock.requests().len() < 200,
        "{logged}"
    );
    // NOX users: half the sessions' budget.
    for i in 0..200 {
        let device_ids: Vec<String> = (0..4)
            .map(|d| format!("{i}-{d}-{}", "d".repeat(200)))
            .collect();
        let (status, _) = post(
            &mock,
            "/manufacturers/nox",
            json!({"manufacturer_user_id": user(i), "device_ids": device_ids}),
        )
        .await;
        assert_eq!(status, StatusCode::CREATED);
    }
    assert!(mock.user(&user(199)).is_some() && mock.user(&user(0)).is_none());
}

#[tokio::test]
async fn control_listings_come_a_page_at_a_time() {
    let mock = MockServer::start().await.unwrap();
    for i in 0..25 {
        create_session(&mock, supplier(&format!("u{i}"), "https://example.com/cb")).await;
    }
    for listing in ["sessions", "requests"] {
        let mut url = format!("/_mock/{listing}?limit=10");
        let mut seen = Vec::new();
        loop {
            let resp = http()
                .get(format!("{}{url}", mock.base_url()))
                .send()
                .await
                .unwrap();
            assert_eq!(resp.status(), StatusCode::OK);
            assert_eq!(resp.headers()["x-total-count"], "25");
            let next = resp.headers().get("link").map(|l| {
                let l = l.to_str().unwrap();
                l[1..l.find('>').unwrap()].to_owned()
            });
            let page: Vec<Value> = resp.json().await.unwrap();
            assert!(page.len() <= 10);
            seen.extend(page);
            match next {
                Some(next) => url = next,
                None => break,
            }
        }
        assert_eq!(seen.len(), 25, "{listing}: every item once");
    }
    for bad in [
        "limit=0",
        "limit=1001",
        "limit=x",
        "cursor=-1",
        "cursor=abc",
        "limt=5",
    ] {
        let resp = http()
            .get(format!("{}/_mock/sessions?{bad}", mock.base_url()))
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), StatusCode::BAD_REQUEST, "{bad}");
    }
    // A cursor stays valid when what it points at is gone: the listing goes on after it.
    let resp = http()
        .get(format!("{}/_mock/sessions?limit=5", mock.base_url()))
        .send()
        .await
        .unwrap();
    let cursor = resp.headers()["x-next-cursor"].to_str().unwrap().to_owned();
    mock.reset();
    let mut after = supplier_body();
    after["user_id"] = json!("after");
    create_session(&mock, after).await;
    let page: Vec<Value> = http()
        .get(format!(
            "{}/_mock/sessions?cursor={cursor}",
            mock.base_url()
        ))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(page.len(), 1);
    assert_eq!(page[0]["user_id"], "after");
}
