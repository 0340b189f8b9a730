#!/usr/bin/env bash
# The project's test command (README.md): installs what the tests need when it is
# missing, then runs every test of the workspace.
set -euo pipefail
cd "$(dirname "$0")/.."

echo "== lint the OpenAPI specs (external validator)"
bash scripts/lint-specs.sh

echo "== cargo test --workspace"
cargo test --workspace --locked
