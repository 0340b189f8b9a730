//! The effective specs (patched, as `cargo xtask spec` prints them), embedded so that the
//! checks run anywhere `nox` runs. `cargo xtask codegen` writes `crates/nox-contract/specs/`
//! and `--check` keeps them current.

/// One embedded spec.
#[derive(Debug)]
#[non_exhaustive]
pub struct EmbeddedSpec {
    /// The file name NOX publishes it under, without extension.
    pub name: &'static str,
    /// The effective document, JSON.
    pub json: &'static str,
}

/// The specs: the Authenticator's v1 and v2, supplier and manufacturer, the Package
/// API's device endpoints, and the NOX-initiated link's `/post-login-redirect` (reconstructed). A slice: another spec does not change its type.
pub static EMBEDDED: &[EmbeddedSpec] = &[
    EmbeddedSpec {
        name: "openapi-supplier-auth",
        json: include_str!("../specs/openapi-supplier-auth.json"),
    },
    EmbeddedSpec {
        name: "openapi-manufacturer-auth",
        json: include_str!("../specs/openapi-manufacturer-auth.json"),
    },
    EmbeddedSpec {
        name: "openapi-supplier-auth-v2",
        json: include_str!("../specs/openapi-supplier-auth-v2.json"),
    },
    EmbeddedSpec {
        name: "openapi-manufacturer-auth-v2",
        json: include_str!("../specs/openapi-manufacturer-auth-v2.json"),
    },
    EmbeddedSpec {
        name: "openapi-package-devices",
        json: include_str!("../specs/openapi-package-devices.json"),
    },
    EmbeddedSpec {
        name: "openapi-supplier-oauth",
        json: include_str!("../specs/openapi-supplier-oauth.json"),
    },
];
