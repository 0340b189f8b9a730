//! # nox-contract
//!
//! Where does the live NOX differ from the specs this SDK is generated from? The specs are
//! reconstructed from NOX's partial docs; this crate checks them against a real server.
//!
//! - [`Validator`]: the one validator of a request or an answer against the effective specs
//!   (embedded, [`specs`]), objects closed; each difference a [`Finding`] with its
//!   [`FindingKind`], JSON path, observed value and whether it breaks the generated client.
//!   The mock's conformance test, the contract check and the proxy all use it.
//! - [`check`]: `nox contract check`: harmless calls to a NOX, each answer judged.
//! - [`Proxy`]: `nox mock proxy`: forwards an app's traffic to NOX unchanged and reports
//!   where requests or answers leave the specs.
//!
//! ```
//! use nox_contract::{FindingKind, Validator};
//!
//! let answer = br#"{"error": "user_id is required", "trace_id": "abc"}"#;
//! let findings = Validator::embedded().check_response(
//!     "POST", "/v2/supplier/link-sessions", 400, Some("application/json"), answer);
//! assert_eq!(findings[0].kind, FindingKind::ErrorBodyShape);
//! assert_eq!(findings[0].path, "$.trace_id");
//! assert!(!findings[0].breaking);
//! ```

#![warn(missing_docs)]
#![cfg_attr(docsrs, feature(doc_cfg))]

mod check;
mod finding;
mod package;
mod plan;
mod proxy;
mod proxy_body;
mod proxy_findings;
mod proxy_http;
mod reconstructed;
mod schema;
pub mod specs;
mod validate;
mod walk;

pub use check::{CheckResult, CheckSetupError, Report, check};
pub use finding::{Finding, FindingKind, MAX_FINDINGS, OBSERVED_LIMIT, observed};
pub use plan::{CheckOptions, LastingCall, LinkedDevice};
pub use proxy::{
    BODY_TIMEOUT, FINDINGS_PATH, HEADER_TIMEOUT, MAX_BODY, MAX_CONCURRENT, MAX_CONNECTIONS,
    MAX_HEAD_BYTES, Proxy, ProxyConfig, UPSTREAM_TIMEOUT,
};
pub use proxy_body::{BODY_GRACE, LARGE_BODY, MAX_LARGE_BODIES, MIN_BODY_RATE};
pub use proxy_findings::{
    FINDING_TEXT_LIMIT, FINDINGS_READERS, KEPT_FINDINGS, KEPT_FINDINGS_BYTES, OnFinding, Seen,
};
pub use validate::{SpecOperation, Validator};
