#include "sluice/io/log/producer_table.h"

#include <algorithm>
#include <filesystem>
#include <system_error>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "sluice/io/log/fixed_width.h"
#include "sluice/runtime/storage/crc32c.h"
#include "sluice/runtime/storage/posix_file.h"

namespace sluice::log {
namespace {

// Snapshot layout, little-endian: magic "SLPT", version (u32), entry count (u64),
// the entries (id u64, last sequence, last offset, updated ms: i64 each), then the
// CRC-32C of everything before it (u32).
constexpr uint32_t kMagic = 0x54504C53;  // "SLPT"
constexpr uint32_t kVersion = 1;
constexpr size_t kEntryBytes = 32;
constexpr size_t kFixedBytes = 4 + 4 + 8 + 4;
// Snapshots beyond this are damage (a million producers is far past any real use).
constexpr uint64_t kMaxSnapshotBytes = kFixedBytes + kEntryBytes * (uint64_t{1} << 20);

}  // namespace

bool ProducerTable::IsDuplicate(BatchProducer producer) const {
  if (producer.id == 0) return false;
  auto it = entries_.find(producer.id);
  return it != entries_.end() && producer.sequence <= it->second.last_sequence;
}

void ProducerTable::Record(BatchProducer producer, int64_t base_offset, int64_t now_ms) {
  if (producer.id == 0) return;
  Entry& entry = entries_[producer.id];
  entry.last_sequence = std::max(entry.last_sequence, producer.sequence);
  entry.last_offset = base_offset;
  entry.updated_ms = now_ms;
}

void ProducerTable::Evict() {
  if (entries_.size() <= kMaxProducers) return;
  std::vector<std::pair<int64_t, uint64_t>> by_age;  // (updated_ms, id)
  by_age.reserve(entries_.size());
  for (const auto& [id, entry] : entries_) by_age.emplace_back(entry.updated_ms, id);
  const size_t excess = entries_.size() - kMaxProducers;
  std::nth_element(by_age.begin(), by_age.begin() + static_cast<ptrdiff_t>(excess),
                   by_age.end());
  for (size_t i = 0; i < excess; ++i) entries_.erase(by_age[i].second);
}

const ProducerTable::Entry* ProducerTable::Find(uint64_t id) const {
  auto it = entries_.find(id);
  return it == entries_.end() ? nullptr : &it->second;
}

std::string ProducerTable::SnapshotPath(const std::string& dir, int64_t base_offset) {
  return absl::StrFormat("%s/%020d.producers", dir, base_offset);
}

std::string ProducerTable::Encode() const {
  // Sorted by id, so that equal tables give equal files.
  std::vector<std::pair<uint64_t, Entry>> sorted(entries_.begin(), entries_.end());
  std::sort(sorted.begin(), sorted.end(),
            [](const auto& a, const auto& b) { return a.first < b.first; });
  std::string out;
  out.reserve(kFixedBytes + kEntryBytes * sorted.size());
  PutFixed<uint32_t>(out, kMagic);
  PutFixed<uint32_t>(out, kVersion);
  PutFixed<uint64_t>(out, sorted.size());
  for (const auto& [id, entry] : sorted) {
    PutFixed<uint64_t>(out, id);
    PutFixed<int64_t>(out, entry.last_sequence);
    PutFixed<int64_t>(out, entry.last_offset);
    PutFixed<int64_t>(out, entry.updated_ms);
  }
  PutFixed<uint32_t>(out, Crc32c(out));
  return out;
}

absl::StatusOr<ProducerTable> ProducerTable::Decode(std::string_view bytes) {
  if (bytes.size() < kFixedBytes) return absl::DataLossError("it is cut short");
  const uint32_t crc = Crc32c(bytes.substr(0, bytes.size() - 4));
  std::string_view tail = bytes.substr(bytes.size() - 4);
  if (TakeFixed<uint32_t>(tail) != crc) return absl::DataLossError("CRC mismatch");
  std::string_view in = bytes.substr(0, bytes.size() - 4);
  if (TakeFixed<uint32_t>(in) != kMagic) return absl::DataLossError("bad magic number");
  if (const uint32_t version = TakeFixed<uint32_t>(in); version != kVersion) {
    return absl::FailedPreconditionError(absl::StrCat(
        "format version ", version, "; this build reads version ", kVersion));
  }
  const uint64_t count = TakeFixed<uint64_t>(in);
  if (count > in.size() / kEntryBytes || in.size() != count * kEntryBytes) {
    return absl::DataLossError(absl::StrCat(count, " entries do not fit its size"));
  }
  ProducerTable table;
  for (uint64_t i = 0; i < count; ++i) {
    const uint64_t id = TakeFixed<uint64_t>(in);
    Entry& entry = table.entries_[id];
    entry.last_sequence = TakeFixed<int64_t>(in);
    entry.last_offset = TakeFixed<int64_t>(in);
    entry.updated_ms = TakeFixed<int64_t>(in);
  }
  return table;
}

absl::Status ProducerTable::WriteSnapshot(const std::string& dir,
                                          int64_t base_offset) const {
  return WriteFileAtomically(dir, SnapshotPath(dir, base_offset), Encode(),
                             "producer_snapshot");
}

absl::StatusOr<ProducerTable> ProducerTable::ReadSnapshot(const std::string& dir,
                                                          int64_t base_offset) {
  const std::string path = SnapshotPath(dir, base_offset);
  std::error_code error;
  if (!std::filesystem::exists(path, error)) {
    return absl::NotFoundError(absl::StrCat("no producer snapshot ", path));
  }
  auto bytes = ReadWholeFile(path, kMaxSnapshotBytes);
  if (!bytes.ok()) return bytes.status();
  auto table = Decode(*bytes);
  if (!table.ok()) {
    return absl::DataLossError(absl::StrCat("producer snapshot ", path,
                                            " is damaged: ", table.status().message()));
  }
  return table;
}

}  // namespace sluice::log
