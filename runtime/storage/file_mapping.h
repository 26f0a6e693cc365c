// A read-only shared memory mapping of a file, so readers of the event log parse
// batches where the page cache holds them instead of copying them out first.
#pragma once

#include <cstddef>
#include <memory>
#include <string>

#include "absl/status/statusor.h"

namespace sluice {

class FileMapping {
 public:
  // Maps `length` bytes of the open file `fd` (named `path` in errors). The mapping
  // may reach past the file's end, for a file still growing: only bytes the file has
  // may be touched (others fault).
  static absl::StatusOr<std::shared_ptr<const FileMapping>> Map(int fd,
                                                                const std::string& path,
                                                                size_t length);
  ~FileMapping();
  FileMapping(const FileMapping&) = delete;
  FileMapping& operator=(const FileMapping&) = delete;

  const char* data() const { return data_; }
  size_t length() const { return length_; }

 private:
  FileMapping(const char* data, size_t length) : data_(data), length_(length) {}
  const char* data_;
  size_t length_;
};

}  // namespace sluice
