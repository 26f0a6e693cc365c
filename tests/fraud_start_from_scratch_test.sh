#!/usr/bin/env bash
# The fraud demo over the embedded log with checkpoints refuses to start from scratch
# when every checkpoint's MANIFEST is deleted (its alerts are committed), says how to
# start anyway, and exits 1; with --allow_start_from_scratch it commits every alert
# a second time.
#
#   fraud_start_from_scratch_test.sh <fraud_detection binary> <work dir>
set -euo pipefail
demo=$1
work=$2
rm -rf "$work"
mkdir -p "$work"
run() {
  "$demo" --log_dir="$work/log" --transactions=100000 --cards=1000 \
    --checkpoint_dir="$work/chk" --checkpoint_interval_ms=50 --alerts="$work/alerts" "$@" \
    >"$work/out" 2>"$work/err"
}
lines() { cat "$work"/alerts/part-* | wc -l; }
fail() { echo "FAIL: $*"; cat "$work/err"; exit 1; }

run || fail "first run"
first=$(lines)
((first > 0)) || fail "no alerts"
rm "$work"/chk/chk-*/MANIFEST
if run; then fail "started with every MANIFEST deleted"; fi
grep -q "has no MANIFEST, though .* records it as complete: its MANIFEST was deleted" \
  "$work/err" || fail "the deleted MANIFEST is not named"
grep -q "run with --allow_start_from_scratch" "$work/err" || fail "no hint"
(($(lines) == first)) || fail "alerts committed by the refused run"
run --allow_start_from_scratch || fail "--allow_start_from_scratch"
(($(lines) == 2 * first)) || fail "$(lines) alerts, expected $((2 * first))"
echo "PASS: refused, then $first alerts committed again"
