//! The contract check: a few harmless calls to a live NOX (or anything that claims to be
//! one), each answer judged by the [`Validator`](crate::Validator) against the specs.

use serde::Serialize;

use nox_auth::Operation;
use nox_auth::nox_auth_runtime::text;
use nox_auth::nox_auth_runtime::text::Scrubber;

use crate::finding::{Finding, FindingKind};
use crate::package::{first_page, owner};
use crate::plan::{Call, CheckOptions, Expect, KeyHeader, plan};
use crate::reconstructed::{self, as_question, is_reconstructed};
use crate::validate::Validator;

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
    let mut builder = nox_auth::Client::builder()
        .api_key(&options.api_key)
        .base_url(&options.base_url);
    if let Some(url) = &options.package_base_url {
        builder = builder.package_base_url(url);
    }
    if let Some(key) = &options.package_api_key {
        builder = builder.package_api_key(key);
    }
    let client = builder
        .build()
        .map_err(|e| CheckSetupError(e.to_string()))?;
    if let Some(device) = &options.linked_device
        && device.device_id.trim().is_empty()
    {
        return Err(CheckSetupError("the linked device's id is empty".into()));
    }
    let package_key = options
        .package_api_key
        .as_deref()
        .unwrap_or(&options.api_key);
    let base = client.base_url().as_str().trim_end_matches('/').to_owned();
    let package_base = client
        .package_base_url()
        .as_str()
        .trim_end_matches('/')
        .to_owned();
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(options.timeout)
        .user_agent(concat!("nox-contract-check/", env!("CARGO_PKG_VERSION")))
        .build()
        .map_err(|e| CheckSetupError(format!("could not build the HTTP client: {e}")))?;
    let user = format!("nox-contract-check-{:016x}", fastrand::u64(..));
    let validator = Validator::embedded();
    // The keys out of every answer before anything reads it (a finding cuts what it shows;
    // a key cut in half would no longer be found afterwards), and out of every text after.
    let scrubber = Scrubber::new(
        [
            Some(options.api_key.as_str()),
            options.package_api_key.as_deref(),
        ]
        .into_iter()
        .flatten(),
    );
    let mut checks = Vec::new();
    // The reconstructed operation's questions come last (`reconstructed.rs`).
    for call in plan(&options, &user)
        .into_iter()
        .chain(reconstructed::calls(&user))
    {
        // The user id is the check's own (`nox-contract-check-<hex>`): nothing to escape.
        let path = call
            .path
            .unwrap_or(call.op.path())
            .replace("{userId}", &user);
        let method = call.op.method();
        let origin = if call.op.api() == "package" {
            &package_base
        } else {
            &base
        };
        let mut req = http.request(
            method
                .parse()
                .expect("the operation table holds HTTP methods"),
            format!("{origin}{path}"),
        );
        req = if call.body.is_null() {
            req.query(&call.query)
        } else {
            req.json(&call.body)
        };
        req = match call.key {
            KeyHeader::Right => req.header("x-api-key", &options.api_key),
            KeyHeader::Package => req.header("x-api-key", package_key),
            KeyHeader::Wrong => req.header("x-api-key", "nox-contract-check-wrong-key"),
            KeyHeader::Authorization => {
                req.header("authorization", format!("ApiKey {}", options.api_key))
            }
            KeyHeader::Omit => req,
        };
        let call_text = if call.query.is_empty() {
            format!("{method} {path}")
        } else {
            let query: Vec<String> = call.query.iter().map(|(k, v)| format!("{k}={v}")).collect();
            format!("{method} {path}?{}", query.join("&"))
        };
        let result = match req.send().await {
            // A question unanswered stays a question: the run does not fail for it.
            Err(e) if matches!(call.expect, Expect::Question) => CheckResult {
                name: call.name.into(),
                call: call_text,
                status: None,
                error: None,
                findings: vec![reconstructed::no_answer(&call, &path, &transport_cause(&e))],
            },
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
                // The keys out of the answer before anything reads it: a finding cuts what
                // it shows, and a key cut in half would no longer be found afterwards.
                let body = match read_limited(resp).await {
                    Ok(body) => scrubber.scrub_bytes(&body).into_owned(),
                    // A question unanswered stays a question.
                    Err(e) if matches!(call.expect, Expect::Question) => {
                        let cause = format!("the answer broke off: {}", transport_cause(&e));
                        checks.push(scrub_all(
                            CheckResult {
                                name: call.name.into(),
                                call: call_text,
                                status: Some(status),
                                error: None,
                                findings: vec![reconstructed::no_answer(&call, &path, &cause)],
                            },
                            &scrubber,
                        ));
                        continue;
                    }
                    // No whole answer (it broke off, or trickled past the timeout): no
                    // answer to judge, as for a connection that failed (exit 1).
                    Err(e) => {
                        checks.push(scrub_all(
                            CheckResult {
                                name: call.name.into(),
                                call: call_text,
                                status: Some(status),
                                error: Some(format!(
                                    "the answer could not be read in full: {}",
                                    transport_cause(&e)
                                )),
                                findings: Vec::new(),
                            },
                            &scrubber,
                        ));
                        continue;
                    }
                };
                let mut findings = if is_reconstructed(call.op) {
                    // Our guess of the spec: what NOX answers is the answer, never a break.
                    let mut asked: Vec<Finding> = validator
                        .check_response(
                            method,
                            call.op.path(),
                            status,
                            content_type.as_deref(),
                            &body,
                        )
                        .into_iter()
                        .map(as_question)
                        .collect();
                    asked.push(reconstructed::answer(&call, &path, status, &body));
                    asked
                } else {
                    let mut findings = validator.check_response(
                        method,
                        &path,
                        status,
                        content_type.as_deref(),
                        &body,
                    );
                    findings.extend(outcome(&call, status));
                    findings
                };
                match (&call.expect, &options.linked_device) {
                    (Expect::Owner, Some(device)) if status == 200 => {
                        findings.push(owner(&call, device, &body));
                    }
                    _ if call.op == Operation::GetDevices && status == 200 => {
                        findings.extend(first_page(&call, &body));
                    }
                    _ => {}
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
        checks.push(scrub_all(result, &scrubber));
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
        Expect::Owner if status == 200 => None,
        Expect::Owner => Some(Finding {
            kind: FindingKind::Question,
            operation,
            path: "status".into(),
            observed: format!("{status} (refused: the question stays open)"),
            expected: "200, a page with the device you linked".into(),
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
async fn read_limited(mut resp: reqwest::Response) -> Result<Vec<u8>, reqwest::Error> {
    let mut body = Vec::new();
    while let Some(chunk) = resp.chunk().await? {
        body.extend_from_slice(&chunk);
        if body.len() > 64 * 1024 {
            break;
        }
    }
    Ok(body)
}

/// Every text of `result` with the keys taken out (whole, cut, split, encoded).
fn scrub_all(mut result: CheckResult, scrubber: &Scrubber) -> CheckResult {
    let clean = |s: &mut String| {
        if let std::borrow::Cow::Owned(clean) = scrubber.scrub(s) {
            *s = clean;
        }
    };
    clean(&mut result.name);
    clean(&mut result.call);
    if let Some(e) = &mut result.error {
        clean(e);
    }
    for f in &mut result.findings {
        clean(&mut f.operation);
        clean(&mut f.path);
        clean(&mut f.observed);
        clean(&mut f.expected);
    }
    result
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
