// A range of offsets of a log partition, [from, to), as damage reports and the
// partition's record of lost offsets (partition_meta.h) name them.
#pragma once

#include <cstdint>
#include <string>

#include "absl/strings/str_cat.h"

namespace sluice::log {

struct OffsetRange {
  // `to` for a range whose end nobody knows (the segments holding it are gone).
  static constexpr int64_t kUnknownEnd = -1;

  int64_t from = 0;
  int64_t to = 0;

  bool empty() const { return to != kUnknownEnd && to <= from; }
  bool Contains(int64_t offset) const {
    return offset >= from && (to == kUnknownEnd || offset < to);
  }
  // "[from, to)", or "[from, ?)" when the end is unknown.
  std::string ToString() const {
    return to == kUnknownEnd ? absl::StrCat("[", from, ", ?)")
                             : absl::StrCat("[", from, ", ", to, ")");
  }
  bool operator==(const OffsetRange&) const = default;
};

}  // namespace sluice::log
