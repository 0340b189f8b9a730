#!/usr/bin/env bash
# Lints every OpenAPI spec in specs/ with two outside tools, installed on first use:
# - openapi-spec-validator (PyPI, into target/lint-venv): each spec as NOX publishes it and as
#   patched (the effective spec, `cargo xtask spec`);
# - @redocly/cli lint (npm, into target/redocly): each effective spec, with specs/redocly.yaml
#   (recommended-strict: every finding fails).
# Writes the effective specs to target/effective/ for the other tools of the test script.
set -euo pipefail
cd "$(dirname "$0")/.."

venv=target/lint-venv
if [ ! -x "$venv/bin/openapi-spec-validator" ]; then
  echo "lint-specs: installing openapi-spec-validator into $venv"
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check 'openapi-spec-validator>=0.7,<0.8'
fi
redocly=target/redocly/node_modules/.bin/redocly
if [ ! -x "$redocly" ]; then
  echo "lint-specs: installing @redocly/cli into target/redocly"
  mkdir -p target/redocly
  npm install --prefix target/redocly --no-audit --no-fund --silent @redocly/cli@2.77.0
fi

status=0
mkdir -p target/effective
cargo build -q -p xtask
for spec in specs/v*/*.json specs/v*/*.yaml; do
  [ -e "$spec" ] || continue
  case "$spec" in *.patch.yaml) continue ;; esac
  "$venv/bin/openapi-spec-validator" "$spec" || status=1
  effective="target/effective/$(basename "${spec%.*}").json"
  cargo xtask spec "$spec" > "$effective"
  "$venv/bin/openapi-spec-validator" "$effective" || status=1
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
