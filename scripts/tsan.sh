#!/usr/bin/env bash
# Builds the tests that run threads (tests/tsan: the scheduler, channels, jobs at
# parallelism 1 and 2 with windows, joins and triggers, checkpoints, exactly-once sinks,
# the log) under ThreadSanitizer and runs them with ctest. The first race report fails
# its test (halt_on_error=1), with both stacks in the output. Suppressions: tests/tsan/tsan_suppressions.txt
# (oneTBB's internals only, each explained).
#
#   bash scripts/tsan.sh                        # what CI runs
#   bash scripts/tsan.sh -R 'JobTest\.'         # extra arguments go to ctest
#
#   SLUICE_TSAN_BUILD_DIR   build tree (default: build-tsan/)
#   SLUICE_JOBS             parallel build and test jobs (default: number of CPUs)
#   SLUICE_TEST_TIMEOUT     per-test timeout in seconds (default: 600)
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build_dir=${SLUICE_TSAN_BUILD_DIR:-$root/build-tsan}
jobs=${SLUICE_JOBS:-$(nproc)}

if [[ ${1:-} == -h || ${1:-} == --help ]]; then
  sed -n '2,13p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'
  exit 0
fi

# -O1 -g1: what TSan recommends, and stacks that still name file and line.
bash "$root/scripts/build.sh" "$build_dir" sluice_tsan_tests \
  -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O1 -g1 -DNDEBUG" \
  -DSLUICE_TSAN=ON -DSLUICE_SANITIZE=OFF -DSLUICE_WERROR=OFF \
  -DSLUICE_BUILD_BENCHMARKS=OFF -DSLUICE_BUILD_EXAMPLES=OFF

log=$build_dir/ctest.log
status=0
ctest --test-dir "$build_dir" --output-on-failure --no-tests=error --parallel "$jobs" \
  --timeout "${SLUICE_TEST_TIMEOUT:-600}" "$@" 2>&1 | tee "$log" || status=$?
summary=$(grep -E 'tests passed, [0-9]+ tests? failed out of' "$log" || true)
echo "tsan: ${summary:-ctest printed no summary (see $log)}"
if ((status == 0)) && [[ -z $summary ]]; then
  status=1
fi
exit "$status"
