#!/usr/bin/env bash
# The mock judged by an outside tool: schemathesis (PyPI, into target/lint-venv) runs every
# check it has (`--checks all`) against a running nox-mock, for each of the 4 effective specs
# (target/effective/, written by scripts/lint-specs.sh). Any finding fails.
# The only exclusions are rules OpenAPI 3.0 cannot express; they live, with their reasons,
# in scripts/schemathesis_hooks.py.
#   ST_MAX_EXAMPLES (default 60) and ST_SEED (default 1: the same cases every run; set
#   ST_SEED=random to explore) tune the run.
set -euo pipefail
cd "$(dirname "$0")/.."

venv=target/lint-venv
if [ ! -x "$venv/bin/st" ]; then
  echo "conformance: installing schemathesis into $venv"
  [ -x "$venv/bin/python" ] || python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check 'schemathesis==4.32.5'
fi
specs=(openapi-supplier-auth openapi-manufacturer-auth openapi-supplier-auth-v2 openapi-manufacturer-auth-v2)
for spec in "${specs[@]}"; do
  [ -s "target/effective/$spec.json" ] || { echo "conformance: run scripts/lint-specs.sh first (target/effective/$spec.json)"; exit 1; }
done

cargo build -q -p nox-mock -p nox-cli
./target/debug/nox brands --json > target/effective/brands.json

key="conformance-$RANDOM$RANDOM"
log=$(mktemp)
./target/debug/nox-mock --port 0 --api-key "$key" > "$log" 2>&1 &
mock_pid=$!
trap 'kill $mock_pid 2>/dev/null || true; rm -f "$log"' EXIT
base=""
for _ in $(seq 1 100); do
  base=$(sed -n 's/^nox-mock listening on \(http[^ ]*\).*/\1/p' "$log")
  [ -n "$base" ] && break
  sleep 0.1
done
[ -n "$base" ] || { echo "conformance: the mock did not start:"; cat "$log"; exit 1; }

seed_args=()
[ "${ST_SEED:-1}" = random ] || seed_args=(--seed "${ST_SEED:-1}")
status=0
for spec in "${specs[@]}"; do
  case "$spec" in *-v2) url="$base/v2" ;; *) url="$base" ;; esac
  echo "== schemathesis: $spec against $url"
  if ! NOX_BRANDS_JSON=target/effective/brands.json PYTHONPATH=scripts SCHEMATHESIS_HOOKS=schemathesis_hooks \
      "$venv/bin/st" --config-file scripts/schemathesis.toml run "target/effective/$spec.json" --url "$url" -H "x-api-key: $key" \
      --checks all --max-examples "${ST_MAX_EXAMPLES:-60}" "${seed_args[@]}" --no-color; then
    status=1
  fi
done
exit $status
