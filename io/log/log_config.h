// How a topic of the embedded event log stores its partitions: segment size, the
// sparse index's spacing, retention and the fsync policy. Kept in the topic's
// metadata file, so every process opening the topic uses the same settings.
#pragma once

#include <cstdint>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace sluice::log {

enum class FsyncPolicy {
  kEveryBatch,  // fdatasync after every appended batch: nothing acknowledged is lost
  kInterval,    // on an append at least fsync_interval_ms after the last sync
  kNone,        // left to the OS (sealed segments are still synced when rolled)
};

struct LogConfig {
  int partitions = 1;
  // A partition rolls to a new segment file past this size (at most 4 GiB - 1).
  uint64_t segment_bytes = 256ull << 20;
  // One sparse index entry per this many bytes of batches.
  uint32_t index_interval_bytes = 4096;
  // Per partition; -1 keeps everything. Retention deletes whole sealed segments: the
  // segment being written is never deleted.
  int64_t retention_bytes = -1;
  // A sealed segment whose newest record timestamp (milliseconds since the epoch) is
  // older than this is deleted; -1 keeps everything.
  int64_t retention_ms = -1;
  FsyncPolicy fsync = FsyncPolicy::kInterval;
  int64_t fsync_interval_ms = 1000;

  // InvalidArgument naming the field when a value is out of range.
  absl::Status Validate() const;
  bool operator==(const LogConfig&) const = default;
};

// "batch", "interval" or "os" (as the command-line tool spells them).
absl::StatusOr<FsyncPolicy> ParseFsyncPolicy(const std::string& name);
const char* FsyncPolicyName(FsyncPolicy policy);

}  // namespace sluice::log
