#!/usr/bin/env bash
# Lints every OpenAPI spec in specs/ with two outside tools, installed on first use:
# - openapi-spec-validator (PyPI, into target/lint-venv): each spec as NOX publishes it
#   (specs/v*/; specs/package/ holds our reconstruction of the Package API's) and as patched:
#   the effective spec, checked in as
#   crates/nox-contract/specs/<name>.json by `cargo xtask codegen`;
# - @redocly/cli lint (npm, into target/redocly): each effective spec, with specs/redocly.yaml
#   (recommended-strict: every finding fails).
# First it checks that the checked-in effective specs (and the generated code) are those of
# specs/ and their patches today (`xtask codegen --check`, as CI does), so what is linted here,
# and judged by scripts/conformance.sh, is what the specs say.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh

pip_tools "$NOX_VENV" "$NOX_SPEC_VALIDATOR"
validator="$NOX_VENV/bin/openapi-spec-validator"
redocly=$(npm_tool redocly "$NOX_REDOCLY" redocly)

build_programs -p xtask
./target/debug/xtask codegen --check --root . \
  || { echo "lint-specs: crates/nox-contract/specs/ is not what specs/ gives today" >&2; exit 1; }

status=0
for spec in specs/v*/*.json specs/v*/*.yaml specs/package/*.json specs/package/*.yaml; do
  [ -e "$spec" ] || continue
  case "$spec" in *.patch.yaml) continue ;; esac
  "$validator" "$spec" || status=1
  effective="crates/nox-contract/specs/$(basename "${spec%.*}").json"
  if [ ! -s "$effective" ]; then
    echo "lint-specs: no effective spec $effective for $spec (is it in specs/codegen.toml?)" >&2
    status=1
    continue
  fi
  "$validator" "$effective" || status=1
  # Node's deprecation banner and the tool's chatter go; findings and the verdict stay.
  if ! out=$(NO_UPDATE_NOTIFIER=1 REDOCLY_TELEMETRY=off "$redocly" lint --config specs/redocly.yaml "$effective" 2>&1); then
    echo "$out" | grep -vE '^ *[║╔╚]' >&2
    echo "lint-specs: redocly found problems in $effective (from $spec)" >&2
    status=1
  else
    echo "$effective: redocly OK"
  fi
done
exit $status
