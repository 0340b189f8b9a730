//! The contract check: a few harmless calls to a live NOX (or anything that claims to be
//! one), each answer judged by the [`Validator`](crate::Validator) against the specs.

use std::time::Duration;

use serde::Serialize;
use serde_json::{Value, json};

use nox_auth::Operation;
use nox_auth::nox_auth_runtime::text;

use crate::finding::{Finding, FindingKind};
use crate::validate::Validator;

/// Calls that create lasting records at NOX; each runs only when named.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
#[non_exhaustive]
pub enum LastingCall {
    /// `POST /v2/manufacturer/device-connections`: creates (or finds) a NOX user.
    DeviceConnections,
    /// The v1 manufacturer calls (`/manufacturers/nox`, `/manufacturers/suppliers`).
    V1Manufacturer,
}

impl std::str::FromStr for LastingCall {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "device-connections" => Ok(LastingCall::DeviceConnections),
            "v1-manufacturer" => Ok(LastingCall::V1Manufacturer),
            other => Err(format!(
                "`{}` is not a call that creates records; use device-connections or v1-manufacturer",
                text::excerpt(other, 64)
            )),
        }
    }
}

/// What to check, and where.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct CheckOptions {
    /// The NOX base URL (v1 at its root, v2 under `/v2`).
    pub base_url: String,
    /// The API key. Sent only to `base_url`; never shown.
    pub api_key: String,
    /// Add the v1 supplier call.
    pub v1: bool,
    /// Calls that create lasting records, each named.
    pub lasting: Vec<LastingCall>,
    /// Time for each call.
    pub timeout: Duration,
}

impl CheckOptions {
    /// Options for `base_url` and `api_key`: v2 only, nothing lasting, 20 s per call.
    pub fn new(base_url: impl Into<String>, api_key: impl Into<String>) -> Self {
        CheckOptions {
            base_url: base_url.into(),
            api_key: api_key.into(),
            v1: false,
            lasting: Vec::new(),
            timeout: Duration::from_secs(20),
        }
    }
}

/// One call and what came of it.
#[derive(Debug, Clone, Serialize)]
#[non_exhaustive]
pub struct CheckResult {
    /// What the call is for (`v2 supplier link session`, `wrong key → 401`…).
    pub name: String,
    /// `METHOD /path`.
    pub call: String,
    /// The status answered; `None` when the call got no answer.
    pub status: Option<u16>,
    /// Why there was no answer (transport), if so.
    pub error: Option<String>,
    /// The differences from the specs (and the answers to open questions).
    pub findings: Vec<Finding>,
}

/// Every call's result.
#[derive(Debug, Clone, Serialize)]
#[non_exhaustive]
pub struct Report {
    /// The base URL checked.
    pub base_url: String,
    /// The calls, in order.
    pub checks: Vec<CheckResult>,
}

impl Report {
    /// Whether any finding breaks the generated client.
    pub fn has_breaking(&self) -> bool {
        self.checks
            .iter()
            .flat_map(|c| &c.findings)
            .any(|f| f.breaking)
    }

    /// Whether any call got no answer.
    pub fn has_transport_errors(&self) -> bool {
        self.checks.iter().any(|c| c.error.is_some())
    }
}

/// One planned call.
struct Call {
    name: &'static str,
    op: Operation,
    body: Value,
    key: KeyHeader,
    /// The outcome the specs lead us to expect; another is a finding.
    expect: Expect,
}

#[derive(Clone, Copy)]
enum KeyHeader {
    Right,
    Wrong,
    /// `Authorization: ApiKey <key>` instead of `x-api-key` (an open question for v2).
    Authorization,
}

#[derive(Clone, Copy)]
enum Expect {
    /// A 2xx; anything else breaks the SDK's calls.
    Success,
    /// This documented error status; another outcome is reported, not breaking.
    Status(u16),
    /// An open question: whatever happens is the answer.
    Question,
}

