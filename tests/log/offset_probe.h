// What a reader gets at each offset of a (damaged) partition holding MakeRecord(i) at
// offset i, summed up as runs ("ok[0,120) loss[120,130) ok[130,220)") that damage tests
// compare with the runs they work out by hand.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "sluice/io/log/log_partition.h"
#include "sluice/tests/log/log_test_records.h"

namespace sluice::log::testing {

// One offset's outcome: "ok" (its own record), "loss" (DataLoss), "skip" (the read
// passed over it as lost to a later record or the end), "wrong" (another record) or
// the error's code.
inline std::string ProbeOffset(const LogPartition& partition, int64_t offset) {
  LogChunk chunk;
  absl::Status status = partition.Read(offset, 1, &chunk);
  if (absl::IsDataLoss(status)) return "loss";
  if (!status.ok()) return absl::StatusCodeToString(status.code());
  if (chunk.lost().Contains(offset)) return "skip";
  int64_t first = -1;
  bool same = false;
  chunk.ForEach([&](const LogRecordView& view) {
    if (first >= 0) return;
    first = view.offset();
    same = FromView(view) == MakeRecord(view.offset());
  });
  if (first < 0) return "empty";
  return same && first == offset ? "ok" : "wrong";
}

// Each offset in [from, to) probed, as runs of equal outcomes.
inline std::string Probe(const LogPartition& partition, int64_t from, int64_t to) {
  std::string runs;
  std::string current;
  int64_t run_start = from;
  for (int64_t offset = from; offset <= to; ++offset) {
    std::string outcome = offset < to ? ProbeOffset(partition, offset) : "";
    if (offset > from && outcome != current) {
      absl::StrAppend(&runs, runs.empty() ? "" : " ", current, "[", run_start, ",",
                      offset, ")");
      run_start = offset;
    }
    current = std::move(outcome);
  }
  return runs;
}

// Reads on from `offset` in reads of `max_bytes` until the end or an error: the
// records read and the status that stopped it.
inline std::pair<std::vector<ModelRecord>, absl::Status> ReadUntilError(
    const LogPartition& partition, int64_t offset, size_t max_bytes = 1 << 20) {
  std::vector<ModelRecord> records;
  LogChunk chunk;
  while (offset < partition.end_offset()) {
    absl::Status status = partition.Read(offset, max_bytes, &chunk);
    if (!status.ok()) return {records, status};
    chunk.ForEach([&](const LogRecordView& view) { records.push_back(FromView(view)); });
    if (chunk.next_offset() <= offset)
      return {records, absl::InternalError("no progress")};
    offset = chunk.next_offset();
  }
  return {records, absl::OkStatus()};
}

}  // namespace sluice::log::testing
