#!/usr/bin/env bash
# The MSRV (`rust-version` in Cargo.toml) is honest: no package in the dependency tree
# declares a newer one. Only the current toolchain can be installed here, so the rest is
# clippy's `incompatible_msrv` lint (it reads `rust-version` and flags std APIs that are
# newer), which CI runs with -D warnings.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo metadata --format-version 1 --locked | python3 -c '
import json, sys
doc = json.load(sys.stdin)
ws = set(doc["workspace_members"])
ours = max((p["rust_version"] for p in doc["packages"] if p["id"] in ws), key=lambda v: tuple(map(int, v.split("."))))

def need(v):
    parts = [int(x) for x in (v or "0").split(".")]
    return tuple(parts + [0] * (3 - len(parts)))
newer = [(p["name"], p["version"], p["rust_version"]) for p in doc["packages"] if need(p.get("rust_version")) > need(ours)]
if newer:
    print(f"msrv: rust-version {ours} is below what these need: {newer}")
    sys.exit(1)
top = max(doc["packages"], key=lambda p: need(p.get("rust_version")))
print("msrv: rust-version", ours, "- the highest a dependency declares:", top["rust_version"], top["name"])
'
