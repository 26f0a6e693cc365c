// One thing wrong with a log on disk, as readers, the writer and `sluice-log verify`
// report it: the file or directory, the byte position in it, the offsets it costs.
#pragma once

#include <cstdint>
#include <string>

#include "absl/strings/str_cat.h"
#include "sluice/io/log/offset_range.h"

namespace sluice::log {

struct LogProblem {
  std::string path;
  int64_t position = -1;  // -1: not a position in a file
  OffsetRange lost;       // empty: no record lost
  std::string what;
  // Not damage: something a writer sets right by itself (a torn last append).
  bool note = false;

  // "<path> is damaged at position <p>: <what>; offsets [a, b) lost".
  std::string ToString() const {
    std::string out = path;
    if (position >= 0) {
      absl::StrAppend(&out, note ? " at position " : " is damaged at position ",
                      position);
    }
    absl::StrAppend(&out, ": ", what);
    if (lost.to == OffsetRange::kUnknownEnd) {
      absl::StrAppend(&out, "; offsets from ", lost.from,
                      " on lost (the end is unknown)");
    } else if (!lost.empty()) {
      absl::StrAppend(&out, "; offsets ", lost.ToString(), " lost");
    } else if (!note) {
      absl::StrAppend(&out, "; no record lost");
    }
    return out;
  }
};

}  // namespace sluice::log
