#!/usr/bin/env bash
# The mock judged by an outside tool: schemathesis (PyPI, into target/lint-venv) runs every
# check it has (`--checks all`) against a running nox-mock, for each effective spec (6 today)
# (crates/nox-contract/specs/, written by `cargo xtask codegen` from specs/ and their patches;
# scripts/lint-specs.sh and CI check that they are current): the Authenticator's v1 and v2,
# the Package API's device listings, which the mock serves on the same origin (it is given
# devices first, so that pages have data and next pages), and the NOX-initiated link's
# /post-login-redirect (a supplier login page is set first, so that the hook can ask the
# mock for states it issued). Any finding fails.
# The only exclusions are rules OpenAPI 3.0 cannot express; they live, with their reasons,
# in scripts/schemathesis_hooks.py.
#   ST_MAX_EXAMPLES (default 60) and ST_SEED (default 1: the same cases every run; set
#   ST_SEED=random to explore) tune the run.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh

pip_tools "$NOX_VENV" "$NOX_SCHEMATHESIS"
effective=crates/nox-contract/specs
# Every effective spec `cargo xtask codegen` wrote (one per spec of specs/codegen.toml): a new
# spec is judged without being named here.
specs=()
for f in "$effective"/*.json; do
  specs+=("$(basename "$f" .json)")
done
[ "${#specs[@]}" -ge 6 ] || { echo "conformance: ${#specs[@]} effective specs in $effective, expected at least 6 (cargo xtask codegen writes them)"; exit 1; }

build_programs -p nox-mock -p nox-cli
dir=$(mktemp -d)
on_exit "rm -rf '$dir'"
./target/debug/nox brands --json > "$dir/brands.json"

key="conformance-$RANDOM$RANDOM"
start_bg "$dir/mock.log" ./target/debug/nox-mock --port 0 --api-key "$key"
base=$(wait_for_line "$dir/mock.log" '^nox-mock listening on \(http[^ ]*\).*' 10 "$BG_PID") \
  || { echo "conformance: the mock did not start:"; cat "$dir/mock.log"; exit 1; }

# Devices for the Package API's listings (the control API, not judged): more heat pumps than
# one page of the default limit, a few PV inverters and manufacturer devices, some marked.
control() {
  curl -sf -m 10 -o /dev/null -X POST "$base/_mock/$1" -H 'content-type: application/json' -d "$2" \
    || { echo "conformance: the mock refused POST /_mock/$1 $2"; exit 1; }
}
control devices '{"kind": "hp", "user_id": "st-user-1", "count": 2500}'
control devices '{"kind": "pv", "user_id": "st-user-2", "count": 40, "prefix": "st-pv-", "brand": "SolarEdge"}'
control devices '{"kind": "manufacturer", "user_id": "st-user-3", "count": 40, "prefix": "st-m-"}'
control devices/st-pv-3/mark '{"needs_reauthentication": true}'
control devices/st-pv-4/mark '{"steerable": false}'
# The NOX-initiated link: a supplier login page, so that NOX's app can start authentications.
control nox-app/supplier '{"login_url": "https://shop.example/nox/authorize"}'

seed_args=()
[ "${ST_SEED:-1}" = random ] || seed_args=(--seed "${ST_SEED:-1}")
status=0
for spec in "${specs[@]}"; do
  # The spec's paths are under its first server's path (v2: https://auth.nox.energy/v2).
  prefix=$(python3 -c 'import json, sys, urllib.parse
doc = json.load(open(sys.argv[1]))
print(urllib.parse.urlparse(doc.get("servers", [{}])[0].get("url", "")).path.rstrip("/"))' "$effective/$spec.json")
  url="$base$prefix"
  echo "== schemathesis: $spec against $url"
  if ! NOX_BRANDS_JSON="$dir/brands.json" NOX_MOCK_BASE="$base" PYTHONPATH=scripts SCHEMATHESIS_HOOKS=schemathesis_hooks \
      "$NOX_VENV/bin/st" --config-file scripts/schemathesis.toml run "$effective/$spec.json" --url "$url" -H "x-api-key: $key" \
      --checks all --max-examples "${ST_MAX_EXAMPLES:-60}" "${seed_args[@]}" --no-color; then
    status=1
  fi
done
exit $status
