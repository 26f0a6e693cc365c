#include "io/log/partition_meta.h"

#include <algorithm>
#include <cstring>
#include <filesystem>
#include <system_error>

#include "absl/strings/str_cat.h"
#include "runtime/storage/crc32c.h"
#include "runtime/storage/posix_file.h"

namespace sluice::log {
namespace {

constexpr uint32_t kMagic = 0x4D504C53;  // "SLPM"
constexpr uint32_t kVersion = 1;
constexpr size_t kFixedBytes = 4 + 4 + 48 + 8 + 8 + 4;
constexpr size_t kRangeBytes = 16;
// Files beyond this are damage: a million repaired gaps is far past any real log.
constexpr uint64_t kMaxBytes = kFixedBytes + kRangeBytes * (uint64_t{1} << 20);

template <class T>
void Put(std::string& out, T value) {
  out.append(reinterpret_cast<const char*>(&value), sizeof(T));
}
template <class T>
T Take(std::string_view& in) {
  T value;
  std::memcpy(&value, in.data(), sizeof(T));
  in.remove_prefix(sizeof(T));
  return value;
}

uint32_t FsyncCode(FsyncPolicy policy) {
  return policy == FsyncPolicy::kEveryBatch ? 0
         : policy == FsyncPolicy::kInterval ? 1
                                            : 2;
}

// The settings as Encode wrote them; false for an unknown fsync code.
bool TakeConfig(std::string_view& in, LogConfig* config) {
  config->partitions = Take<int32_t>(in);
  config->index_interval_bytes = Take<uint32_t>(in);
  config->segment_bytes = Take<uint64_t>(in);
  config->retention_bytes = Take<int64_t>(in);
  config->retention_ms = Take<int64_t>(in);
  const uint32_t fsync = Take<uint32_t>(in);
  Take<uint32_t>(in);
  config->fsync_interval_ms = Take<int64_t>(in);
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
  Put<uint32_t>(out, kMagic);
  Put<uint32_t>(out, kVersion);
  Put<int32_t>(out, config.partitions);
  Put<uint32_t>(out, config.index_interval_bytes);
  Put<uint64_t>(out, config.segment_bytes);
  Put<int64_t>(out, config.retention_bytes);
  Put<int64_t>(out, config.retention_ms);
  Put<uint32_t>(out, FsyncCode(config.fsync));
  Put<uint32_t>(out, 0);
  Put<int64_t>(out, config.fsync_interval_ms);
  Put<int64_t>(out, start_offset);
  Put<uint32_t>(out, static_cast<uint32_t>(lost.size()));
  Put<uint32_t>(out, 0);
  for (const OffsetRange& r : lost) {
    Put<int64_t>(out, r.from);
    Put<int64_t>(out, r.to);
  }
  Put<uint32_t>(out, Crc32c(out));
  return out;
}

absl::StatusOr<PartitionMeta> PartitionMeta::Decode(std::string_view bytes) {
  if (bytes.size() < kFixedBytes) return absl::DataLossError("it is cut short");
  std::string_view tail = bytes.substr(bytes.size() - 4);
  std::string_view in = bytes.substr(0, bytes.size() - 4);
  if (Take<uint32_t>(tail) != Crc32c(in)) return absl::DataLossError("CRC mismatch");
  if (Take<uint32_t>(in) != kMagic) return absl::DataLossError("bad magic number");
  if (const uint32_t version = Take<uint32_t>(in); version != kVersion) {
    return absl::FailedPreconditionError(absl::StrCat(
        "format version ", version, "; this build reads version ", kVersion));
  }
  PartitionMeta meta;
  if (!TakeConfig(in, &meta.config)) return absl::DataLossError("unknown fsync policy");
  if (absl::Status s = meta.config.Validate(); !s.ok()) {
    return absl::DataLossError(s.message());
  }
  meta.start_offset = Take<int64_t>(in);
  const uint32_t count = Take<uint32_t>(in);
  Take<uint32_t>(in);
  if (in.size() != uint64_t{count} * kRangeBytes || meta.start_offset < 0) {
    return absl::DataLossError(absl::StrCat(count, " lost ranges do not fit its size"));
  }
  for (uint32_t i = 0; i < count; ++i) {
    OffsetRange r{Take<int64_t>(in), 0};
    r.to = Take<int64_t>(in);
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
