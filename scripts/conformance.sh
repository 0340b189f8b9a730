#!/usr/bin/env bash
# The mock judged by an outside tool: schemathesis (PyPI, into target/lint-venv) runs every
# check it has (`--checks all`) against a running nox-mock, for each of the 4 effective specs
# (crates/nox-contract/specs/, written by `cargo xtask codegen` from specs/ and their patches;
# scripts/lint-specs.sh and CI check that they are current). Any finding fails.
# The only exclusions are rules OpenAPI 3.0 cannot express; they live, with their reasons,
# in scripts/schemathesis_hooks.py.
#   ST_MAX_EXAMPLES (default 60) and ST_SEED (default 1: the same cases every run; set
#   ST_SEED=random to explore) tune the run.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh

pip_tools "$NOX_VENV" "$NOX_SCHEMATHESIS"
specs=(openapi-supplier-auth openapi-manufacturer-auth openapi-supplier-auth-v2 openapi-manufacturer-auth-v2)
effective=crates/nox-contract/specs
for spec in "${specs[@]}"; do
  [ -s "$effective/$spec.json" ] || { echo "conformance: no effective spec $effective/$spec.json (cargo xtask codegen writes it)"; exit 1; }
done

build_programs -p nox-mock -p nox-cli
dir=$(mktemp -d)
on_exit "rm -rf '$dir'"
./target/debug/nox brands --json > "$dir/brands.json"

key="conformance-$RANDOM$RANDOM"
start_bg "$dir/mock.log" ./target/debug/nox-mock --port 0 --api-key "$key"
base=$(wait_for_line "$dir/mock.log" '^nox-mock listening on \(http[^ ]*\).*' 10 "$BG_PID") \
  || { echo "conformance: the mock did not start:"; cat "$dir/mock.log"; exit 1; }

seed_args=()
[ "${ST_SEED:-1}" = random ] || seed_args=(--seed "${ST_SEED:-1}")
status=0
for spec in "${specs[@]}"; do
  case "$spec" in *-v2) url="$base/v2" ;; *) url="$base" ;; esac
  echo "== schemathesis: $spec against $url"
  if ! NOX_BRANDS_JSON="$dir/brands.json" PYTHONPATH=scripts SCHEMATHESIS_HOOKS=schemathesis_hooks \
      "$NOX_VENV/bin/st" --config-file scripts/schemathesis.toml run "$effective/$spec.json" --url "$url" -H "x-api-key: $key" \
      --checks all --max-examples "${ST_MAX_EXAMPLES:-60}" "${seed_args[@]}" --no-color; then
    status=1
  fi
done
exit $status
