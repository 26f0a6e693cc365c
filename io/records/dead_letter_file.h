// One dead-letter file open in this process, shared by every writer that names it, so
// two sources given the same path append to one file instead of overwriting each other.
#pragma once

#include <sys/types.h>

#include <cstdio>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace sluice {

// Thread-safe. Files are told apart by device and inode, so two spellings of one path
// (a relative and an absolute one, a symbolic link) share one file too.
class DeadLetterFile {
 public:
  // The file at `path` for one more reader: the open one if any reader in this
  // process has it open, otherwise opened and emptied (a regular file; a pipe or a
  // terminal is written as it is). The error names the path.
  static absl::StatusOr<std::shared_ptr<DeadLetterFile>> Attach(const std::string& path);

  ~DeadLetterFile();
  DeadLetterFile(const DeadLetterFile&) = delete;
  DeadLetterFile& operator=(const DeadLetterFile&) = delete;

  // Appends whole lines; the error names the path.
  absl::Status Append(std::string_view lines);
  // One reader is done: flushes, and the last one closes the file (reporting any
  // write error that closing reveals). The caller drops its pointer afterwards.
  absl::Status Detach();

 private:
  DeadLetterFile(std::string path, std::FILE* file, dev_t device, ino_t inode)
      : path_(std::move(path)), file_(file), device_(device), inode_(inode) {}
  absl::Status WriteError(int error) const;

  const std::string path_;
  std::mutex mutex_;
  std::FILE* file_;
  const dev_t device_;
  const ino_t inode_;
  int attached_ = 1;
};

}  // namespace sluice
