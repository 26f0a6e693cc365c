// How a file source instance reads its share of the files: one after another with one
// watermark (the default), or side by side with a watermark per file.
#pragma once

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"

namespace sluice {

struct FileReading {
  // false: one file after another, one split for them all. Suits files that follow
  // each other in event time (one per day): only the current file's windows stay open.
  // true: up to `files_at_once` files open at once, a batch from each in turn, each
  // file its own split (Batch::split), every file announced before the first batch.
  // Suits files that cover the same span of event time (one per server): a file read
  // later than another holds event time back instead of finding its events late.
  bool overlapping = false;
  int files_at_once = 1;

  absl::Status Validate() const {
    if (!overlapping || files_at_once >= 1) return absl::OkStatus();
    return absl::InvalidArgumentError(
        absl::StrCat("OverlappingFiles(", files_at_once,
                     "): the number of files open at once must be at least 1"));
  }
};

}  // namespace sluice
