//! Workspace automation for the NOX client workspace.
//!
//! - [`codegen`]: `cargo xtask codegen [--check]`, specs → generated client crates.
//! - [`operations`]: the operation table of every spec (`Operation` in `nox-auth-runtime`).
//! - [`spec`]: loading, patching and validating one OpenAPI spec.
//! - [`rules`]: how every spec is read for a client (open enums in responses, any 2xx a success,
//!   error answers of unknown shape left to the raw response).
//! - [`CodegenError`]: what can go wrong, naming the file and the operation.

#![warn(missing_docs)]

pub mod codegen;
mod error;
mod openapi;
pub mod operations;
pub mod rules;
pub mod spec;

pub use error::CodegenError;
