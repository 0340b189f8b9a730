//! The contract check and the proxy against real servers on 127.0.0.1: our mock (a clean
//! report), and local servers that drift from the specs in each way a real NOX might.

use std::sync::{Arc, Mutex};

use nox_contract::{CheckOptions, FindingKind, Proxy, ProxyConfig, Report, Seen, check};
use serde_json::{Value, json};
use wiremock::matchers::{header, method, path};
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};

const KEY: &str = "sk_live_CONTRACT_SECRET_42";

fn supplier_session() -> Value {
    json!({
        "link_url": "http://127.0.0.1/ui?token=t1", "link_token": "t1", "language": "en",
        "asset_type": "hp", "redirect_url": "https://example.com/nox-contract-check/callback",
        "supplier": "Acme", "supplier_user_id": "someone", "created_at": 1703123456,
        "expires_at": 1703124056, "brand": null, "completed_at": null
    })
}

fn manufacturer_session() -> Value {
    json!({
        "link_url": "http://127.0.0.1/ui?token=t2", "link_token": "t2", "language": "en",
        "redirect_url": "https://example.com/cb", "manufacturer": "Acme", "manufacturer_user_id": "m",
        "created_at": 1703123456, "expires_at": 1703124056, "brand": "Acme", "completed_at": null
    })
}

/// A NOX that answers like the specs, except the supplier creation answer, which is
/// `supplier` (documented ones for the other calls: 400 for the brand not valid for the
/// asset type, 401 for the wrong or missing key).
async fn drifting(supplier: ResponseTemplate) -> MockServer {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/v2/supplier/link-sessions"))
        .and(header("x-api-key", "nox-contract-check-wrong-key"))
        .respond_with(ResponseTemplate::new(401).set_body_json(json!({"error": "Invalid API key"})))
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/v2/supplier/link-sessions"))
        .and(wiremock::matchers::body_partial_json(
            json!({"brand": "sma"}),
        ))
        .respond_with(ResponseTemplate::new(400).set_body_json(json!({"error": "brand not valid"})))
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/v2/supplier/link-sessions"))
        .and(header("x-api-key", KEY))
        .respond_with(supplier)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/v2/supplier/link-sessions"))
        .respond_with(ResponseTemplate::new(401).set_body_json(json!({"error": "Missing API key"})))
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/v2/manufacturer/link-sessions"))
        .respond_with(ResponseTemplate::new(201).set_body_json(manufacturer_session()))
        .mount(&server)
        .await;
    server
}

async fn run(base: &str) -> Report {
    check(CheckOptions::new(base, KEY)).await.unwrap()
}

/// The findings of the first call (the v2 supplier link session).
fn first(report: &Report) -> &[nox_contract::Finding] {
    &report.checks[0].findings
}

fn assert_no_key(report: &Report) {
    let text = serde_json::to_string(report).unwrap();
    assert!(
        !text.contains(KEY) && !text.contains("CONTRACT_SECRET"),
        "{text}"
    );
    for c in &report.checks {
        for f in &c.findings {
            assert!(!f.to_string().contains("CONTRACT_SECRET"));
        }
    }
}

