//! The contract check's question whose `user_id` the Package API lists a device you linked
//! for (yours or NOX's), against the mock in both readings and against a Package API on
//! another origin with its own key; the check stays read-only without lasting calls.

use nox_auth::callback;
use nox_auth::{AssetType, Brand, SupplierLinkRequest};
use nox_contract::{CheckOptions, CheckResult, FindingKind, LinkedDevice, Report, check};
use nox_mock::{MockConfig, MockServer, PackageUserId};
use serde_json::json;
use wiremock::matchers::{header, method, path, query_param};
use wiremock::{Mock, ResponseTemplate};

const KEY: &str = "sk_live_OWNER_SECRET_1";
const PACKAGE_KEY: &str = "pk_live_PACKAGE_SECRET_2";

/// A mock reading `user_id` as `which`, with device `hp-1` linked for `u1`; NOX's id of
/// `u1`, from the callback.
async fn linked(which: PackageUserId) -> (MockServer, String) {
    let mock = MockServer::start_with(MockConfig::default().api_key(KEY).package_user_id(which))
        .await
        .unwrap();
    let session = mock
        .client()
        .unwrap()
        .create_supplier_link_session(SupplierLinkRequest::new(
            "u1",
            AssetType::Hp,
            "https://example.com/cb",
        ))
        .await
        .unwrap();
    let redirect = mock
        .complete(&session.link_token, Brand::Nibe, vec!["hp-1".into()])
        .unwrap();
    let nox_user_id = callback::decode(&redirect).unwrap().nox_user_id;
    (mock, nox_user_id)
}

async fn run(base: &str, device: LinkedDevice) -> Report {
    let mut options = CheckOptions::new(base, KEY);
    options.linked_device = Some(device);
    check(options).await.unwrap()
}

fn owner_check(report: &Report) -> &CheckResult {
    report
        .checks
        .iter()
        .find(|c| c.name.contains("whose user_id"))
        .unwrap_or_else(|| panic!("no owner question in {report:#?}"))
}

/// The one finding of the owner question: its observed text.
fn owner_says(report: &Report) -> String {
    let c = owner_check(report);
    assert_eq!(c.findings.len(), 1, "{:#?}", c.findings);
    let f = &c.findings[0];
    assert_eq!(f.kind, FindingKind::Question);
    assert!(!f.breaking);
    f.observed.clone()
}

fn assert_no_keys(report: &Report) {
    let text = serde_json::to_string(report).unwrap();
    assert!(
        !text.contains("OWNER_SECRET") && !text.contains("PACKAGE_SECRET"),
        "{text}"
    );
}

#[tokio::test]
async fn the_mock_lists_the_device_for_the_id_it_is_configured_with() {
    let (mock, nox_id) = linked(PackageUserId::SupplierUserId).await;
    let report = run(mock.base_url(), device_for(&nox_id)).await;
    assert!(!report.has_breaking() && !report.has_transport_errors());
    let c = owner_check(&report);
    assert_eq!(c.status, Some(200));
    assert_eq!(c.call, "GET /v1/devices?device_id=hp-1&limit=1");
    assert_eq!(owner_says(&report), "user_id `u1`: your user id");
    // The check made no lasting record: only link sessions (they expire), reads, and the
    // questions about /post-login-redirect, which the mock refused (no state it issued).
    for r in mock.requests() {
        let refused_question = r.path.ends_with("/post-login-redirect") && r.status >= 400;
        assert!(
            r.method == "GET" || r.path.ends_with("/link-sessions") || refused_question,
            "{} {} {}",
            r.method,
            r.path,
            r.status
        );
    }
    // Nothing to compare with: the id, and what to compare it with.
    let report = run(mock.base_url(), LinkedDevice::new("hp-1")).await;
    assert_eq!(owner_says(&report), "user_id `u1`");
    assert!(
        owner_check(&report).findings[0]
            .expected
            .contains("--nox-user-id")
    );
    // Ids that match neither.
    let report = run(mock.base_url(), LinkedDevice::new("hp-1").user_id("u2")).await;
    assert!(owner_says(&report).ends_with("neither the user id nor the NOX user id given"));
    // A device the mock does not list.
    let report = run(
        mock.base_url(),
        LinkedDevice::new("hp-unknown").user_id("u1"),
    )
    .await;
    assert_eq!(
        owner_says(&report),
        "the device is not listed (an empty page)"
    );

    // NOX's reading: the same device listed for NOX's id, and what that means for confirm.
    let (mock, nox_id) = linked(PackageUserId::NoxUserId).await;
    let report = run(mock.base_url(), device_for(&nox_id)).await;
    assert_eq!(
        owner_says(&report),
        format!("user_id `{nox_id}`: NOX's user id")
    );
    assert!(
        owner_check(&report).findings[0]
            .expected
            .contains("BindTo::PayloadNoxUserId")
    );
    assert_no_keys(&report);

    // No device given: no such question.
    let report = check(CheckOptions::new(mock.base_url(), KEY))
        .await
        .unwrap();
    assert!(
        !report
            .checks
            .iter()
            .any(|c| c.name.contains("whose user_id"))
    );
}

