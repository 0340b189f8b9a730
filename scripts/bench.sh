#!/usr/bin/env bash
# Runs every benchmark of BENCHMARKS.md and prints the numbers and ratios.
#   bash scripts/bench.sh            # all of them
#   bash scripts/bench.sh decode     # one of: overhead decode codegen load build devices confirm
# Installs Prism (@stoplight/prism-cli, from npm) into target/prism for the load test.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh
what="${1:-all}"

median_ns() { # criterion group/function → median in ns
  python3 -c "import json,sys; print(json.load(open(sys.argv[1]))['median']['point_estimate'])" \
    "target/criterion/$1/new/estimates.json"
}
ratio() { python3 -c "import sys; print(f'{float(sys.argv[1])/float(sys.argv[2]):.3f}')" "$1" "$2"; }

if [ "$what" = all ] || [ "$what" = overhead ]; then
  echo "== 1. request overhead (facade vs raw reqwest, same pool, local server)"
  cargo bench -q -p nox-auth --bench request_overhead 2>/dev/null | grep -E "^request|time:"
  f=$(median_ns request_overhead/facade_create_supplier_link_session)
  r=$(median_ns request_overhead/raw_reqwest_post)
  echo "facade / raw (median): $(ratio "$f" "$r")   (target ≤ 1.05)"
fi

if [ "$what" = all ] || [ "$what" = decode ]; then
  echo "== 2. callback decode (nox_auth vs base64 + serde_json into a plain struct)"
  cargo bench -q -p nox-auth --bench callback_decode 2>/dev/null | grep -E "^callback|time:|thrpt:"
  for size in typical_3_devices large_200_devices; do
    n=$(median_ns "callback_decode/nox_auth/$size"); b=$(median_ns "callback_decode/baseline/$size")
    echo "$size: nox_auth / baseline (median) = $(ratio "$n" "$b")   (target ≤ 1.25)"
  done
  n=$(median_ns callback_decode/nox_auth/typical_3_devices)
  python3 -c "import sys; print(f'typical decodes per second, one core: {1e9/float(sys.argv[1]):,.0f}   (target ≥ 1,000,000)')" "$n"
fi

if [ "$what" = all ] || [ "$what" = codegen ]; then
  echo "== 3. codegen in-process (all specs, no compile)"
  cargo bench -q -p xtask --bench codegen 2>/dev/null | grep -E "^codegen|time:"
  python3 -c "import sys; print(f'median: {float(sys.argv[1])/1e6:.1f} ms   (target < 200 ms)')" "$(median_ns codegen/render_all_specs)"
fi

if [ "$what" = all ] || [ "$what" = load ]; then
  echo "== 4. mock load (64 clients): trivial handler, nox-mock, Prism"
  prism=$(npm_tool prism "$NOX_PRISM" prism)
  port=$(free_port)
  # Prism gets the effective spec (patch applied, as `cargo xtask codegen` checks it in).
  start_bg target/prism/prism.log \
    "$prism" mock -h 127.0.0.1 -p "$port" crates/nox-contract/specs/openapi-supplier-auth-v2.json
  prism_pid=$BG_PID
  wait_for_url "http://127.0.0.1:$port/" 20 "$prism_pid" \
    || { echo "bench: Prism did not start:"; cat target/prism/prism.log; exit 1; }
  cargo bench -q -p nox-mock --bench mock_load -- --clients 64 --seconds "${LOAD_SECONDS:-10}" --prism "http://127.0.0.1:$port"
  stop_pid "$prism_pid"
fi

if [ "$what" = all ] || [ "$what" = devices ]; then
  echo "== 6. device listing (100,000 from the mock through the facade, memory flat)"
  cargo bench -q -p nox-mock --bench device_listing 2>/dev/null | grep -E "device_listing|devices:"
fi

if [ "$what" = all ] || [ "$what" = confirm ]; then
  echo "== 7. confirm (Client::confirm vs the listing call it makes, p50/p99, one run)"
  cargo bench -q -p nox-mock --bench confirm 2>/dev/null | grep -E "confirm|user with|p50"
fi

if [ "$what" = all ] || [ "$what" = build ]; then
  echo "== nox-auth: clean debug build time and dependencies, per TLS choice"
  for features in "" "--no-default-features --features rustls-ring,v1" "--no-default-features --features native-tls,v1"; do
    label=${features:-"default features (rustls-aws-lc, v1)"}
    tmp=$(mktemp -d)
    start=$(date +%s.%N)
    # shellcheck disable=SC2086
    CARGO_TARGET_DIR="$tmp" cargo build -q -p nox-auth $features
    end=$(date +%s.%N)
    # shellcheck disable=SC2086
    crates=$(cargo tree -q -p nox-auth -e normal --prefix none $features | sed 's/ (\*)//' | sort -u | wc -l)
    python3 -c "import sys; print(f'{sys.argv[3]}: clean debug build {float(sys.argv[2])-float(sys.argv[1]):.1f} s, {sys.argv[4]} crates in the normal dependency tree')" "$start" "$end" "$label" "$crates"
    rm -rf "$tmp"
  done
  echo "crates each direct dependency of nox-auth brings in (its own normal dependency tree, default features):"
  for dep in $(cargo tree -q -p nox-auth -e normal --depth 1 --prefix none | tail -n +2 | awk '{print $1"@"substr($2,2)}' | sort -u); do
    n=$(cargo tree -q -p "$dep" -e normal --prefix none 2>/dev/null | sed 's/ (\*)//' | sort -u | wc -l)
    echo "  $n $dep"
  done | sort -rn
fi
