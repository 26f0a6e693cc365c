#!/usr/bin/env bash
# Builds sluice and its tests (Release, warnings as errors) and runs them with ctest.
# Exits non-zero if the build or any test fails.
#   SLUICE_BUILD_DIR      build directory (default: build/ at the repository root)
#   SLUICE_TEST_TIMEOUT   per-test timeout in seconds (default: 120)
#   SLUICE_JOBS           parallel build and test jobs (default: number of CPUs)
# Extra arguments are cmake -D options; they come last, so they override the defaults.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build_dir=${SLUICE_BUILD_DIR:-$root/build}
jobs=${SLUICE_JOBS:-$(nproc)}

bash "$root/scripts/build.sh" "$build_dir" all \
  -DCMAKE_BUILD_TYPE=Release -DSLUICE_WERROR=ON -DSLUICE_BUILD_TESTS=ON "$@"

log=$build_dir/ctest.log
status=0
ctest --test-dir "$build_dir" --output-on-failure --no-tests=error --parallel "$jobs" \
  --timeout "${SLUICE_TEST_TIMEOUT:-120}" 2>&1 | tee "$log" || status=$?
summary=$(grep -E 'tests passed, [0-9]+ tests? failed out of' "$log" || true)
echo "run_tests: ${summary:-ctest printed no summary (see $log)}"
if ((status == 0)) && [[ -z $summary ]]; then
  status=1
fi
exit "$status"
