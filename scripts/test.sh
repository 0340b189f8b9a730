#!/usr/bin/env bash
# The project's test command (README.md): installs what the tests need when it is
# missing (openapi-spec-validator and schemathesis from PyPI, @redocly/cli, Prism and
# Atlassian's openapi-diff from npm,
# Chromium + ChromeDriver from Debian for the browser tests, PostgreSQL from Debian
# for the shared-store test), lints the specs, judges the
# mock with schemathesis, then runs every test of the workspace.
#
# The installs wait on the network and the disk, the compile on the CPU: they overlap.
# The installs start in the background, the workspace's tests compile meanwhile (one
# build: the judges run the programs it built), then the installs are waited for, and the
# judges run beside `cargo test`. (The example backend's own documented command, which
# resolves its package's features and so compiles a few dozen crates again, is a CI step:
# scripts/example-smoke.sh; its flow is tested here, in Chromium.)
# At the end it prints the time of each phase.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh

phase "start the installs in the background (what is missing)"
apt_packages=()
have_browser || apt_packages+=(chromium chromium-driver)
[ -n "$(pg_bin)" ] || apt_packages+=(postgresql)
if [ ${#apt_packages[@]} -gt 0 ]; then
  if [ "$(id -u)" -eq 0 ] || sudo -n true 2>/dev/null; then
    echo "apt: ${apt_packages[*]}"
    bg_job apt apt_install "${apt_packages[@]}"
  else
    # sudo wants a password: asked here, in the foreground (a background job has no terminal).
    apt_install "${apt_packages[@]}"
    apt_packages=()
  fi
fi
bg_job pip pip_tools "$NOX_VENV" "$NOX_SPEC_VALIDATOR" "$NOX_SCHEMATHESIS"
bg_job redocly npm_tool redocly "$NOX_REDOCLY" redocly
bg_job prism npm_tool prism "$NOX_PRISM" prism
bg_job openapi-diff npm_tool openapi-diff "$NOX_OPENAPI_DIFF" openapi-diff

phase "compile the workspace's tests (cargo test --workspace --no-run)"
cargo test --workspace --locked --no-run
# lint-specs.sh, conformance.sh and prism.sh run xtask, nox and nox-mock from this build.
export NOX_TESTS_BUILT=1

phase "wait for the installs"
[ ${#apt_packages[@]} -eq 0 ] || bg_wait apt
bg_wait pip
bg_wait redocly
bg_wait prism
bg_wait openapi-diff
# xtask's spec-diff test fails (instead of skipping its outside judge) when openapi-diff is missing.
export NOX_REQUIRE_OPENAPI_DIFF=1
have_browser || { echo "test.sh: chromium or chromedriver still missing"; exit 1; }
# The browser test fails (instead of skipping) when the browser is missing.
export NOX_REQUIRE_BROWSER=1

phase "start PostgreSQL (a throwaway server for the shared-store test, stopped on exit)"
source scripts/postgres.sh

# The outside judges (redocly and openapi-spec-validator on the specs, schemathesis on the
# mock, Prism on the SDK's calls) run beside the workspace's tests: `cargo test` keeps about
# two thirds of the two cores busy, the judges fill the rest (measured: the tests took as
# long with them as without, and the 45 s of the judges were gone from the total). Their
# output is printed when they are done.
bg_job judges bash scripts/judges.sh

phase "cargo test --workspace (the outside judges run meanwhile)"
cargo test --workspace --locked || {
  status=$?
  echo "test.sh: cargo test failed (exit $status); what the outside judges printed so far:"
  bg_output judges
  exit "$status"
}

phase "the outside judges' verdicts (lint the specs, schemathesis on the mock, Prism on the SDK)"
bg_wait judges
bg_output judges

phase_summary