fn device_for(nox_id: &str) -> LinkedDevice {
    LinkedDevice::new("hp-1").user_id("u1").nox_user_id(nox_id)
}

#[tokio::test]
async fn a_package_api_on_another_origin_with_its_own_key() {
    let (mock, _) = linked(PackageUserId::SupplierUserId).await;
    let package = wiremock::MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/v1/devices"))
        .and(header("x-api-key", PACKAGE_KEY))
        .and(query_param("device_id", "hp-9"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "data": [{"device_id": "hp-9", "user_id": "nox-9"}], "meta": {"next_token": null}
        })))
        .mount(&package)
        .await;
    Mock::given(method("GET"))
        .and(path("/v1/devices"))
        .and(header("x-api-key", PACKAGE_KEY))
        .and(query_param("device_id", "hp-evil"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "data": [{"device_id": "hp-evil", "user_id": "\u{1b}[2Jnox-\u{202e}9"}], "meta": {"next_token": null}
        })))
        .mount(&package)
        .await;
    Mock::given(method("GET"))
        .and(path("/v1/devices"))
        .and(header("x-api-key", PACKAGE_KEY))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "data": [], "meta": {"next_token": null}
        })))
        .mount(&package)
        .await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(401))
        .mount(&package)
        .await;
    let options = |device: &str| {
        let mut options = CheckOptions::new(mock.base_url(), KEY);
        options.package_base_url = Some(package.uri());
        options.package_api_key = Some(PACKAGE_KEY.into());
        options.linked_device = Some(LinkedDevice::new(device).user_id("u9").nox_user_id("nox-9"));
        options
    };
    let report = check(options("hp-9")).await.unwrap();
    // The Authenticator key does not read this Package API; its own key does.
    let q = report
        .checks
        .iter()
        .find(|c| c.name.contains("Authenticator key read the Package API"))
        .unwrap();
    assert_eq!(q.status, Some(401));
    assert_eq!(owner_says(&report), "user_id `nox-9`: NOX's user id");
    let limit_0 = report
        .checks
        .iter()
        .find(|c| c.name.contains("limit=0"))
        .unwrap();
    assert_eq!(
        limit_0.status,
        Some(200),
        "sent with the package key to the package origin"
    );
    assert_no_keys(&report);
    // Every Package call went to the package origin; the Authenticator's key there only
    // for the question about it.
    let got = package.received_requests().await.unwrap();
    let with_auth_key = got
        .iter()
        .filter(|r| r.headers.get("x-api-key").is_some_and(|k| k == KEY))
        .count();
    assert_eq!((got.len(), with_auth_key), (4, 1));

    // NOX's text reaches the report escaped.
    let report = check(options("hp-evil")).await.unwrap();
    let said = owner_says(&report);
    assert!(
        !said.contains('\u{1b}') && !said.contains('\u{202e}'),
        "{said:?}"
    );
    assert!(
        said.ends_with("neither the user id nor the NOX user id given"),
        "{said}"
    );

    // An empty device id is refused before anything is sent.
    let mut bad = options("hp-9");
    bad.linked_device = Some(LinkedDevice::new(" "));
    assert!(check(bad).await.unwrap_err().to_string().contains("empty"));
}
