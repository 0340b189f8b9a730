//! Helpers shared by the tests of the `nox` binary (offline.rs, link.rs, servers.rs).

use assert_cmd::Command;

pub fn nox() -> Command {
    let mut cmd = Command::cargo_bin("nox").unwrap();
    cmd.env_remove("NOX_API_KEY").env_remove("NOX_BASE_URL");
    cmd
}
