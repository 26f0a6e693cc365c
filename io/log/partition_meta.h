// A partition's record of its own offsets, `<partition>/partition.meta`: the offset
// its records start at (retention moves it), the offset ranges `sluice-log repair`
// recorded as lost, and a copy of the topic's settings (so that a damaged topic.meta
// can be rebuilt). Without it a deleted first segment would look like retention.
//
// Layout, little-endian: magic "SLPM", version (u32), the settings (partitions i32,
// index interval u32, segment bytes u64, retention bytes i64, retention ms i64, fsync
// policy u32, 4 zero bytes, fsync interval ms i64), the start offset (i64), the count
// of lost ranges (u32), 4 zero bytes, the ranges (from, to: i64 each), then the
// CRC-32C of everything before it (u32). Written through a temporary file, fsync and
// rename.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "sluice/io/log/log_config.h"
#include "sluice/io/log/offset_range.h"

namespace sluice::log {

struct PartitionMeta {
  LogConfig config;
  int64_t start_offset = 0;
  // Sorted, disjoint, none empty, none with an unknown end.
  std::vector<OffsetRange> lost;

  static std::string Path(const std::string& dir);
  // Whether every offset of `range` was recorded as lost.
  bool Covers(const OffsetRange& range) const;
  // Records `range` as lost, merging it with the ranges it touches.
  void AddLost(const OffsetRange& range);
  // Forgets lost offsets before `offset` (retention deleted what surrounded them).
  void ForgetBefore(int64_t offset);

  std::string Encode() const;
  // DataLoss saying what is wrong.
  static absl::StatusOr<PartitionMeta> Decode(std::string_view bytes);
  absl::Status Write(const std::string& dir) const;
  // NotFound when there is none; DataLoss naming the file when it is damaged.
  static absl::StatusOr<PartitionMeta> Read(const std::string& dir);
};

}  // namespace sluice::log
