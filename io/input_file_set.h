// The files a file source reads: one file, every regular file in a directory, or the
// matches of a glob pattern, and how they are shared among parallel readers.
#pragma once

#include <cstdint>
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
};

class InputFileSet {
 public:
  // `location` is a file, a directory (its regular files, not recursing) or a glob(3)
  // pattern (its matches that are regular files). Files are sorted by path. NotFound,
  // naming `location`, if it does not exist or the pattern matches no file; an
  // existing empty directory is an empty set.
  static absl::StatusOr<InputFileSet> Resolve(const std::string& location);

  const std::vector<InputFile>& files() const { return files_; }

  // The files parallel reader `instance` of `parallelism` reads, sorted by path. Whole
  // files are dealt out largest first, each to the reader with the fewest bytes so
  // far, so the shares differ by at most about one file. Every reader
  // computes the same assignment on its own, without talking to the others.
  std::vector<InputFile> ShareOf(int instance, int parallelism) const;

 private:
  explicit InputFileSet(std::vector<InputFile> files) : files_(std::move(files)) {}
  std::vector<InputFile> files_;
};

}  // namespace sluice
