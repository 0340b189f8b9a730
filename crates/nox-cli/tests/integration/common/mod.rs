//! Helpers shared by the tests of the `nox` binary (offline.rs, link.rs, servers.rs,
//! devices.rs).

use assert_cmd::Command;

pub fn nox() -> Command {
    let mut cmd = Command::cargo_bin("nox").unwrap();
    cmd.env_remove("NOX_API_KEY")
        .env_remove("NOX_BASE_URL")
        .env_remove("NOX_PACKAGE_API_KEY")
        .env_remove("NOX_PACKAGE_BASE_URL");
    cmd
}

/// A reqwest client for the tests' own requests. `nox` builds reqwest with rustls and no
/// built-in provider (it installs ring at start), so a test process does the same.
#[allow(dead_code)]
pub fn http() -> reqwest::Client {
    let _ = rustls::crypto::ring::default_provider().install_default();
    reqwest::Client::new()
}