fn plan(options: &CheckOptions, user: &str) -> Vec<Call> {
    let cb = "https://example.com/nox-contract-check/callback";
    let supplier = |extra: Value| {
        let mut body =
            json!({"user_id": user, "asset_type": "hp", "redirect_url": cb, "language": "en"});
        if let (Value::Object(b), Value::Object(e)) = (&mut body, extra) {
            for (k, v) in e {
                if v.is_null() {
                    b.remove(&k);
                } else {
                    b.insert(k, v);
                }
            }
        }
        body
    };
    let mut calls = vec![
        Call {
            name: "v2 supplier link session",
            op: Operation::CreateSupplierLinkSession,
            body: supplier(json!({})),
            key: KeyHeader::Right,
            expect: Expect::Success,
        },
        Call {
            name: "v2 manufacturer link session",
            op: Operation::CreateManufacturerLinkSession,
            body: json!({"user_id": user, "redirect_url": cb, "language": "en"}),
            key: KeyHeader::Right,
            expect: Expect::Success,
        },
        Call {
            name: "missing required field (redirect_url) → 400",
            op: Operation::CreateSupplierLinkSession,
            body: supplier(json!({"redirect_url": null})),
            key: KeyHeader::Right,
            expect: Expect::Status(400),
        },
        Call {
            name: "wrong key → 401",
            op: Operation::CreateSupplierLinkSession,
            body: supplier(json!({})),
            key: KeyHeader::Wrong,
            expect: Expect::Status(401),
        },
        Call {
            name: "brand not valid for the asset type (hp + sma) → 400",
            op: Operation::CreateSupplierLinkSession,
            body: supplier(json!({"brand": "sma"})),
            key: KeyHeader::Right,
            expect: Expect::Status(400),
        },
        Call {
            name: "question: does v2 accept `Authorization: ApiKey <key>`?",
            op: Operation::CreateSupplierLinkSession,
            body: supplier(json!({})),
            key: KeyHeader::Authorization,
            expect: Expect::Question,
        },
        Call {
            name: "question: does NOX accept a redirect_url with a query (the state nonce of nox-auth-axum)?",
            op: Operation::CreateSupplierLinkSession,
            body: supplier(json!({"redirect_url": format!("{cb}?nox_state=contract-check")})),
            key: KeyHeader::Right,
            expect: Expect::Question,
        },
        Call {
            name: "question: is asset_type required?",
            op: Operation::CreateSupplierLinkSession,
            body: supplier(json!({"asset_type": null})),
            key: KeyHeader::Right,
            expect: Expect::Question,
        },
    ];
    if options.v1 {
        calls.push(Call {
            name: "v1 supplier link session",
            op: Operation::CreateLinkSession,
            body: json!({"redirect_uri": cb, "language": "en"}),
            key: KeyHeader::Right,
            expect: Expect::Success,
        });
    }
    if options.lasting.contains(&LastingCall::DeviceConnections) {
        calls.push(Call {
            name: "v2 manufacturer device connection (creates a NOX user)",
            op: Operation::CreateManufacturerDeviceConnection,
            body: json!({"user_id": user}),
            key: KeyHeader::Right,
            expect: Expect::Success,
        });
    }
    if options.lasting.contains(&LastingCall::V1Manufacturer) {
        calls.push(Call {
            name: "v1 manufacturer connection to NOX (creates a NOX user)",
            op: Operation::ConnectNoxManufacturer,
            body: json!({"manufacturer_user_id": user, "device_ids": []}),
            key: KeyHeader::Right,
            expect: Expect::Success,
        });
        calls.push(Call {
            name: "v1 manufacturer supplier flow",
            op: Operation::ConnectSupplierManufacturer,
            body: json!({"manufacturer_user_id": user, "redirect_url": cb, "language": "en", "device_ids": []}),
            key: KeyHeader::Right,
            expect: Expect::Success,
        });
    }
    calls
}

/// Why a check cannot start (bad base URL or key). Never contains the key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckSetupError(pub String);

impl std::fmt::Display for CheckSetupError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for CheckSetupError {}

