#!/usr/bin/env bash
# The example backend runs with its one documented command: `cargo run -p nox-auth-axum
# --example axum_backend` starts (embedded nox-mock, SQLite), serves its login page, and a
# logged-in "Link your heat pump" sends the browser to the mock's Authenticator UI.
# (The flow itself is tested in Chromium by tests/tests/axum_example.rs.)
set -euo pipefail
cd "$(dirname "$0")/.."

dir=$(mktemp -d)
log="$dir/log"
LISTEN=127.0.0.1:0 DATABASE_URL="sqlite://$dir/sessions.db?mode=rwc" \
  cargo run -q --locked -p nox-auth-axum --example axum_backend >"$log" 2>&1 &
pid=$!
trap 'kill $pid 2>/dev/null || true; wait $pid 2>/dev/null || true; rm -rf "$dir"' EXIT

base=""
for _ in $(seq 1 600); do
  base=$(sed -n 's/^open \(http[^ ]*\)$/\1/p' "$log")
  [ -n "$base" ] && break
  kill -0 $pid 2>/dev/null || break
  sleep 0.2
done
[ -n "$base" ] || { echo "example-smoke: the example did not start:"; cat "$log"; exit 1; }
grep -q '^NOX: the embedded nox-mock at http://127.0.0.1:' "$log" \
  || { echo "example-smoke: no embedded mock:"; cat "$log"; exit 1; }

jar="$dir/cookies"
curl -fsS "$base/" | grep -q '<h1>Log in</h1>' || { echo "example-smoke: no login page"; exit 1; }
curl -fsS -c "$jar" -b "$jar" -o /dev/null -d user=smoke "$base/login"
location=$(curl -sS -c "$jar" -b "$jar" -o /dev/null -w '%{redirect_url}' -X POST "$base/link")
case "$location" in
  http://127.0.0.1:*/ui\?token=*) echo "example-smoke: ok ($base sent the browser to $location)" ;;
  *) echo "example-smoke: /link did not redirect to the mock's UI: '$location'"; cat "$log"; exit 1 ;;
esac
