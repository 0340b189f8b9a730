//! # nox-contract
//!
//! Where does the live NOX differ from the specs this SDK is generated from? The specs are
//! reconstructed from NOX's partial docs; this crate checks them against a real server.
//!
//! - [`Validator`]: the one validator of a request or an answer against the effective specs
//!   (embedded, [`specs`]), objects closed; each difference a [`Finding`] with its
//!   [`FindingKind`], JSON path, observed value and whether it breaks the generated client;
//!   at most [`MAX_FINDINGS`] a body. It walks a body's JSON text instead of parsing it into
//!   a tree, so that a body costs memory for its nesting and findings, not its values.
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
//!
//! ## The proxy, bounded against hostile clients and upstreams
//!
//! [`Proxy`] runs on the mock's accept loop (`nox_mock::serve`: `axum::serve` has no header
//! or idle timeout) and holds what a client or an upstream sends within these bounds:
//!
//! | what | bound | past it |
//! |---|---|---|
//! | a request head; an idle keep-alive connection; an answer left unread | [`HEADER_TIMEOUT`] (5 s, [`ProxyConfig::header_timeout`]) | closed |
//! | connections | [`MAX_CONNECTIONS`] (256) at once; while all are taken, each answer closes its connection (`Connection: close`) | wait to be accepted (backlog 1,024) |
//! | a request head's size | [`MAX_HEAD_BYTES`] (16 KiB) | 431 |
//! | a request body | all of it within [`BODY_TIMEOUT`] (30 s), at [`MIN_BODY_RATE`] (1 KiB/s) after [`BODY_GRACE`] (2 s) | 408, closed |
//! | request bodies read at once | [`MAX_BODY_READS`] (64), before a forwarding slot is taken | 503 |
//! | requests forwarded at once | [`MAX_CONCURRENT`] (16); a slot taken once the body is in, held until its answer is sent | 503 |
//! | a body | [`MAX_BODY`] (1 MiB), held in 64 KiB blocks | 413 / 502 |
//! | an upstream answer's head | [`MAX_ANSWER_HEAD_BYTES`] (16 KiB of names and values), 100 headers | 502 |
//! | bodies over [`LARGE_BODY`] (64 KiB) | [`MAX_LARGE_BODIES`] (4) at once | a request 503, an answer waits its turn |
//! | the upstream | [`UPSTREAM_TIMEOUT`] (30 s, [`ProxyConfig::upstream_timeout`]) for a call, answer included | 504 (`tests/integration/proxy_bounds.rs`: a silent upstream, 1 s) |
//! | validation | bodies over [`LARGE_BODY`] one at a time on a blocking thread, smaller ones at once; [`MAX_FINDINGS`] (100) findings a body | the rest of the body not looked at |
//! | a finding's texts | [`FINDING_TEXT_LIMIT`] (256) characters each, cut after the client's key is taken out, escaped | `…` |
//! | findings kept | [`KEPT_FINDINGS`] (1,000) and [`KEPT_FINDINGS_BYTES`] (512 KiB of text), oldest first out | |
//! | reads of `/_proxy/findings` | a loopback `Host`; [`FINDINGS_READERS`] (4) answers at once | 421; 503 |
//!
//! Measured by `tests/integration/proxy_memory.rs` (the proxy in a process of its own, debug build,
//! RSS after a warm-up of 13 MiB; each asserts at most +32 MiB, the issue's acceptance) and
//! `tests/integration/proxy_bounds.rs`, 2 cores shared (2026-11-30); before issue 20's second half, on
//! the same tests:
//!
//! - 3 × 120 concurrent 1 MiB requests to an upstream taking 2 s: **+12 to +14 MiB** at the
//!   peak, large bodies validated on a blocking thread (+8 to +9 MiB on the workers: the
//!   thread allocates from an arena of its own; before: +30 MiB; the issue's number,
//!   before the concurrency cap: +171 MiB);
//! - 100 clients trickling a head and 100 sending nothing: all closed **1.01 s** after
//!   connecting (header timeout 1 s), a request meanwhile answered in 1.5 ms, its idle
//!   connection closed 1.00 s after;
//! - 1,008 connections (500 silent, 500 trickling their head, 8 trickling a body; header
//!   timeout 2 s): all closed by **8.2 s** (256 at a time, each 2 s after it was accepted;
//!   before: 516 still open after 30 s), a request meanwhile answered after 5 s (queued
//!   behind them); **+6 MiB** (before: +11 MiB);
//! - an upstream answer of a GiB, 224 times, 32 at once: 502 at 1 MiB, **+6 MiB** (before:
//!   +8.5 MiB);
//! - 16 clients asking for ten 1 MiB answers each and reading none: dropped within
//!   **8.5 s** (header timeout 2 s, four large answers at a time), **+16 to +18 MiB** (before: still
//!   open after 20 s, +47 MiB);
//! - 16 request bodies of 60,000 bytes trickling in at 1,100 B/s: a request meanwhile
//!   answered 200 in **20 to 30 ms** (before: 503, every slot held by a body still
//!   arriving; `tests/integration/proxy_bounds.rs`);
//! - 256 keep-alive connections each asking every 4 s (under the header timeout), their
//!   clients reconnecting at once: a new client answered in **3 ms** (before: not within
//!   10 s, kept out for good: `tests/integration/proxy_connections.rs`);
//! - small answers while four clients fetch 1 MiB answers (each scrubbed of the key,
//!   ~0.2 s in a debug build): the slowest small one in **8 ms** (before, behind the large
//!   ones' lock: 1.2 s; `tests/integration/proxy_http.rs`);
//! - an upstream answering with a 395,000-byte header to 16 clients every 300 ms, 20
//!   rounds, none reading: all 320 answered 502, **+12.7 MiB** (before: the head copied to
//!   each, the review measured 17.8 → 130 MiB);
//! - 384 requests full of findings, each answered with 6,000 of them, while eight clients
//!   read the findings all along: **+8 MiB**, a findings page at most 311 KB (before:
//!   +88 MiB, pages of 1.1 MB; a 1 MiB body of small values parsed into a tree took 10 to
//!   20 MB, and its findings had no cap);
//! - 3,000 findings with paths of 2,000 bidirectional overrides: 272 kept, 524,122 bytes
//!   of text (the byte budget before the count).

#![warn(missing_docs)]
#![cfg_attr(docsrs, feature(doc_cfg))]

mod check;
mod finding;
mod package;
mod plan;
mod proxy;
mod proxy_body;
mod proxy_config;
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
    BODY_TIMEOUT, FINDINGS_PATH, MAX_BODY, MAX_BODY_READS, MAX_CONCURRENT, MAX_CONNECTIONS,
    MAX_HEAD_BYTES, Proxy,
};
pub use proxy_body::{BODY_GRACE, LARGE_BODY, MAX_LARGE_BODIES, MIN_BODY_RATE};
pub use proxy_config::{HEADER_TIMEOUT, ProxyConfig, UPSTREAM_TIMEOUT};
pub use proxy_findings::{
    FINDING_TEXT_LIMIT, FINDINGS_READERS, KEPT_FINDINGS, KEPT_FINDINGS_BYTES, OnFinding, Seen,
};
pub use proxy_http::MAX_ANSWER_HEAD_BYTES;
pub use validate::{SpecOperation, Validator};