#[tokio::test]
async fn against_our_mock_the_report_is_clean() {
    let mock = nox_mock::MockServer::start_with(nox_mock::MockConfig::default().api_key(KEY))
        .await
        .unwrap();
    let mut options = CheckOptions::new(mock.base_url(), KEY);
    options.v1 = true;
    options.lasting = vec![
        nox_contract::LastingCall::DeviceConnections,
        nox_contract::LastingCall::V1Manufacturer,
    ];
    let report = check(options).await.unwrap();
    assert!(!report.has_breaking(), "{report:#?}");
    assert!(!report.has_transport_errors());
    assert_eq!(report.checks.len(), 19);
    for c in &report.checks {
        for f in &c.findings {
            assert_eq!(f.kind, FindingKind::Question, "{}: {f}", c.name);
        }
    }
    // The mock's answers to the three open questions.
    let q: Vec<_> = report
        .checks
        .iter()
        .filter(|c| c.name.starts_with("question"))
        .collect();
    assert_eq!(
        q[0].status,
        Some(401),
        "v2 refuses Authorization: ApiKey in the mock"
    );
    assert_eq!(
        q[1].status,
        Some(201),
        "the mock keeps a redirect_url with a query (the state nonce)"
    );
    assert_eq!(q[2].status, Some(400), "the mock requires asset_type");
    assert_eq!(
        q[3].status,
        Some(200),
        "the mock's Package API takes the same key"
    );
    assert_eq!(q[3].call, "GET /v1/devices?limit=1");
    assert!(
        q[3].findings
            .iter()
            .any(|f| f.path == "data, meta.next_token" && f.observed.contains("next_token null")),
        "{:#?}",
        q[3].findings
    );
    let limit_0 = report
        .checks
        .iter()
        .find(|c| c.name.contains("limit=0"))
        .unwrap();
    assert_eq!(limit_0.status, Some(422));
    // The NOX-initiated link's reconstructed operation: asked, never judged.
    let asked: Vec<_> = report
        .checks
        .iter()
        .filter(|c| c.call.contains("post-login-redirect"))
        .map(|c| {
            (
                c.call.as_str(),
                c.status,
                c.findings.last().unwrap().observed.clone(),
            )
        })
        .collect();
    assert_eq!(asked.len(), 4, "{asked:#?}");
    assert_eq!(
        (asked[0].0, asked[0].1),
        ("POST /post-login-redirect", Some(400))
    );
    assert!(asked[0].2.starts_with("400: names state"), "{asked:#?}");
    assert_eq!(
        (asked[1].0, asked[1].1),
        ("POST /v2/post-login-redirect", Some(404))
    );
    assert!(
        asked[1].2.starts_with("404: no such operation"),
        "{asked:#?}"
    );
    assert_eq!(asked[2].1, Some(401), "the mock wants the key");
    assert!(
        asked[2].2.starts_with("401: exists and wants a key"),
        "{asked:#?}"
    );
    assert_eq!(asked[3].1, Some(400));
    assert!(asked[3].2.contains("unknown"), "{asked:#?}");
    // Created with recognisable ids.
    assert!(
        mock.sessions()
            .iter()
            .all(|s| s.user_id.starts_with("nox-contract-check-"))
    );
    assert_no_key(&report);
}

#[tokio::test]
async fn each_drift_is_reported_with_its_kind_path_and_breaking_flag() {
    let with = |f: &dyn Fn(&mut Value)| {
        let mut b = supplier_session();
        f(&mut b);
        ResponseTemplate::new(201).set_body_json(b)
    };
    let cases: Vec<(&str, ResponseTemplate, FindingKind, &str, bool)> = vec![
        (
            "an extra field",
            with(&|b| b["trace_id"] = json!("abc")),
            FindingKind::NewField,
            "$.trace_id",
            false,
        ),
        (
            "a new enum value",
            with(&|b| b["language"] = json!("de")),
            FindingKind::NewEnumValue,
            "$.language",
            false,
        ),
        (
            "a missing required field",
            with(&|b| {
                b.as_object_mut().unwrap().remove("link_token");
            }),
            FindingKind::MissingRequiredField,
            "$.link_token",
            true,
        ),
        (
            "a 415",
            ResponseTemplate::new(415).set_body_json(json!({"error": "unsupported"})),
            FindingKind::UndocumentedStatus,
            "status",
            false,
        ),
        (
            "an error body of another shape",
            ResponseTemplate::new(400).set_body_json(json!([{"msg": "bad"}])),
            FindingKind::ErrorBodyShape,
            "$",
            true,
        ),
        (
            "a redirect",
            ResponseTemplate::new(302).insert_header("location", "http://127.0.0.2:9/steal"),
            FindingKind::UndocumentedStatus,
            "status",
            true,
        ),
    ];
    for (what, template, kind, json_path, breaking) in cases {
        let server = drifting(template).await;
        let report = run(&server.uri()).await;
        let found = first(&report)
            .iter()
            .find(|f| f.kind == kind)
            .unwrap_or_else(|| panic!("{what}: no {kind:?} in {:#?}", first(&report)));
        assert_eq!(found.path, json_path, "{what}");
        assert_eq!(found.breaking, breaking, "{what}: {found}");
        if breaking {
            assert!(report.has_breaking(), "{what}");
        }
        assert!(found.observed.chars().count() <= nox_contract::OBSERVED_LIMIT + 1);
        assert_no_key(&report);
    }
    // Informational drift alone leaves the report without anything breaking.
    let server = drifting(with(&|b| b["trace_id"] = json!("abc"))).await;
    let report = run(&server.uri()).await;
    assert!(!report.has_breaking(), "{report:#?}");
}

