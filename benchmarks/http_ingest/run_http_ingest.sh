#!/usr/bin/env bash
# HTTP ingest benchmark (docs/BENCHMARKS.md, "HTTP ingest"): wrk posts 1,000-record
# JSON-lines bodies over keep-alive connections, first to the hand-written Beast
# baseline, then to an HttpSource job, each for --seconds; then hey measures request
# latency at half the engine's rate. Prints records/s of both and the ratio.
#
#   bash benchmarks/http_ingest/run_http_ingest.sh [--seconds=10] [--connections=16]
#        [--build_dir=build] [--io_threads=1] [--threads=1]
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
seconds=10 connections=16 build_dir=$root/build io_threads=1 threads=1
for arg in "$@"; do
  case $arg in
    --seconds=*) seconds=${arg#*=} ;;
    --connections=*) connections=${arg#*=} ;;
    --build_dir=*) build_dir=${arg#*=} ;;
    --io_threads=*) io_threads=${arg#*=} ;;
    --threads=*) threads=${arg#*=} ;;
    -h|--help) sed -n '2,8p' "$0"; exit 0 ;;
    *) echo "run_http_ingest: unknown argument '$arg' (--help lists them)" >&2; exit 2 ;;
  esac
done
for tool in wrk hey; do
  command -v $tool >/dev/null || { echo "run_http_ingest: $tool is missing (apt-get install $tool)" >&2; exit 1; }
done
bench=$build_dir/benchmarks/http_ingest_bench
[[ -x $bench ]] || { echo "run_http_ingest: build $bench first (cmake --build $build_dir --target http_ingest_bench)" >&2; exit 1; }

work=$(mktemp -d)
trap 'rm -rf "$work"; kill $(jobs -p) 2>/dev/null || true' EXIT
body=$work/body.jsonl
python3 - "$body" <<'PY'
import sys
with open(sys.argv[1], "w") as f:
    for i in range(1000):
        f.write('{"id":%d,"customer":"customer-%d","amount":%d.25}\n' % (i, i % 97, i % 500))
PY

# Starts the server in one mode, waits for its address, runs `wrk`, then collects the
# server's own count. Prints: mode records_per_s p50 p99 server_records wrk_records
run_mode() {
  local mode=$1 out=$work/$1.out
  "$bench" --mode="$mode" --seconds=$((seconds + 3)) --io_threads="$io_threads" \
      --threads="$threads" >"$out" 2>"$work/$mode.err" &
  local pid=$!
  for _ in $(seq 100); do grep -q "listening on" "$out" 2>/dev/null && break; sleep 0.05; done
  local address
  address=$(sed -n 's/^listening on //p' "$out")
  [[ -n $address ]] || { echo "run_http_ingest: $mode did not start: $(cat "$work/$mode.err")" >&2; exit 1; }
  local result
  result=$(BODY_FILE=$body wrk -t2 -c"$connections" -d"${seconds}s" \
      -s "$root/benchmarks/http_ingest/post_body.lua" "http://$address/ingest" | grep '^requests')
  wait $pid
  local server_records
  server_records=$(sed -n 's/^records \([0-9]*\).*/\1/p' "$out")
  echo "$mode $result server_records $server_records" >&2
  python3 - "$mode" "$result" "$server_records" <<'PY'
import sys
mode, result, server = sys.argv[1], sys.argv[2].split(), int(sys.argv[3])
fields = dict(zip(result[0::2], result[1::2]))
ok = int(fields["requests"]) - int(fields["refused_or_errors"])
rate = ok * 1000 / float(fields["seconds"])
if server < ok * 1000:
    sys.exit(f"run_http_ingest: {mode} counted {server} records, wrk saw {ok * 1000} accepted")
print(mode, round(rate), fields["p50_ms"], fields["p99_ms"])
PY
}

baseline=$(run_mode baseline)
engine=$(run_mode engine)
read -r _ base_rate base_p50 base_p99 <<<"$baseline"
read -r _ eng_rate eng_p50 eng_p99 <<<"$engine"

# Latency at half the engine's rate: hey sends at a fixed rate (-q per worker).
half_requests=$((eng_rate / 1000 / 2))
workers=8
per_worker=$(( (half_requests + workers - 1) / workers ))
"$bench" --mode=engine --seconds=$((seconds + 3)) --io_threads="$io_threads" \
    --threads="$threads" >"$work/half.out" 2>&1 &
for _ in $(seq 100); do grep -q "listening on" "$work/half.out" && break; sleep 0.05; done
address=$(sed -n 's/^listening on //p' "$work/half.out")
hey -z "${seconds}s" -c $workers -q "$per_worker" -m POST -T application/x-ndjson \
    -D "$body" "http://$address/ingest" >"$work/hey.out"
wait
half_p50=$(awk '/50% in/ {print $3 * 1000}' "$work/hey.out")
half_p99=$(awk '/99% in/ {print $3 * 1000}' "$work/hey.out")
half_status=$(grep -A3 'Status code distribution' "$work/hey.out" | tail -n +2 | tr -s ' ' | tr '\n' ';')

echo "| case | baseline records/s | engine records/s | engine/baseline | p50 ms (wrk, saturated) | p99 ms (wrk, saturated) |"
echo "|---|---|---|---|---|---|"
python3 -c "
b, e = $base_rate, $eng_rate
print(f'| http_ingest, {$connections} connections, 1,000 records per request | {b/1e6:.2f} M | {e/1e6:.2f} M | {e/b:.2f} | {\"$eng_p50\"} (baseline {\"$base_p50\"}) | {\"$eng_p99\"} (baseline {\"$base_p99\"}) |')
"
echo
echo "engine at half its rate ($((per_worker * workers)) requests/s, hey): p50 ${half_p50} ms, p99 ${half_p99} ms; statuses:${half_status}"
