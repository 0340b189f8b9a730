//! Workspace automation for the NOX client workspace.
//!
//! - [`codegen`]: `cargo xtask codegen [--check]`, specs → generated client crates.
//! - [`operations`]: the operation table of every spec (`Operation` in `nox-auth-runtime`).
//! - [`spec`]: loading, patching and validating one OpenAPI spec.
//! - [`rules`]: how every spec is read for a client (open enums in responses, any 2xx a success,
//!   error answers of unknown shape left to the raw response).
//! - [`diff`]: `cargo xtask spec diff OLD NEW`, every change between two revisions of a spec
//!   classified for our clients, in the kinds of [`kind::FindingKind`].
//! - [`kind`]: the one list of change kinds, shared with the contract check's findings (the
//!   same file as `nox_contract::FindingKind`, compiled here too: see its docs).
//! - [`patch`]: patch files, applied strictly (codegen) or judged op by op (spec update).
//! - [`snapshot`]: the API snapshots the tests assert (generated surfaces, hand-written public
//!   APIs), for `spec update` to compare and write.
//! - [`specref`]: naming a spec of `specs/codegen.toml` on the command line.
//! - `wellformed`: what `spec diff` and `spec update` refuse before comparing a document
//!   (a `$ref` to nothing or to another file, a loop of references, no `info` or `paths`).
//! - [`update`]: `cargo xtask spec update NAME NEWFILE`, a new NOX file in: patch operations
//!   judged, code regenerated, snapshots compared, the release and the CHANGELOG entry; all
//!   files written or none.
//! - [`CodegenError`]: what can go wrong, naming the file and the operation.

#![warn(missing_docs)]

pub mod codegen;
pub mod diff;
mod error;
pub mod input;
#[path = "../../crates/nox-contract/src/kind.rs"]
pub mod kind;
mod openapi;
pub mod operations;
pub mod patch;
pub mod rules;
pub mod snapshot;
pub mod spec;
pub mod specref;
pub mod update;
mod wellformed;

pub use error::CodegenError;