/// Echoes the API key it was sent inside its answer: the report must still not show it.
struct Echo;

impl Respond for Echo {
    fn respond(&self, req: &Request) -> ResponseTemplate {
        let key = req
            .headers
            .get("x-api-key")
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default();
        ResponseTemplate::new(400)
            .set_body_json(json!({"error": format!("bad key {key}"), "key": key}))
    }
}

#[tokio::test]
async fn the_key_never_appears_even_when_the_server_echoes_it() {
    let server = MockServer::start().await;
    Mock::given(wiremock::matchers::any())
        .respond_with(Echo)
        .mount(&server)
        .await;
    let report = run(&server.uri()).await;
    assert!(report.has_breaking(), "the positive calls were refused");
    assert_no_key(&report);
}

#[tokio::test]
async fn the_proxy_passes_traffic_unchanged_and_reports_drift() {
    // Facade → proxy → our mock: the session arrives as the mock made it, no findings.
    let mock = nox_mock::MockServer::start().await.unwrap();
    let logged: Arc<Mutex<Vec<String>>> = Arc::default();
    let log = logged.clone();
    let mut config = ProxyConfig::new(mock.base_url().parse().unwrap());
    config.on_finding = Some(Arc::new(move |s: &Seen| {
        log.lock().unwrap().push(s.finding.to_string())
    }));
    let proxy = Proxy::start(config).await.unwrap();
    let client = nox_auth::Client::builder()
        .api_key(mock.api_key())
        .base_url(proxy.base_url())
        .allow_app_scheme("myapp")
        .build()
        .unwrap();
    let req =
        nox_auth::SupplierLinkRequest::new("proxied", nox_auth::AssetType::Pv, "https://e.com/cb")
            .brand(nox_auth::Brand::Sma);
    let session = client.create_supplier_link_session(req).await.unwrap();
    let held = mock.session(&session.link_token).expect("the mock made it");
    assert_eq!(
        session.link_url,
        format!("{}/ui?token={}&language=nl", mock.base_url(), held.token)
    );
    assert_eq!(session.user_id, "proxied");
    let man = client
        .create_manufacturer_link_session(nox_auth::ManufacturerLinkRequest::new("m", "myapp://cb"))
        .await
        .unwrap();
    assert!(man.link_url.starts_with(mock.base_url()));
    // A documented error passes unchanged too.
    let bad = nox_auth::Client::builder()
        .api_key("wrong")
        .base_url(proxy.base_url())
        .build()
        .unwrap();
    let e = bad
        .create_supplier_link_session(nox_auth::SupplierLinkRequest::new(
            "u",
            nox_auth::AssetType::Hp,
            "https://e.com/cb",
        ))
        .await
        .unwrap_err();
    assert!(matches!(e, nox_auth::Error::Unauthorized { .. }), "{e:?}");
    assert!(proxy.findings().is_empty(), "{:#?}", proxy.findings());
    assert!(logged.lock().unwrap().is_empty());

    // Through the proxy to a drifting NOX: the findings, as JSON at the reserved path.
    let mut b = supplier_session();
    b["trace_id"] = json!("abc");
    b.as_object_mut().unwrap().remove("supplier");
    let nox = drifting(ResponseTemplate::new(201).set_body_json(b)).await;
    let proxy = Proxy::start(ProxyConfig::new(nox.uri().parse().unwrap()))
        .await
        .unwrap();
    let raw = reqwest::Client::new()
        .post(format!("{}/v2/supplier/link-sessions", proxy.base_url()))
        .header("x-api-key", KEY)
        .json(&json!({"user_id": "someone", "asset_type": "hp", "redirect_url": "https://e.com/cb", "colour": "red"}))
        .send()
        .await
        .unwrap();
    assert_eq!(raw.status(), 201, "forwarded as is");
    let body: Value = raw.json().await.unwrap();
    assert_eq!(body["trace_id"], "abc", "the answer unchanged");
    let served: Vec<Value> = reqwest::get(format!(
        "{}{}",
        proxy.base_url(),
        nox_contract::FINDINGS_PATH
    ))
    .await
    .unwrap()
    .json()
    .await
    .unwrap();
    let summary: Vec<(String, String, String)> = served
        .iter()
        .map(|f| {
            (
                f["direction"].as_str().unwrap().into(),
                f["kind"].as_str().unwrap().into(),
                f["path"].as_str().unwrap().into(),
            )
        })
        .collect();
    for expected in [
        ("request", "new_field", "$.colour"),
        ("response", "new_field", "$.trace_id"),
        ("response", "missing_required_field", "$.supplier"),
    ] {
        let expected = (expected.0.into(), expected.1.into(), expected.2.into());
        assert!(
            summary.contains(&expected),
            "{expected:?} not in {summary:?}"
        );
    }
    let text = serde_json::to_string(&served).unwrap();
    assert!(!text.contains(KEY), "{text}");
    // The upstream got the request with its key (the proxy forwards, it does not strip).
    let got = nox.received_requests().await.unwrap();
    assert!(
        got.iter()
            .any(|r| r.headers.get("x-api-key").is_some_and(|k| k == KEY))
    );
}

