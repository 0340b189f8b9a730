//! The workspace's end-to-end tests, one binary: the generated clients and the facade
//! against the mock, the mock against the specs, and the example backend (over HTTP, with
//! PostgreSQL, and in Chromium). One binary links once, and its tests run side by side.

// The example backend, compiled once for the modules that start it (its `main` unused).
#[allow(dead_code)]
#[path = "../../../crates/nox-auth-axum/examples/axum_backend/main.rs"]
mod axum_backend;
mod common;

mod against_mock;
mod axum_example;
mod axum_example_hostile;
mod axum_example_nox_login;
mod browser;
mod conformance;
mod generated_v1;
mod generated_v2;
