#!/usr/bin/env bash
# Shows that the fraud-detection demo survives kill -9 with exactly-once alerts.
#
#   bash scripts/fraud_kill_demo.sh [--kills=3] [--transactions=20000000] [--work=DIR]
#
# Writes the transactions to the embedded event log once, then runs the demo over it
# with checkpoints twice: once without interruption, and once killed with SIGKILL
# --kills times at random moments, each time started again with the same flags (it
# goes on from its latest checkpoint). The committed alerts of the two must be the
# same lines, none missing and none twice. Builds the demo first (like run_demo.sh).
set -euo pipefail

kills=3
transactions=20000000
work=""
for arg in "$@"; do
  case "$arg" in
    --kills=*) kills=${arg#*=} ;;
    --transactions=*) transactions=${arg#*=} ;;
    --work=*) work=${arg#*=} ;;
    -h|--help) sed -n '2,10p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "unknown argument: $arg (see --help)" >&2; exit 2 ;;
  esac
done

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build_dir=${SLUICE_BUILD_DIR:-$root/build}
if [[ -z "${SLUICE_SKIP_BUILD:-}" ]]; then
  bash "$root/scripts/build.sh" "$build_dir" fraud_detection -DCMAKE_BUILD_TYPE=Release
fi
demo="$build_dir/examples/fraud_detection"
[[ -n "$work" ]] || work=$(mktemp -d /tmp/sluice_fraud_kill.XXXXXX)
rm -rf "$work/reference" "$work/killed" "$work"/*.err
mkdir -p "$work"

run() {  # run NAME: the demo over the log, checkpointing into NAME
  exec "$demo" --log_dir="$work/log" --transactions="$transactions" \
    --checkpoint_dir="$work/$1/checkpoints" --checkpoint_interval_ms=200 \
    --alerts="$work/$1/alerts" >"$work/$1.out" 2>>"$work/$1.err"
}

echo "== reference run (no kills)"
mkdir -p "$work/reference"
(run reference)
tail -n +2 "$work/reference.out" | grep -E "alerts raised|transactions processed"

echo "== run killed with SIGKILL $kills times"
mkdir -p "$work/killed"
hits=0
for ((i = 1; i <= kills; i++)); do
  (run killed) &  # exec: $! is the demo itself, which kill -9 must hit
  pid=$!
  delay_ms=$((300 + RANDOM % 1200))
  sleep "$(printf '%d.%03d' $((delay_ms / 1000)) $((delay_ms % 1000)))"
  if kill -9 "$pid" 2>/dev/null; then
    wait "$pid" 2>/dev/null || true
    hits=$((hits + 1))
    echo "   kill $i: SIGKILL after ${delay_ms} ms ($(ls "$work/killed/alerts" 2>/dev/null \
      | grep -c '^part-' || true) alert files committed so far)"
  else
    wait "$pid" || true
    echo "   kill $i: the run had already finished after ${delay_ms} ms; use more --transactions"
  fi
done
echo "   last run, to the end"
(run killed)
tail -n +2 "$work/killed.out" | grep -E "read in this run|alerts raised"

sort_alerts() { cat "$1"/part-* 2>/dev/null | sort; }
alerts=$(sort_alerts "$work/reference/alerts" | wc -l)
if ((alerts == 0 || hits == 0)); then
  echo "NOT SHOWN: $alerts reference alerts, $hits kills mid-run (raise --transactions)" >&2
  exit 1
fi
if ! grep -q "restoring from checkpoint" "$work/killed.err"; then
  echo "NOT SHOWN: no run restored from a checkpoint (see $work/killed.err)" >&2
  exit 1
fi
if diff <(sort_alerts "$work/reference/alerts") <(sort_alerts "$work/killed/alerts") \
    >"$work/diff.txt"; then
  echo "IDENTICAL: $alerts alerts, none lost, none twice, after $hits kills" \
    "(work directory: $work)"
else
  echo "DIFFERENT: see $work/diff.txt ($(grep -c '^<' "$work/diff.txt") missing," \
    "$(grep -c '^>' "$work/diff.txt") extra)" >&2
  exit 1
fi
