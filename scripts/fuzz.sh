#!/usr/bin/env bash
# Builds the libFuzzer targets (tests/fuzz) with clang-14 and runs each one for a fixed
# time, starting from seeds (the bad-input corpus for CSV and JSON lines, well-formed
# batches, manifests and state from fuzz_seeds). Exits non-zero on the first crash,
# leak, timeout or broken invariant, naming the target and the input that caused it.
#
#   bash scripts/fuzz.sh                    # 30 s per target (what CI runs)
#   bash scripts/fuzz.sh --seconds=3600     # the nightly-length run, 1 h per target
#   bash scripts/fuzz.sh --target=json_lines_fuzzer --seconds=600
#
#   SLUICE_FUZZ_BUILD_DIR   build tree (default: build-fuzz/)
#   SLUICE_JOBS             parallel build jobs (default: number of CPUs)
# What each run found (new inputs) stays in BUILD_DIR/corpus/<target>/, so a later run
# goes on from there; crash inputs are written to BUILD_DIR/crashes/.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build_dir=${SLUICE_FUZZ_BUILD_DIR:-$root/build-fuzz}
jobs=${SLUICE_JOBS:-$(nproc)}
seconds=30
only=""
targets=(csv_record_fuzzer json_lines_fuzzer http_ingest_fuzzer sse_parser_fuzzer
         log_record_batch_fuzzer
         checkpoint_manifest_fuzzer checkpoint_state_fuzzer)

usage() {
  sed -n '2,16p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'
  echo "targets: ${targets[*]}"
}

for arg in "$@"; do
  case $arg in
    --seconds=*) seconds=${arg#*=} ;;
    --target=*) only=${arg#*=} ;;
    -h | --help) usage; exit 0 ;;
    *) echo "fuzz: unknown argument '$arg'" >&2; usage >&2; exit 2 ;;
  esac
done
[[ $seconds =~ ^[0-9]+$ && $seconds -gt 0 ]] ||
  { echo "fuzz: --seconds must be a positive number, not '$seconds'" >&2; exit 2; }
if [[ -n $only ]]; then
  [[ " ${targets[*]} " == *" $only "* ]] ||
    { echo "fuzz: no target '$only' (targets: ${targets[*]})" >&2; exit 2; }
  targets=("$only")
fi

bash "$root/scripts/setup.sh" --fuzz
launcher=()
command -v ccache >/dev/null 2>&1 && launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
generator=()
[[ -f $build_dir/CMakeCache.txt ]] || generator=(-G Ninja)
# -O1 with line tables: libFuzzer's recommended level, and half the compile time of -O2 -g.
cmake -S "$root" -B "$build_dir" "${generator[@]}" -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O1 -g1 -DNDEBUG" \
  -DCMAKE_CXX_COMPILER=clang++-14 -DCMAKE_C_COMPILER=clang-14 "${launcher[@]}" \
  -DSLUICE_BUILD_FUZZERS=ON -DSLUICE_BUILD_TESTS=OFF -DSLUICE_BUILD_BENCHMARKS=OFF \
  -DSLUICE_BUILD_EXAMPLES=OFF >/dev/null
cmake --build "$build_dir" --parallel "$jobs" --target "${targets[@]}" fuzz_seeds

seeds=$build_dir/seeds
rm -rf "$seeds"
"$build_dir/tests/fuzz/fuzz_seeds" "$seeds"
mkdir -p "$seeds/csv_record_fuzzer" "$seeds/json_lines_fuzzer"
cp "$root"/tests/data/bad_input/csv/*.csv "$seeds/csv_record_fuzzer/"
cp "$root"/tests/data/bad_input/json/*.jsonl "$seeds/json_lines_fuzzer/"
mkdir -p "$seeds/http_ingest_fuzzer"
cp "$root"/tests/data/http_ingest/* "$seeds/http_ingest_fuzzer/"
mkdir -p "$seeds/sse_parser_fuzzer"
cp "$root"/tests/data/sse/* "$seeds/sse_parser_fuzzer/"
mkdir -p "$build_dir/crashes"

export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-halt_on_error=1:print_stacktrace=1}
summary=()
for target in "${targets[@]}"; do
  corpus=$build_dir/corpus/$target
  mkdir -p "$corpus"
  log=$build_dir/$target.log
  echo "fuzz: $target for ${seconds} s (log: $log)"
  status=0
  "$build_dir/tests/fuzz/$target" "$corpus" "$seeds/$target" \
    -max_total_time="$seconds" -max_len=8192 -timeout=10 -rss_limit_mb=4096 \
    -print_final_stats=1 -artifact_prefix="$build_dir/crashes/$target-" \
    >"$log" 2>&1 || status=$?
  runs=$(grep -oE 'stat::number_of_executed_units: *[0-9]+' "$log" | grep -oE '[0-9]+$' || echo "?")
  cov=$(grep -oE 'cov: [0-9]+' "$log" | tail -1 | grep -oE '[0-9]+' || echo "?")
  files=$(find "$corpus" -type f | wc -l)
  if ((status != 0)); then
    echo "fuzz: $target FAILED (exit $status); the end of its log:" >&2
    tail -40 "$log" >&2
    echo "fuzz: reproduce with: $build_dir/tests/fuzz/$target $build_dir/crashes/$target-*" >&2
    exit 1
  fi
  summary+=("$(printf '%-28s %10s runs  %6s edges  %6s corpus files' "$target" "$runs" "$cov" "$files")")
done
echo "fuzz: every target ran ${seconds} s without a failure:"
printf '  %s\n' "${summary[@]}"
