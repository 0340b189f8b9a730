#!/usr/bin/env bash
# A throwaway PostgreSQL server for the tests that share one between backend instances
# (nox-auth-axum's "two instances" test). Sourced by scripts/test.sh:
#
#   source scripts/postgres.sh   # installs Debian's postgresql when missing, starts a
#                                # server on 127.0.0.1 in a temporary directory, exports
#                                # NOX_TEST_DATABASE_URL, and stops it on exit
#
# Run directly (`bash scripts/postgres.sh`), it starts the server, prints the export line
# and waits until Ctrl-C, for running the tests by hand.
set -euo pipefail
# shellcheck source=scripts/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

if [ -z "$(pg_bin)" ]; then
  echo "== installing postgresql (the shared-store test)"
  # The package's own cluster is not used (and not started: there is no init system).
  apt_install postgresql
fi
nox_pg_bin=$(pg_bin)
[ -n "$nox_pg_bin" ] || { echo "postgres.sh: initdb not found after installing postgresql"; exit 1; }

# PostgreSQL refuses to run as root: as root, the server runs as the `postgres` user the
# package created, in a directory it owns (not under target/, which it may not reach).
nox_pg_dir=$(mktemp -d /tmp/nox-pg.XXXXXX)
as_pg=()
if [ "$(id -u)" -eq 0 ]; then
  chown postgres: "$nox_pg_dir"
  as_pg=(runuser -u postgres --)
fi
nox_pg_port=$(free_port)
"${as_pg[@]}" "$nox_pg_bin/initdb" -D "$nox_pg_dir/data" -U nox --auth=trust -E UTF8 >/dev/null
"${as_pg[@]}" "$nox_pg_bin/pg_ctl" -D "$nox_pg_dir/data" -l "$nox_pg_dir/log" -w -t 60 start \
  -o "-h 127.0.0.1 -p $nox_pg_port -k $nox_pg_dir -c fsync=off" >/dev/null \
  || { echo "postgres.sh: the server did not start:"; cat "$nox_pg_dir/log"; exit 1; }

nox_pg_stop() {
  "${as_pg[@]}" "$nox_pg_bin/pg_ctl" -D "$nox_pg_dir/data" -m immediate stop >/dev/null 2>&1 || true
  rm -rf "$nox_pg_dir"
}
on_exit nox_pg_stop

export NOX_TEST_DATABASE_URL="postgres://nox@127.0.0.1:$nox_pg_port/postgres"
# The shared-store test fails (instead of skipping) when no server is given.
export NOX_REQUIRE_POSTGRES=1
echo "== postgresql $("$nox_pg_bin/postgres" --version | awk '{print $3}') on 127.0.0.1:$nox_pg_port"

if [ "${BASH_SOURCE[0]}" = "$0" ]; then
  echo "export NOX_TEST_DATABASE_URL=$NOX_TEST_DATABASE_URL"
  echo "(Ctrl-C stops the server)"
  sleep infinity
fi
