#!/usr/bin/env bash
# Prism as an outside judge of the SDK's own calls. Stoplight Prism (npm, pinned, into
# target/prism) runs as a validating proxy (`prism proxy --errors`) for each effective spec
# in crates/nox-contract/specs/, in front of one running nox-mock. Through it go:
#   - the SDK's calls: the `nox` CLI (`nox link create`, with and without a brand,
#     `create-manufacturer`, `device-connection`; `nox devices list` for the Package API,
#     across several pages, with each filter, on the three listings, which the mock serves
#     on the same origin with devices added first through its control API); the v1
#     operations and `post_login_redirect` have no CLI command, so curl sends the bodies
#     the SDK's methods serialize (field for field; for the latter with a state the mock's
#     NOX app issued);
#   - a sanity case for every spec: a body without a required field (a `limit` of 0 for the
#     Package API's reads), which Prism must refuse (422 naming the field) before the mock
#     sees it. This proves Prism really validates that spec: Prism 5 once let everything
#     through on the v2 supplier spec (specs/README.md, decision 22).
# Any violation Prism reports (a non-2xx answer, or a violation or error line in its log)
# fails the spec. One verdict line per spec.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh

effective=crates/nox-contract/specs
# Every effective spec `cargo xtask codegen` wrote; one without calls below fails, so a new
# spec cannot be skipped in silence.
specs=()
for f in "$effective"/*.json; do
  specs+=("$(basename "$f" .json)")
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

# The Package API's devices, added through the mock's control API (not through Prism):
# 2,500 heat pumps of one user (three pages of 1,000), one marked for re-authentication and
# one not steerable, a few of another user, PV inverters and manufacturer devices.
control() {
  curl -sf -m 10 -o /dev/null -X POST "$mock/_mock/$1" -H 'content-type: application/json' -d "$2" \
    || { echo "prism: the mock refused POST /_mock/$1 $2"; exit 1; }
}
control devices '{"kind": "hp", "user_id": "prism-u1", "count": 2500, "prefix": "prism-hp-"}'
control devices '{"kind": "hp", "user_id": "prism-u2", "count": 3}'
control devices '{"kind": "pv", "user_id": "prism-u1", "count": 5, "prefix": "prism-pv-", "brand": "SolarEdge"}'
control devices '{"kind": "manufacturer", "user_id": "prism-m1", "count": 5, "prefix": "prism-m-"}'
control devices/prism-hp-7/mark '{"needs_reauthentication": true}'
control devices/prism-pv-2/mark '{"steerable": false}'
# The NOX-initiated link: a supplier login page, so that the mock's NOX app issues states.
control nox-app/supplier '{"login_url": "https://shop.example/nox/authorize"}'
# A state the mock's NOX app issued (what NOX passes to the supplier's login page).
issued_state() {
  curl -sf -m 10 -X POST "$mock/_mock/nox-app/authorizations" -H 'content-type: application/json' -d '{}' |
    python3 -c 'import json, sys; print(json.load(sys.stdin)["state"])'
}

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
# The log is listed a page at a time; x-total-count says how many entries it keeps.
reached() {
  curl -sf -m 5 -o /dev/null -D - "$mock/_mock/requests?limit=1" | tr -d '\r' |
    sed -n 's/^x-total-count: *//Ip'
}
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
# devices SPEC WHAT COUNT ARGS...: `nox devices list --json` through Prism; fails unless it
# listed COUNT devices (one JSON line each), all pages followed.
devices() {
  local spec=$1 what=$2 count=$3 out n
  shift 3
  if ! out=$(NOX_API_KEY=$key timeout 60 ./target/debug/nox devices list --json --base-url "${prism_url[$spec]}" "$@" 2>&1); then
    echo "  $what: nox devices list $* failed: $(printf '%s' "$out" | tail -c 600)"
    return 1
  fi
  n=$(printf '%s\n' "$out" | grep -c '"device_id"' || true)
  [ "$n" = "$count" ] || { echo "  $what: listed $n devices, not $count"; return 1; }
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
# refused_query SPEC PATH?QUERY FIELD: the sanity case of a read, a 422 from Prism naming
# FIELD, and the request never reached the mock.
refused_query() {
  local before status
  before=$(reached)
  status=$(curl -s -m 10 -o "$dir/answer" -w '%{http_code}' "${prism_url[$1]}$2" -H "x-api-key: $key") || status="no answer"
  if [ "$status" != 422 ] || ! grep -q "$3" "$dir/answer"; then
    echo "  $2: Prism answered $status, not a 422 naming $3: $(head -c 600 "$dir/answer")"
    return 1
  fi
  [ "$(reached)" = "$before" ] || { echo "  $2 reached the mock"; return 1; }
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
    openapi-package-devices)
      devices "$1" "get_devices, one user, three pages" 2500 --user-id prism-u1 &&
        devices "$1" "get_devices, everyone's, pages of 4000" 2503 --page-size 4000 &&
        devices "$1" "get_devices, one device" 1 --device-id prism-hp-7 &&
        devices "$1" "get_pv_devices, pages of 2" 5 --pv --page-size 2 &&
        devices "$1" "get_manufacturer_devices" 5 --manufacturer &&
        devices "$1" "get_manufacturer_devices, one device" 1 --manufacturer --device-id prism-m-4 ;;
    openapi-supplier-oauth)
      sdk_raw "$1" "post_login_redirect (the SDK's body, a state NOX issued)" /post-login-redirect \
        '{"state":"'"$(issued_state)"'","supplier_user_id":"prism-u1"}' ;;
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
    openapi-package-devices) refused_query "$1" "/v1/devices?limit=0" limit &&
      refused_query "$1" "/v1/devices/pv?limit=4001" limit &&
      refused_query "$1" "/v1/manufacturer/devices?limit=0" limit ;;
    openapi-supplier-oauth) refused "$1" /post-login-redirect '{"state":"prism-state"}' supplier_user_id ;;
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
  echo "prism: $spec: ok ($n calls of the SDK valid for Prism, an invalid request refused)"
done
exit $status
