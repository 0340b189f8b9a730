#!/usr/bin/env bash
# Prism as an outside judge of the SDK's own calls. Stoplight Prism (npm, pinned, into
# target/prism) runs as a validating proxy (`prism proxy --errors`) for each effective spec
# in crates/nox-contract/specs/, in front of one running nox-mock. Through it go:
#   - the SDK's calls: the `nox` CLI (`nox link create`, with and without a brand,
#     `create-manufacturer`, `device-connection`); the v1 operations have no CLI command, so
#     curl sends the bodies the SDK's v1 methods serialize (field for field);
#   - a sanity case for every operation: a body without a required field, which Prism must
#     refuse (422 naming the field) before the mock sees it. This proves Prism really validates that spec:
#     Prism 5 once let everything through on the v2 supplier spec (specs/README.md,
#     decision 22).
# Any violation Prism reports (a non-2xx answer, or a violation or error line in its log)
# fails the spec. One verdict line per spec.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh

effective=crates/nox-contract/specs
# Every effective spec `cargo xtask codegen` wrote; one without calls below fails, so a new
# spec cannot be skipped in silence. The one exception is named here and said at each run: the
# mock does not serve the Package API yet, so there is nothing for its calls to reach (its spec
# is linted by scripts/lint-specs.sh).
not_served=" openapi-package-devices "
specs=()
for f in "$effective"/*.json; do
  spec=$(basename "$f" .json)
  case "$not_served" in
    *" $spec "*) echo "prism: $spec: skipped, the mock does not serve its operations yet" ;;
    *) specs+=("$spec") ;;
  esac
done
[ "${#specs[@]}" -gt 0 ] || { echo "prism: no effective specs in $effective"; exit 1; }

prism=$(npm_tool prism "$NOX_PRISM" prism)
build_programs -p nox-mock -p nox-cli
dir=$(mktemp -d)
on_exit "rm -rf '$dir'"

start_bg "$dir/mock.log" ./target/debug/nox-mock --port 0
mock_pid=$BG_PID
if ! mock=$(wait_for_line "$dir/mock.log" '^nox-mock listening on \(http[^ ]*\).*' 10 "$mock_pid") ||
  ! key=$(wait_for_line "$dir/mock.log" '^api key: \([^ ]*\)$' 5 "$mock_pid"); then
  echo "prism: the mock did not start:"
  cat "$dir/mock.log"
  exit 1
fi

# One proxy per spec, all starting at once. Prism matches a request's path against the
# spec's paths only, not against the path of the server URL (v2: https://auth.nox.energy/v2),
# so each spec is handed to it with that server path in front of its paths; nothing else
# of the spec changes.
declare -A prism_pid prism_url
for spec in "${specs[@]}"; do
  python3 - "$effective/$spec.json" "$dir/$spec.json" <<'PY'
import json, sys, urllib.parse
doc = json.load(open(sys.argv[1]))
prefix = urllib.parse.urlparse(doc.get("servers", [{}])[0].get("url", "")).path.rstrip("/")
doc["paths"] = {prefix + path: item for path, item in doc["paths"].items()}
json.dump(doc, open(sys.argv[2], "w"))
PY
  port=$(free_port)
  start_bg "$dir/$spec.log" "$prism" proxy "$dir/$spec.json" "$mock" --errors -h 127.0.0.1 -p "$port"
  prism_pid[$spec]=$BG_PID
  prism_url[$spec]=http://127.0.0.1:$port
done

# The mock's request log: how many requests reached it (Prism forwards only what it lets through).
reached() { curl -sf -m 5 "$mock/_mock/requests" | python3 -c 'import json, sys; print(len(json.load(sys.stdin)))'; }
# The lines of a Prism log that report a problem (colours removed).
problems() { sed 's/\x1b\[[0-9;]*m//g' "$1" | grep -E '✖|[Vv]iolation|warning|error' || true; }

# sdk SPEC WHAT ARGS...: a call through the `nox` CLI; fails with what it and Prism said.
sdk() {
  local spec=$1 what=$2 out
  shift 2
  if ! out=$(NOX_API_KEY=$key timeout 30 ./target/debug/nox link "$@" --base-url "${prism_url[$spec]}" 2>&1); then
    echo "  $what: nox link $1 failed: $out"
    return 1
  fi
}
# raw SPEC WHAT PATH BODY: POST as the SDK would (for the operations without a CLI
# command); prints the status, the answer to $dir/answer.
raw() {
  curl -s -m 10 -o "$dir/answer" -w '%{http_code}' -X POST "${prism_url[$1]}$3" \
    -H "x-api-key: $key" -H 'content-type: application/json' -d "$4"
}
sdk_raw() {
  local status
  status=$(raw "$@") || status="no answer"
  case "$status" in
    2??) ;;
    *) echo "  $2: $status $(head -c 600 "$dir/answer")"; return 1 ;;
  esac
}
# refused SPEC PATH BODY FIELD: the sanity case, a 422 from Prism naming FIELD, and the
# body never reached the mock.
refused() {
  local before status
  before=$(reached)
  status=$(raw "$1" "missing $4" "$2" "$3") || status="no answer"
  if [ "$status" != 422 ] || ! grep -q "$4" "$dir/answer"; then
    echo "  a body without $4: Prism answered $status, not a 422 naming $4: $(head -c 600 "$dir/answer")"
    return 1
  fi
  [ "$(reached)" = "$before" ] || { echo "  a body without $4 reached the mock"; return 1; }
}

cb=https://example.com/nox/callback
calls() {
  case "$1" in
    openapi-supplier-auth)
      sdk_raw "$1" "create_link_session (v1, the SDK's body)" /users/prism-u1/link \
        '{"brand":"vaillant","language":"en","redirect_uri":"'$cb'"}' ;;
    openapi-manufacturer-auth)
      sdk_raw "$1" "connect_nox_manufacturer (v1, the SDK's body)" /manufacturers/nox \
        '{"device_ids":["dev-1"],"manufacturer_user_id":"prism-m1"}' &&
        sdk_raw "$1" "connect_supplier_manufacturer (v1, the SDK's body)" /manufacturers/suppliers \
          '{"device_ids":["dev-1"],"language":"en","manufacturer_user_id":"prism-m1","redirect_url":"'$cb'"}' ;;
    openapi-supplier-auth-v2)
      sdk "$1" create_supplier_link_session create --user-id prism-u1 --asset-type hp --redirect-url "$cb" --brand daikin --language en &&
        sdk "$1" "create_supplier_link_session, no brand" create --user-id prism-u2 --asset-type pv --redirect-url "$cb" ;;
    openapi-manufacturer-auth-v2)
      sdk "$1" create_manufacturer_link_session create-manufacturer --user-id prism-m1 --redirect-url "$cb" &&
        sdk "$1" create_manufacturer_device_connection device-connection --user-id prism-m1 ;;
    *) echo "  no SDK calls are written for $1 in scripts/prism.sh"; return 1 ;;
  esac
}
sanity() {
  case "$1" in
    openapi-supplier-auth) refused "$1" /users/prism-u1/link '{"language":"en"}' redirect_uri ;;
    openapi-manufacturer-auth) refused "$1" /manufacturers/nox '{"device_ids":["dev-1"]}' manufacturer_user_id &&
      refused "$1" /manufacturers/suppliers '{"redirect_url":"'$cb'"}' manufacturer_user_id ;;
    openapi-supplier-auth-v2) refused "$1" /v2/supplier/link-sessions '{"asset_type":"hp","redirect_url":"'$cb'"}' user_id ;;
    openapi-manufacturer-auth-v2) refused "$1" /v2/manufacturer/link-sessions '{"redirect_url":"'$cb'"}' user_id &&
      refused "$1" /v2/manufacturer/device-connections '{}' user_id ;;
    *) echo "  no sanity case is written for $1 in scripts/prism.sh"; return 1 ;;
  esac
}

status=0
for spec in "${specs[@]}"; do
  if ! wait_for_line "$dir/$spec.log" '.*Prism is listening on \(http[^ ]*\).*' 60 "${prism_pid[$spec]}" >/dev/null; then
    echo "prism: $spec: FAILED, Prism did not start:"
    cat "$dir/$spec.log"
    status=1
    continue
  fi
  before=$(reached)
  if ! calls "$spec"; then
    problems "$dir/$spec.log"
    echo "prism: $spec: FAILED, Prism reported a violation in the SDK's calls (above)"
    status=1
    continue
  fi
  found=$(problems "$dir/$spec.log")
  if [ -n "$found" ]; then
    echo "$found"
    echo "prism: $spec: FAILED, Prism logged violations (above)"
    status=1
    continue
  fi
  n=$(($(reached) - before))
  if [ "$n" -lt 1 ]; then
    echo "prism: $spec: FAILED, none of the SDK's calls reached the mock through Prism"
    status=1
    continue
  fi
  if ! sanity "$spec"; then
    echo "prism: $spec: FAILED, Prism does not validate this spec (the SDK's calls passed, but so did an invalid body)"
    status=1
    continue
  fi
  echo "prism: $spec: ok ($n calls of the SDK valid for Prism, a body without a required field refused)"
done
exit $status