/// Runs the check. User ids are `nox-contract-check-<random>`, so that NOX can tell these
/// calls apart; link sessions expire by themselves after 10 minutes.
///
/// ```no_run
/// # async fn run() -> Result<(), Box<dyn std::error::Error>> {
/// let key = std::env::var("NOX_API_KEY")?;
/// let report = nox_contract::check(nox_contract::CheckOptions::new("https://auth.nox.energy", key)).await?;
/// for check in &report.checks {
///     println!("{} → {:?}: {} finding(s)", check.name, check.status, check.findings.len());
/// }
/// assert!(!report.has_breaking());
/// # Ok(()) }
/// ```
pub async fn check(options: CheckOptions) -> Result<Report, CheckSetupError> {
    // The SDK's own rules for a base URL (https, or http to loopback) and a key.
    let client = nox_auth::Client::builder()
        .api_key(&options.api_key)
        .base_url(&options.base_url)
        .build()
        .map_err(|e| CheckSetupError(e.to_string()))?;
    let base = client.base_url().as_str().trim_end_matches('/').to_owned();
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(options.timeout)
        .user_agent(concat!("nox-contract-check/", env!("CARGO_PKG_VERSION")))
        .build()
        .map_err(|e| CheckSetupError(format!("could not build the HTTP client: {e}")))?;
    let user = format!("nox-contract-check-{:016x}", fastrand::u64(..));
    let validator = Validator::embedded();
    let mut checks = Vec::new();
    for call in plan(&options, &user) {
        // The user id is the check's own (`nox-contract-check-<hex>`): nothing to escape.
        let path = call.op.path().replace("{userId}", &user);
        let method = call.op.method();
        let mut req = http
            .request(
                method
                    .parse()
                    .expect("the operation table holds HTTP methods"),
                format!("{base}{path}"),
            )
            .json(&call.body);
        req = match call.key {
            KeyHeader::Right => req.header("x-api-key", &options.api_key),
            KeyHeader::Wrong => req.header("x-api-key", "nox-contract-check-wrong-key"),
            KeyHeader::Authorization => {
                req.header("authorization", format!("ApiKey {}", options.api_key))
            }
        };
        let call_text = format!("{method} {path}");
        let result = match req.send().await {
            Err(e) => CheckResult {
                name: call.name.into(),
                call: call_text,
                status: None,
                error: Some(transport_cause(&e)),
                findings: Vec::new(),
            },
            Ok(resp) => {
                let status = resp.status().as_u16();
                let content_type = resp
                    .headers()
                    .get(reqwest::header::CONTENT_TYPE)
                    .and_then(|v| v.to_str().ok())
                    .map(str::to_owned);
                let body = read_limited(resp).await;
                let mut findings =
                    validator.check_response(method, &path, status, content_type.as_deref(), &body);
                if let Some(f) = outcome(&call, status) {
                    findings.push(f);
                }
                CheckResult {
                    name: call.name.into(),
                    call: call_text,
                    status: Some(status),
                    error: None,
                    findings,
                }
            }
        };
        checks.push(scrub(result, &options.api_key));
    }
    Ok(Report {
        base_url: base,
        checks,
    })
}

/// A finding for an outcome other than the one the specs lead us to expect, or the
/// answer to an open question.
fn outcome(call: &Call, status: u16) -> Option<Finding> {
    let operation = call.op.name().to_owned();
    match call.expect {
        Expect::Success if (200..300).contains(&status) => None,
        Expect::Success => Some(Finding {
            kind: FindingKind::UnexpectedOutcome,
            operation,
            path: "status".into(),
            observed: status.to_string(),
            expected: "2xx: a request valid by the spec".into(),
            // The SDK sends exactly such requests: refused here, refused in production.
            breaking: true,
        }),
        Expect::Status(want) if want == status => None,
        Expect::Status(want) => Some(Finding {
            kind: FindingKind::UnexpectedOutcome,
            operation,
            path: "status".into(),
            observed: status.to_string(),
            expected: want.to_string(),
            breaking: false,
        }),
        Expect::Question => Some(Finding {
            kind: FindingKind::Question,
            operation,
            path: "status".into(),
            observed: if (200..300).contains(&status) {
                format!("{status} (accepted)")
            } else {
                format!("{status} (refused)")
            },
            expected: "either: the docs do not say".into(),
            breaking: false,
        }),
    }
}

/// The body, at most 64 KiB of it.
async fn read_limited(mut resp: reqwest::Response) -> Vec<u8> {
    let mut body = Vec::new();
    while let Ok(Some(chunk)) = resp.chunk().await {
        body.extend_from_slice(&chunk);
        if body.len() > 64 * 1024 {
            break;
        }
    }
    body
}

/// A transport error named by its causes (`tcp connect error: Connection refused`, a DNS
/// or TLS error), not by reqwest's "error sending request for url (…)".
fn transport_cause(e: &reqwest::Error) -> String {
    let kind = if e.is_timeout() {
        "timeout"
    } else if e.is_connect() {
        "connection failure"
    } else {
        "no answer"
    };
    let causes = match std::error::Error::source(e) {
        Some(source) => text::error_chain(source),
        None => e.to_string(),
    };
    text::excerpt(&format!("{kind}: {causes}"), 300)
}

/// The key, wherever a server echoed it, replaced. (A key shorter than 8 characters is
/// no real key and would match ordinary text.)
fn scrub(mut result: CheckResult, key: &str) -> CheckResult {
    if key.len() < 8 {
        return result;
    }
    let clean = |s: &mut String| {
        if s.contains(key) {
            *s = s.replace(key, "<redacted>");
        }
    };
    if let Some(e) = &mut result.error {
        clean(e);
    }
    for f in &mut result.findings {
        clean(&mut f.observed);
        clean(&mut f.expected);
    }
    result
}
