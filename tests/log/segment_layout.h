// The batches of a partition's segment files, found by walking the files with the
// documented batch format (docs/EVENT_LOG.md: body length at bytes 8-11, record count
// at 12-15, base offset at 16-23), not through io/log: damage tests use it to pick the
// bytes they damage and to work out by hand which offsets that loses.
#pragma once

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <string>
#include <vector>

#include "sluice/tests/io/scratch_directory.h"

namespace sluice::log::testing {

struct BatchAt {
  std::string file;  // the segment file holding it
  uint64_t position = 0;
  uint64_t size = 0;
  int64_t base = 0;
  uint32_t count = 0;
  int64_t end() const { return base + count; }
};

// The ".log" files of `dir`, sorted (their names are zero-padded base offsets).
inline std::vector<std::string> SegmentLogs(const std::string& dir) {
  std::vector<std::string> files;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    if (entry.path().extension() == ".log") files.push_back(entry.path().string());
  }
  std::sort(files.begin(), files.end());
  return files;
}

// Every batch of every segment of the (undamaged) partition in `dir`, in order.
inline std::vector<BatchAt> SegmentLayout(const std::string& dir) {
  std::vector<BatchAt> batches;
  for (const std::string& file : SegmentLogs(dir)) {
    const std::string bytes = sluice::testing::ScratchDirectory::Read(file);
    for (uint64_t at = 0; at + 40 <= bytes.size();) {
      BatchAt batch;
      uint32_t body = 0;
      std::memcpy(&body, bytes.data() + at + 8, 4);
      std::memcpy(&batch.count, bytes.data() + at + 12, 4);
      std::memcpy(&batch.base, bytes.data() + at + 16, 8);
      batch.file = file;
      batch.position = at;
      batch.size = 40 + uint64_t{body};
      batches.push_back(batch);
      at += batch.size;
    }
  }
  return batches;
}

// The batch whose first offset is `base`.
inline BatchAt BatchStartingAt(const std::vector<BatchAt>& layout, int64_t base) {
  for (const BatchAt& batch : layout) {
    if (batch.base == base) return batch;
  }
  ADD_FAILURE() << "no batch starts at offset " << base;
  return BatchAt{};
}

// Flips one bit of the byte at `position` of `file`.
inline void FlipByte(const std::string& file, uint64_t position) {
  std::string bytes = sluice::testing::ScratchDirectory::Read(file);
  ASSERT_LT(position, bytes.size()) << file;
  bytes[position] ^= 0x10;
  std::ofstream out(file, std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

}  // namespace sluice::log::testing
