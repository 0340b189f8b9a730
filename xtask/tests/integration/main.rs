//! xtask's integration tests, one binary: codegen and its errors, the operation table, the
//! layout rules, and `spec diff` / `spec update` with their corpus and outside judge.
//! (`public_api` and `surface` stay binaries of their own: `cargo xtask` writes their insta
//! snapshots under those names.) One binary links once, and its tests run side by side.

mod common;
mod corpus;
mod source_scan;

mod codegen;
mod codegen_errors;
mod layout;
mod openapi_diff;
mod operations;
mod spec_diff;
mod spec_diff_review;
mod spec_diff_rules;
mod spec_refusals;
mod spec_update;
mod spec_update_review;
mod spec_update_yaml;
