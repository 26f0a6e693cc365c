#!/usr/bin/env bash
# Webhook benchmark (docs/BENCHMARKS.md, "Webhook sink"): starts a receiver (the
# hand-written Beast server of the ingest benchmark, which parses every JSON line and
# answers 202), then sends the same records to it with the hand-written libcurl loop
# and with an HttpSink job (same batch size and requests in flight), --runs times each,
# alternating. Prints records/s of both (best run) and the ratio. Every request must
# be answered 2xx: the baseline counts failures and exits non-zero on any, the job
# ends only once everything was delivered.
#
#   bash benchmarks/webhook/run_webhook.sh [--records=1000000] [--batch=1000]
#        [--in_flight=4] [--runs=3] [--build_dir=build]
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
records=1000000 batch=1000 in_flight=4 runs=3 build_dir=$root/build
for arg in "$@"; do
  case $arg in
    --records=*) records=${arg#*=} ;;
    --batch=*) batch=${arg#*=} ;;
    --in_flight=*) in_flight=${arg#*=} ;;
    --runs=*) runs=${arg#*=} ;;
    --build_dir=*) build_dir=${arg#*=} ;;
    -h|--help) sed -n '2,10p' "$0"; exit 0 ;;
    *) echo "run_webhook: unknown argument '$arg' (--help lists them)" >&2; exit 2 ;;
  esac
done
sender=$build_dir/benchmarks/webhook_bench
receiver=$build_dir/benchmarks/http_ingest_bench
for binary in "$sender" "$receiver"; do
  [[ -x $binary ]] || { echo "run_webhook: build $binary first (cmake --build $build_dir --target webhook_bench http_ingest_bench)" >&2; exit 1; }
done

work=$(mktemp -d)
trap 'rm -rf "$work"; kill $(jobs -p) 2>/dev/null || true' EXIT
"$receiver" --mode=baseline --seconds=100000 --io_threads=1 >"$work/receiver.out" 2>&1 &
receiver_pid=$!
for _ in $(seq 100); do grep -q "listening on" "$work/receiver.out" 2>/dev/null && break; sleep 0.05; done
address=$(sed -n 's/^listening on //p' "$work/receiver.out")
[[ -n $address ]] || { echo "run_webhook: the receiver did not start" >&2; exit 1; }
url=http://$address/ingest

best_engine=0 best_baseline=0
for run in $(seq "$runs"); do
  for mode in baseline engine; do
    line=$("$sender" --mode=$mode --url="$url" --records="$records" --batch="$batch" \
        --in_flight="$in_flight" | grep '^records')
    rate=$(python3 -c "import sys; f=sys.argv[1].split(); print(int(int(f[1])/float(f[3])))" "$line")
    echo "run $run $mode: $line ($rate records/s)" >&2
    if [[ $mode == engine ]]; then
      ((rate > best_engine)) && best_engine=$rate
    else
      ((rate > best_baseline)) && best_baseline=$rate
    fi
  done
done
kill $receiver_pid 2>/dev/null || true
wait $receiver_pid 2>/dev/null || true
python3 - "$best_engine" "$best_baseline" "$records" "$batch" "$in_flight" <<'PY'
import sys
engine, baseline, records, batch, in_flight = map(int, sys.argv[1:])
print(f"webhook: {records} records, {batch} per request, {in_flight} in flight")
print(f"  baseline (libcurl loop): {baseline:,} records/s")
print(f"  engine (HttpSink job):   {engine:,} records/s")
print(f"  ratio engine/baseline:   {engine / baseline:.2f}")
PY
