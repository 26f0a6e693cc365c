#!/usr/bin/env bash
# sluice-log end to end: create, produce, consume, describe, verify and repair, and
# the errors a user meets first. Usage: sluice_log_tool_test.sh PATH_TO_SLUICE_LOG
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
rc=0; "$tool" verify extra > /dev/null 2>&1 || rc=$?
[[ $rc == 2 ]] || fail "a wrong command line exits $rc"
{ "$tool" --help 2>&1 || true; } > "$dir/help"
grep -q "sluice-log repair" "$dir/help" || fail "--help: no repair"
grep -q -- "--missing_partition_end" "$dir/help" || fail "--help: no flags"

# verify: a clean log.
"$tool" verify --dir="$dir" > "$dir/verify" || fail "verify of a clean log: $(cat "$dir/verify")"
grep -q "no damage" "$dir/verify" || fail "verify summary: $(cat "$dir/verify")"

# A flipped byte in the second batch of the last segment of a one-partition topic:
# 300 records in batches of 10, 4 KiB segments.
d=$dir/damaged_log
"$tool" create --dir="$d" --topic=t --segment_bytes=4096 > /dev/null
seq 0 299 | "$tool" produce --dir="$d" --topic=t --batch_records=10 2> /dev/null
last=$(ls "$d"/t/partition-0/*.log | tail -1)
u32() { od -An -tu4 -j "$2" -N4 "$1" | tr -d ' '; }
second=$((40 + $(u32 "$last" 8)))                    # the second batch's position
base=$(od -An -tu8 -j $((second + 16)) -N8 "$last" | tr -d ' ')
(($(stat -c %s "$last") > second + 40 + $(u32 "$last" $((second + 8))))) ||
  fail "the last segment needs a batch after the second"
flip=$((second + 60))
byte=$(od -An -tu1 -j $flip -N1 "$last" | tr -d ' ')
printf "\\x$(printf %02x $((byte ^ 16)))" | dd of="$last" bs=1 seek=$flip conv=notrunc 2> /dev/null
lost="[$base, $((base + 10)))"
if "$tool" verify --dir="$d" > "$dir/verify" 2> /dev/null; then fail "verify missed the damage"; fi
grep -qF "$last is damaged at position $second" "$dir/verify" || fail "verify: $(cat "$dir/verify")"
grep -qF "offsets lost in partition 0: $lost" "$dir/verify" || fail "verify: $(cat "$dir/verify")"
expect_error "is damaged at position $second" "$tool" consume --dir="$d" --topic=t
expect_error "sluice-log repair" "$tool" produce --dir="$d" --topic=t
"$tool" repair --dir="$d" --topic=t > "$dir/repair" || fail "repair: $(cat "$dir/repair")"
grep -qF "partition 0: offsets lost: $lost" "$dir/repair" || fail "repair: $(cat "$dir/repair")"
"$tool" consume --dir="$d" --topic=t > "$dir/out" 2> "$dir/err" || fail "consume after repair"
seq 0 299 | grep -vxE "$base|$(seq -s'|' $((base + 1)) $((base + 9)))" | diff - "$dir/out" > /dev/null ||
  fail "consume after repair: $(diff <(seq 0 299) "$dir/out" | head)"
grep -qF "offsets $lost were lost to damage" "$dir/err" || fail "no word on the gap: $(cat "$dir/err")"
echo 300 | "$tool" produce --dir="$d" --topic=t 2> /dev/null
[[ $("$tool" consume --dir="$d" --topic=t --print_offsets 2> /dev/null | tail -1) == $'0:300\t300' ]] ||
  fail "offsets after repair"
"$tool" verify --dir="$d" --topic=t > /dev/null || fail "verify after repair"

# A deleted partition directory: repair needs to be told where the partition goes on.
"$tool" create --dir="$d" --topic=two --partitions=2 > /dev/null
seq 1 20 | "$tool" produce --dir="$d" --topic=two 2> /dev/null
rm -r "$d/two/partition-1"
expect_error "--missing_partition_end" "$tool" repair --dir="$d" --topic=two
"$tool" repair --dir="$d" --topic=two --missing_partition_end=10 > "$dir/repair" ||
  fail "repair --missing_partition_end: $(cat "$dir/repair")"
grep -qF "partition 1: offsets lost: [0, 10)" "$dir/repair" || fail "repair: $(cat "$dir/repair")"
[[ $("$tool" consume --dir="$d" --topic=two 2> /dev/null | wc -l) == 10 ]] || fail "partition 0"

# A damaged topic.meta is rebuilt from the partitions' copies of the settings.
printf 'x' | dd of="$d/two/topic.meta" bs=1 seek=12 conv=notrunc 2> /dev/null
expect_error "sluice-log repair" "$tool" consume --dir="$d" --topic=two
"$tool" repair --dir="$d" --topic=two > /dev/null || fail "repair of topic.meta"
"$tool" describe --dir="$d" --topic=two | grep -q "2 partition(s)" || fail "describe after"
echo "sluice-log tool test passed"
