#include "sluice/io/log/log_config.h"

#include "absl/strings/str_cat.h"
#include "sluice/io/log/log_segment.h"

namespace sluice::log {

absl::Status LogConfig::Validate() const {
  if (partitions < 1 || partitions > 100000) {
    return absl::InvalidArgumentError(
        absl::StrCat("partitions must be in [1, 100000], not ", partitions));
  }
  if (segment_bytes < 4096 || segment_bytes > LogSegment::kMaxBytes) {
    return absl::InvalidArgumentError(absl::StrCat("segment_bytes must be in [4096, ",
                                                   LogSegment::kMaxBytes, "], not ",
                                                   segment_bytes));
  }
  if (index_interval_bytes < 64) {
    return absl::InvalidArgumentError(absl::StrCat(
        "index_interval_bytes must be at least 64, not ", index_interval_bytes));
  }
  if (retention_bytes < -1) {
    return absl::InvalidArgumentError(absl::StrCat(
        "retention_bytes must be -1 (keep all) or >= 0, not ", retention_bytes));
  }
  if (retention_ms < -1) {
    return absl::InvalidArgumentError(
        absl::StrCat("retention_ms must be -1 (keep all) or >= 0, not ", retention_ms));
  }
  if (fsync == FsyncPolicy::kInterval && fsync_interval_ms < 1) {
    return absl::InvalidArgumentError(
        absl::StrCat("fsync_interval_ms must be at least 1, not ", fsync_interval_ms));
  }
  return absl::OkStatus();
}

absl::StatusOr<FsyncPolicy> ParseFsyncPolicy(const std::string& name) {
  if (name == "batch") return FsyncPolicy::kEveryBatch;
  if (name == "interval") return FsyncPolicy::kInterval;
  if (name == "os") return FsyncPolicy::kNone;
  return absl::InvalidArgumentError(
      absl::StrCat("unknown fsync policy '", name, "': expected batch, interval or os"));
}

const char* FsyncPolicyName(FsyncPolicy policy) {
  switch (policy) {
    case FsyncPolicy::kEveryBatch:
      return "batch";
    case FsyncPolicy::kInterval:
      return "interval";
    case FsyncPolicy::kNone:
      return "os";
  }
  return "?";
}

}  // namespace sluice::log
