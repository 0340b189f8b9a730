#!/usr/bin/env bash
# The project's test command (README.md): installs what the tests need when it is
# missing (openapi-spec-validator and schemathesis from PyPI, @redocly/cli from npm,
# Chromium + ChromeDriver from Debian for the browser tests, PostgreSQL from Debian
# for the shared-store test), lints the specs, judges the
# mock with schemathesis, then runs every test of the workspace.
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v chromium >/dev/null 2>&1 || ! command -v chromedriver >/dev/null 2>&1; then
  echo "== installing chromium and chromium-driver (browser test)"
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq chromium chromium-driver >/dev/null
fi
# The browser test fails (instead of skipping) when the browser is missing.
export NOX_REQUIRE_BROWSER=1

# A PostgreSQL server for the shared-store test (installed from Debian when missing),
# stopped when this script exits.
source scripts/postgres.sh

echo "== lint the OpenAPI specs (openapi-spec-validator, redocly)"
bash scripts/lint-specs.sh

echo "== the mock against the effective specs (schemathesis, all checks)"
bash scripts/conformance.sh

echo "== cargo test --workspace"
cargo test --workspace --locked

echo "== the example backend runs with its one command"
bash scripts/example-smoke.sh
