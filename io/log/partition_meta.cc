#include "sluice/io/log/partition_meta.h"

#include <algorithm>
#include <filesystem>
#include <system_error>

#include "absl/strings/str_cat.h"
#include "sluice/io/log/fixed_width.h"
#include "sluice/runtime/storage/crc32c.h"
#include "sluice/runtime/storage/posix_file.h"

namespace sluice::log {
namespace {

constexpr uint32_t kMagic = 0x4D504C53;  // "SLPM"
constexpr uint32_t kVersion = 1;
constexpr size_t kFixedBytes = 4 + 4 + 48 + 8 + 8 + 4;
constexpr size_t kRangeBytes = 16;
// Files beyond this are damage: a million repaired gaps is far past any real log.
constexpr uint64_t kMaxBytes = kFixedBytes + kRangeBytes * (uint64_t{1} << 20);

uint32_t FsyncCode(FsyncPolicy policy) {
  return policy == FsyncPolicy::kEveryBatch ? 0
         : policy == FsyncPolicy::kInterval ? 1
                                            : 2;
}

// The settings as Encode wrote them; false for an unknown fsync code.
bool TakeConfig(std::string_view& in, LogConfig* config) {
  config->partitions = TakeFixed<int32_t>(in);
  config->index_interval_bytes = TakeFixed<uint32_t>(in);
  config->segment_bytes = TakeFixed<uint64_t>(in);
  config->retention_bytes = TakeFixed<int64_t>(in);
  config->retention_ms = TakeFixed<int64_t>(in);
  const uint32_t fsync = TakeFixed<uint32_t>(in);
  TakeFixed<uint32_t>(in);
  config->fsync_interval_ms = TakeFixed<int64_t>(in);
  if (fsync > 2) return false;
  config->fsync = fsync == 0   ? FsyncPolicy::kEveryBatch
                  : fsync == 1 ? FsyncPolicy::kInterval
                               : FsyncPolicy::kNone;
  return true;
}

}  // namespace

std::string PartitionMeta::Path(const std::string& dir) {
  return absl::StrCat(dir, "/partition.meta");
}

bool PartitionMeta::Covers(const OffsetRange& range) const {
  if (range.empty()) return true;
  if (range.to == OffsetRange::kUnknownEnd) return false;
  return std::any_of(lost.begin(), lost.end(), [&](const OffsetRange& r) {
    return r.from <= range.from && range.to <= r.to;
  });
}

void PartitionMeta::AddLost(const OffsetRange& range) {
  if (range.empty() || range.to == OffsetRange::kUnknownEnd) return;
  OffsetRange merged = range;
  std::vector<OffsetRange> kept;
  for (const OffsetRange& r : lost) {
    if (r.to < merged.from || r.from > merged.to) {
      kept.push_back(r);
    } else {
      merged = {std::min(r.from, merged.from), std::max(r.to, merged.to)};
    }
  }
  kept.push_back(merged);
  std::sort(kept.begin(), kept.end(),
            [](const OffsetRange& a, const OffsetRange& b) { return a.from < b.from; });
  lost = std::move(kept);
}

void PartitionMeta::ForgetBefore(int64_t offset) {
  std::vector<OffsetRange> kept;
  for (OffsetRange r : lost) {
    if (r.to <= offset) continue;
    r.from = std::max(r.from, offset);
    kept.push_back(r);
  }
  lost = std::move(kept);
}

std::string PartitionMeta::Encode() const {
  std::string out;
  out.reserve(kFixedBytes + kRangeBytes * lost.size());
  PutFixed<uint32_t>(out, kMagic);
  PutFixed<uint32_t>(out, kVersion);
  PutFixed<int32_t>(out, config.partitions);
  PutFixed<uint32_t>(out, config.index_interval_bytes);
  PutFixed<uint64_t>(out, config.segment_bytes);
  PutFixed<int64_t>(out, config.retention_bytes);
  PutFixed<int64_t>(out, config.retention_ms);
  PutFixed<uint32_t>(out, FsyncCode(config.fsync));
  PutFixed<uint32_t>(out, 0);
  PutFixed<int64_t>(out, config.fsync_interval_ms);
  PutFixed<int64_t>(out, start_offset);
  PutFixed<uint32_t>(out, static_cast<uint32_t>(lost.size()));
  PutFixed<uint32_t>(out, 0);
  for (const OffsetRange& r : lost) {
    PutFixed<int64_t>(out, r.from);
    PutFixed<int64_t>(out, r.to);
  }
  PutFixed<uint32_t>(out, Crc32c(out));
  return out;
}

absl::StatusOr<PartitionMeta> PartitionMeta::Decode(std::string_view bytes) {
  if (bytes.size() < kFixedBytes) return absl::DataLossError("it is cut short");
  std::string_view tail = bytes.substr(bytes.size() - 4);
  std::string_view in = bytes.substr(0, bytes.size() - 4);
  if (TakeFixed<uint32_t>(tail) != Crc32c(in)) return absl::DataLossError("CRC mismatch");
  if (TakeFixed<uint32_t>(in) != kMagic) return absl::DataLossError("bad magic number");
  if (const uint32_t version = TakeFixed<uint32_t>(in); version != kVersion) {
    return absl::FailedPreconditionError(absl::StrCat(
        "format version ", version, "; this build reads version ", kVersion));
  }
  PartitionMeta meta;
  if (!TakeConfig(in, &meta.config)) return absl::DataLossError("unknown fsync policy");
  if (absl::Status s = meta.config.Validate(); !s.ok()) {
    return absl::DataLossError(s.message());
  }
  meta.start_offset = TakeFixed<int64_t>(in);
  const uint32_t count = TakeFixed<uint32_t>(in);
  TakeFixed<uint32_t>(in);
  if (in.size() != uint64_t{count} * kRangeBytes || meta.start_offset < 0) {
    return absl::DataLossError(absl::StrCat(count, " lost ranges do not fit its size"));
  }
  for (uint32_t i = 0; i < count; ++i) {
    OffsetRange r{TakeFixed<int64_t>(in), 0};
    r.to = TakeFixed<int64_t>(in);
    if (r.from < 0 || r.to <= r.from || (i > 0 && r.from <= meta.lost.back().to)) {
      return absl::DataLossError(
          absl::StrCat("lost range ", r.ToString(), " is invalid"));
    }
    meta.lost.push_back(r);
  }
  return meta;
}

absl::Status PartitionMeta::Write(const std::string& dir) const {
  return WriteFileAtomically(dir, Path(dir), Encode(), "partition_meta");
}

absl::StatusOr<PartitionMeta> PartitionMeta::Read(const std::string& dir) {
  const std::string path = Path(dir);
  std::error_code error;
  if (!std::filesystem::exists(path, error)) {
    return absl::NotFoundError(absl::StrCat("no partition metadata ", path));
  }
  auto bytes = ReadWholeFile(path, kMaxBytes);
  if (!bytes.ok()) return bytes.status();
  auto meta = Decode(*bytes);
  if (!meta.ok()) {
    return absl::Status(meta.status().code(),
                        absl::StrCat("partition metadata ", path,
                                     " is damaged: ", meta.status().message()));
  }
  return meta;
}

}  // namespace sluice::log
