#!/usr/bin/env bash
# The example backend runs with its one documented command: `cargo run -p nox-auth-axum
# --example axum_backend` starts (embedded nox-mock, SQLite), serves its login page, and a
# logged-in "Link your heat pump" sends the browser to the mock's Authenticator UI; its login
# page for NOX refuses a foreign return URL.
# (The flow itself is tested in Chromium by tests/tests/integration/axum_example.rs and browser.rs.)
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh

# Compiled first, so that the 2 minutes the example gets to start are not spent compiling;
# the run below is then the documented command itself, with nothing left to build.
cargo build -q --locked -p nox-auth-axum --example axum_backend

dir=$(mktemp -d)
on_exit "rm -rf '$dir'"
log="$dir/log"
LISTEN=127.0.0.1:0 DATABASE_URL="sqlite://$dir/sessions.db?mode=rwc" start_bg "$log" \
  cargo run -q --locked -p nox-auth-axum --example axum_backend
base=$(wait_for_line "$log" '^open \(http[^ ]*\)$' 120 "$BG_PID") \
  || { echo "example-smoke: the example did not start:"; cat "$log"; exit 1; }
grep -q '^NOX: the embedded nox-mock at http://127.0.0.1:' "$log" \
  || { echo "example-smoke: no embedded mock:"; cat "$log"; exit 1; }

# The login page for NOX (when the user starts at NOX): the embedded mock's NOX app is
# printed, and a request naming another return URL than NOX's is a 400, not a redirect.
grep -q '^NOX app (start at NOX): http://127.0.0.1:[0-9]*/app$' "$log" \
  || { echo "example-smoke: no NOX app URL:"; cat "$log"; exit 1; }
code=$(curl -sS -o /dev/null -w '%{http_code} %{redirect_url}' \
  "$base/nox/authorize?state=s&redirect_uri=https%3A%2F%2Fevil.example%2F")
[ "$code" = "400 " ] || { echo "example-smoke: a foreign return URL got '$code'"; exit 1; }

jar="$dir/cookies"
curl -fsS "$base/" | grep -q '<h1>Log in</h1>' || { echo "example-smoke: no login page"; exit 1; }
curl -fsS -c "$jar" -b "$jar" -o /dev/null -d user=smoke "$base/login"
location=$(curl -sS -c "$jar" -b "$jar" -o /dev/null -w '%{redirect_url}' -X POST "$base/link")
case "$location" in
  http://127.0.0.1:*/ui\?token=*) echo "example-smoke: ok ($base sent the browser to $location)" ;;
  *) echo "example-smoke: /link did not redirect to the mock's UI: '$location'"; cat "$log"; exit 1 ;;
esac
