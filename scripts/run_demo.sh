#!/usr/bin/env bash
# Builds sluice (Release) into build/ and runs the fraud_detection example on generated
# transactions, writing its alerts to build/fraud_alerts.jsonl. Arguments are passed to
# the demo (a later --alerts wins): bash scripts/run_demo.sh --help
# Build directory: SLUICE_BUILD_DIR (default: build/ at the repository root).
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build_dir=${SLUICE_BUILD_DIR:-$root/build}

bash "$root/scripts/build.sh" "$build_dir" fraud_detection -DCMAKE_BUILD_TYPE=Release
exec "$build_dir/examples/fraud_detection" --alerts="$build_dir/fraud_alerts.jsonl" "$@"
