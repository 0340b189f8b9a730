#!/usr/bin/env bash
# Lints every OpenAPI spec in specs/ with an external validator (openapi-spec-validator,
# installed from PyPI into target/lint-venv on first use), both as NOX publishes it and as
# the generator sees it (patch applied, via `cargo xtask spec`).
set -euo pipefail
cd "$(dirname "$0")/.."

venv=target/lint-venv
if [ ! -x "$venv/bin/openapi-spec-validator" ]; then
  echo "lint-specs: installing openapi-spec-validator into $venv"
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check 'openapi-spec-validator>=0.7,<0.8'
fi

status=0
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
for spec in specs/v*/*.json specs/v*/*.yaml; do
  [ -e "$spec" ] || continue
  case "$spec" in *.patch.yaml) continue ;; esac
  "$venv/bin/openapi-spec-validator" "$spec" || status=1
  effective="$tmp/$(basename "${spec%.*}").effective.json"
  cargo xtask spec "$spec" > "$effective"
  "$venv/bin/openapi-spec-validator" "$effective" || status=1
done
exit $status
