// Salvages a segment file for `sluice-log repair`: keeps its intact batches, each run
// of consecutive ones as a segment file of its own (offsets are never renumbered, so
// damage splits a segment), and sets the original file aside in the partition's
// damaged/ directory, every byte of it. Nothing is deleted.
//
// Crash safety: the runs are written to staging files "<base>.log.repair-<run base>"
// and synced, the original's index (derived data) is removed, the original is moved
// to damaged/ (the commit point), then the staging files are renamed into place, the
// one named after the original last. FinishInterrupted completes a salvage a crash
// cut short: with the original still in place it drops the staging files (the next
// salvage starts over); without it, it renames them into place.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "sluice/io/log/offset_range.h"

namespace sluice::log {

class SegmentSalvage {
 public:
  static constexpr std::string_view kStagingInfix = ".log.repair-";

  struct Result {
    std::vector<OffsetRange> kept;  // the offsets of the segment files left, ascending
    std::vector<std::string> done;  // what was done, a line each
  };
  // Salvages segment `base` of the partition in `dir` (whose writer lock the caller
  // holds). `last`: the partition's last segment, whose tail is an unfinished append;
  // if none of its batches is intact an empty segment takes its place, so that the
  // offsets go on from its base. A whole segment is left as it is (only an .index that
  // does not match its batches is removed, for the writer's open to rebuild).
  static absl::StatusOr<Result> Salvage(const std::string& dir, int64_t base,
                                        uint32_t index_interval, bool last);
  // See the file comment; returns what was done, a line each.
  static absl::StatusOr<std::vector<std::string>> FinishInterrupted(
      const std::string& dir);
  // Moves `path` into `dir`/damaged/ under its own name (with ".1", ".2"... if that
  // is taken); returns where it went.
  static absl::StatusOr<std::string> SetAside(const std::string& dir,
                                              const std::string& path);
};

}  // namespace sluice::log
