// Follows a growing text file the way `tail -F` does, for application logs: returns
// each complete line once, in order, across rotation (the file renamed away and a new
// one created at the path) and truncation (copytruncate). Its position (which file,
// by device and inode, and the offset after the last complete line) is what a
// checkpoint stores to resume exactly there.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <tuple>
#include <vector>

#include "absl/status/status.h"
#include "sluice/runtime/default_init_allocator.h"
#include "sluice/runtime/storage/posix_file.h"

namespace sluice {

class LineFollower {
 public:
  struct Position {
    uint64_t device = 0;
    uint64_t inode = 0;
    int64_t offset = 0;  // after the last line returned
    auto Fields() { return std::tie(device, inode, offset); }
  };
  using Warning = std::function<void(std::string_view)>;

  // Starts at the beginning of the file at `path` (or at its end with `from_end`),
  // or, with `resume`, at a position taken earlier. A resumed file that has been
  // rotated away is found as `<path>.1` (logrotate's first name) and read to its end
  // first; if it is gone, its unread lines are lost and `warn` says so. A missing file
  // is waited for.
  LineFollower(std::string path, bool from_end, const Position* resume, Warning warn);

  // Opens the file now if it is there (else the first Poll that finds it does), so
  // that a rotation between now and the first Poll does not skip the file that was
  // there at the start.
  absl::Status Start();

  // Appends the lines completed since the last call (without their "\n"; a "\r"
  // before it is kept) to `lines`, at most about `max_lines`. Never blocks. A rotated
  // file's last line without "\n" counts as complete once the new file is there.
  absl::Status Poll(size_t max_lines, BatchVector<std::string>* lines);

  Position position() const { return position_; }

  // Tests: runs `hook` each time a Poll has read the open file to its end, before it
  // looks for a rotation (the moment a writer's last lines and rename can slip in).
  void SetEndOfFileHookForTest(std::function<void()> hook) {
    end_of_file_hook_ = std::move(hook);
  }

 private:
  struct Identity {
    uint64_t device = 0, inode = 0;
    bool operator==(const Identity&) const = default;
  };
  absl::Status OpenAt(const std::string& path, int64_t offset);
  // The resumed file, or the one at the path, if nothing is open yet.
  absl::Status OpenIfClosed();
  // Reads what the open file has past `read_offset_`; splits lines off `partial_`.
  absl::Status ReadNew(size_t max_lines, BatchVector<std::string>* lines, bool* at_end);
  absl::Status CheckRotationOrTruncation(size_t max_lines,
                                         BatchVector<std::string>* lines, bool* switched);

  std::string path_;
  Warning warn_;
  bool from_end_;
  PosixFile file_;
  Identity identity_;
  int64_t read_offset_ = 0;  // bytes of the open file read so far
  std::string partial_;      // read, not yet ended by "\n"
  std::string buffer_;       // for reads
  Position position_;
  bool resume_pending_ = false;
  Position resume_;
  std::function<void()> end_of_file_hook_;
  // The path names another file than the open one, and the open one has been read
  // again since: at its end next, move on.
  bool rotation_seen_ = false;
};

}  // namespace sluice
