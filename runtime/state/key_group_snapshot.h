// Reads and writes the FlatBuffers envelope of a key group's state
// (key_group_snapshot.fbs): identifies the key group and the types, and carries the
// encoded (key, state) entries as one byte blob, so writing a snapshot costs one
// pass over the entries and reading one verification of the envelope.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"

namespace sluice {

class KeyGroupSnapshot {
 public:
  static constexpr uint32_t kFormatVersion = 1;

  struct Header {
    int key_group = 0;
    int key_group_count = 0;
    std::string_view key_type;
    std::string_view state_type;
    uint64_t entry_count = 0;
  };

  static std::string Encode(const Header& header, std::string_view entries);

  // Verifies the envelope (identifier, structure, version). The result's views
  // point into `bytes`.
  static absl::StatusOr<KeyGroupSnapshot> Decode(std::string_view bytes);

  const Header& header() const { return header_; }
  std::string_view entries() const { return entries_; }

 private:
  Header header_;
  std::string_view entries_;
  // A copy of the bytes when they were not 8-byte aligned (FlatBuffers reads fields
  // in place); the views point into it. Heap storage: moving keeps it in place.
  std::shared_ptr<std::vector<uint64_t>> aligned_;
};

}  // namespace sluice