/// Whatever NOX answers to the reconstructed `/post-login-redirect` (an HTML 500, a 200 of
/// another shape) is a question, never a break: the spec is our guess.
#[tokio::test]
async fn answers_to_the_reconstructed_operation_are_questions_only() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/post-login-redirect"))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(json!({"supplier_user_id": 7, "ok": true})),
        )
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/v2/post-login-redirect"))
        .respond_with(ResponseTemplate::new(405))
        .mount(&server)
        .await;
    let report = run(&server.uri()).await;
    let asked: Vec<_> = report
        .checks
        .iter()
        .filter(|c| c.call.contains("post-login-redirect"))
        .collect();
    assert_eq!(asked.len(), 4);
    for c in &asked {
        assert!(!c.findings.is_empty(), "{}", c.name);
        for f in &c.findings {
            assert_eq!(f.kind, FindingKind::Question, "{f}");
            assert!(!f.breaking, "{f}");
        }
    }
    let last = |i: usize| asked[i].findings.last().unwrap().observed.clone();
    // 405: the path exists under another method, not "no such operation".
    assert!(last(1).contains("under another method"), "{}", last(1));
    // A 2xx to a state NOX never issued (with the key or without) is loud; not without one.
    let loud = |i: usize| last(i).contains("NOX accepted a state it never issued");
    assert!(loud(2) && loud(3) && !loud(0), "{asked:#?}");
    // The type the guess got wrong is reported, as a question.
    assert!(
        asked[0]
            .findings
            .iter()
            .any(|f| f.path.contains("supplier_user_id")),
        "{:#?}",
        asked[0].findings
    );
}
