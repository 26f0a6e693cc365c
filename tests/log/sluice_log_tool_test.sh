#!/usr/bin/env bash
# sluice-log end to end: create, produce, consume, describe, and the errors a user
# meets first. Usage: sluice_log_tool_test.sh PATH_TO_SLUICE_LOG
set -euo pipefail
tool=$1
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

"$tool" create --dir="$dir" --topic=t --partitions=3 --fsync=batch > /dev/null
# 300 keyed lines over 10 keys, then 7 keyless ones.
for i in $(seq 1 300); do printf 'k%d\tv%d\n' $((i % 10)) "$i"; done > "$dir/in"
for i in $(seq 1 7); do printf 'plain%d\n' "$i"; done >> "$dir/in"
"$tool" produce --dir="$dir" --topic=t --key_separator=$'\t' --batch_records=16 \
  < "$dir/in" 2> "$dir/produce.err"
grep -q "produced 307 records" "$dir/produce.err" || fail "produce: $(cat "$dir/produce.err")"

"$tool" consume --dir="$dir" --topic=t --print_keys > "$dir/out"
# Every line comes back once (order is per partition, so compare sorted).
sort "$dir/in" | sed 's/^plain/\tplain/' | sort > "$dir/want"
sort "$dir/out" > "$dir/got"
diff "$dir/want" "$dir/got" > /dev/null || fail "consumed records differ: $(diff "$dir/want" "$dir/got" | head)"

# A key keeps to one partition, in the order it was produced.
"$tool" consume --dir="$dir" --topic=t --print_keys --print_offsets > "$dir/offsets"
for k in k0 k3; do
  [[ $(grep -P "\t$k\t" "$dir/offsets" | cut -d: -f1 | sort -u | wc -l) == 1 ]] ||
    fail "key $k spread over partitions"
  got=$(grep -P "\t$k\t" "$dir/offsets" | cut -f3 | tr '\n' ' ')
  want=$(grep -P "^$k\t" "$dir/in" | cut -f2 | tr '\n' ' ')
  [[ "$got" == "$want" ]] || fail "key $k out of order: $got"
done

[[ $("$tool" consume --dir="$dir" --topic=t --max_records=5 | wc -l) == 5 ]] ||
  fail "--max_records"
"$tool" describe --dir="$dir" | grep -q "topic t: 3 partition(s)" || fail "describe"

# Errors: a message and a non-zero exit status.
expect_error() {
  local pattern=$1
  shift
  if "$@" > /dev/null 2> "$dir/err"; then fail "succeeded: $*"; fi
  grep -q -- "$pattern" "$dir/err" || fail "no '$pattern' in: $(cat "$dir/err")"
}
expect_error "already exists" "$tool" create --dir="$dir" --topic=t
expect_error "no topic 'u'" "$tool" consume --dir="$dir" --topic=u
expect_error "unknown command" "$tool" remove --dir="$dir" --topic=t
expect_error "unknown fsync policy" "$tool" create --dir="$dir" --topic=v --fsync=never
expect_error "--dir is required" "$tool" describe
expect_error "the topic has 3" "$tool" consume --dir="$dir" --topic=t --partition=5
echo "sluice-log tool test passed"
