#!/usr/bin/env bash
# The outside judges, one after the other: redocly and openapi-spec-validator lint the
# specs, schemathesis judges the mock against every effective spec, and Prism's validating
# proxy judges the SDK's own calls. test.sh runs this in the background beside
# `cargo test --workspace`; each script can also be run alone.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh

phase "lint the OpenAPI specs (openapi-spec-validator, redocly)"
bash scripts/lint-specs.sh

phase "the mock against the effective specs (schemathesis, all checks)"
bash scripts/conformance.sh

phase "the SDK's calls through Prism's validating proxy (every effective spec)"
bash scripts/prism.sh

phase_summary
