// Where a file sink writes: one merged file, or one file per parallel instance in a
// directory (part-<instance>.<extension>), which lets instances write without locks.
#pragma once

#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace sluice {

class SinkFileLayout {
 public:
  static SinkFileLayout SingleFile(std::string path) {
    return SinkFileLayout(std::move(path), "", false);
  }
  static SinkFileLayout FilePerInstance(std::string directory, std::string extension) {
    return SinkFileLayout(std::move(directory), std::move(extension), true);
  }

  bool per_instance() const { return per_instance_; }

  // When the job is built. A single file's directory must exist; a per-instance
  // directory is created if missing, but must not be an existing regular file.
  absl::Status Validate() const;
  // The file instance `instance` writes, creating the directory if needed.
  absl::StatusOr<std::string> PrepareFile(int instance) const;

 private:
  SinkFileLayout(std::string path, std::string extension, bool per_instance)
      : path_(std::move(path)),
        extension_(std::move(extension)),
        per_instance_(per_instance) {}

  std::string path_;
  std::string extension_;
  bool per_instance_;
};

}  // namespace sluice
