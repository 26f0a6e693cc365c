// The files a file source reads: one file, every regular file in a directory, or the
// matches of a glob pattern, and how they are shared among parallel readers.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include "absl/status/statusor.h"

namespace sluice {

struct InputFile {
  std::string path;
  uint64_t size = 0;  // bytes, for balancing; 0 for pipes and devices
  // Its place in the set (sorted by path), the same in every reader: the split id of
  // a file source reading overlapping files.
  int32_t index = 0;
  // False for a named pipe or a device given as the location itself: it cannot be
  // opened just to check it (that would take a writer's data or block).
  bool regular = true;
  // Identity of the file (stat), to recognise it under another name.
  dev_t device = 0;
  ino_t inode = 0;
  // The byte range of the file to read: the lines that start in [begin, end). A
  // large file is cut into ranges that parallel readers share (ShareOf).
  uint64_t begin = 0;
  uint64_t end = std::numeric_limits<uint64_t>::max();
  bool whole() const { return begin == 0 && end == std::numeric_limits<uint64_t>::max(); }
};

// How ShareOf may cut files into byte ranges.
struct FileSplitting {
  bool enabled = false;  // only for formats whose records never span lines
  // No range is smaller than this: a reader's start-up (finding its first line,
  // counting the lines before it) stays small next to its share.
  uint64_t min_range_bytes = 1 << 20;
};

class InputFileSet {
 public:
  // `location` is a file, a directory (its regular files, not recursing) or a glob(3)
  // pattern (its matches that are regular files). Files are sorted by path. NotFound,
  // naming `location`, if it does not exist or the pattern matches no file; an
  // existing empty directory is an empty set. Input that cannot be read never
  // vanishes from the set: an entry of the directory or a match of the pattern that
  // cannot be examined (no search permission, a dangling symbolic link), a directory
  // on the pattern's way that cannot be read, and an entry that is neither a regular
  // file nor a directory (a FIFO, a socket, a device) are errors naming the path.
  // Subdirectories of a directory and directories a pattern matches are skipped.
  static absl::StatusOr<InputFileSet> Resolve(const std::string& location);

  const std::vector<InputFile>& files() const { return files_; }

  // True if the file at `path` is one of the files, or would be one if it existed
  // (a file directly in the directory, a match of the pattern). For outputs that
  // must never be read back as input, such as a dead-letter file.
  bool Covers(const std::string& path) const;

  // The files parallel reader `instance` of `parallelism` reads, sorted by path and
  // range. Files (or, with `splitting`, byte ranges of files larger than a reader's
  // fair share of bytes, each at least `min_range_bytes`) are dealt out largest
  // first, each to the reader with the fewest bytes so far, so the shares differ by
  // at most about one piece. Every reader computes the same assignment on its own,
  // without talking to the others.
  std::vector<InputFile> ShareOf(int instance, int parallelism,
                                 FileSplitting splitting = {}) const;

 private:
  enum class Kind { kFile, kDirectory, kPattern };

  InputFileSet(std::string location, Kind kind, std::vector<InputFile> files)
      : location_(std::move(location)), kind_(kind), files_(std::move(files)) {}

  std::string location_;
  Kind kind_;
  std::vector<InputFile> files_;
};

}  // namespace sluice
