#!/usr/bin/env bash
# Compiles every feature combination of nox-auth a user can pick (each TLS choice, or none,
# with and without `v1` and `schemars`); a warning fails it as an error would. Run by .ci/run.
# (RUSTFLAGS=-D warnings would rebuild every dependency; the warnings are read instead.)
set -euo pipefail
cd "$(dirname "$0")/.."
check() {
  local out
  if ! out=$(cargo check -q --locked "$@" 2>&1); then
    echo "$out"
    return 1
  fi
  if grep -q '^warning' <<<"$out"; then
    echo "$out"
    echo "features: warnings with: cargo check $*"
    return 1
  fi
}
n=0
for tls in "" rustls-ring rustls-aws-lc native-tls; do
  for v1 in "" v1; do
    for schemars in "" schemars; do
      parts=()
      for f in "$tls" "$v1" "$schemars"; do [ -n "$f" ] && parts+=("$f"); done
      features=$(IFS=,; echo "${parts[*]:-}")
      echo "== nox-auth --no-default-features --features '${features}'"
      check -p nox-auth --no-default-features ${features:+--features "$features"}
      n=$((n + 1))
    done
  done
done
# The programs build as their documented commands build them, with their own package's features
# alone (`cargo run -p nox-mock --features cli` once failed for lack of tokio's multi-thread
# runtime, which the workspace build had unified in).
echo "== nox-mock --features cli, nox-cli, nox-contract alone"
check -p nox-mock --features cli --bins
check -p nox-cli
check -p nox-contract --no-default-features --features rustls-ring
for krate in nox-auth-v1 nox-auth-v2 nox-package-v1; do
  echo "== $krate, with and without schemars"
  check -p "$krate"
  check -p "$krate" --features schemars
done
echo "features: $n combinations of nox-auth and the generated crates compiled"

# nox-auth stays lean: the axum integration lives in nox-auth-axum, so no feature of nox-auth
# brings axum, tower-sessions or an SQL crate.
heavy=$(cargo tree -q --locked -p nox-auth --all-features -e normal,build --prefix none \
  | awk '{print $1}' | grep -E '^(axum|axum-core|tower-sessions.*|sqlx.*|libsqlite3-sys|tokio-postgres|postgres.*)$' \
  | sort -u || true)
if [ -n "$heavy" ]; then
  echo "features: nox-auth depends on $(echo $heavy)"
  exit 1
fi
echo "features: nox-auth (all features) compiles no axum, tower-sessions or SQL crate"
