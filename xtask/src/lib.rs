//! Workspace automation for the NOX client workspace.
//!
//! - [`codegen`]: `cargo xtask codegen [--check]`, specs → generated client crates.
//! - [`spec`]: loading, patching and validating one OpenAPI spec.
//! - [`CodegenError`]: what can go wrong, naming the file and the operation.

#![warn(missing_docs)]

pub mod codegen;
mod error;
pub mod spec;

pub use error::CodegenError;
