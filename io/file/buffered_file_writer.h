// Writes a file through a large buffer and reports failures with the path, for the
// file sinks.
#pragma once

#include <cstdio>
#include <string>
#include <string_view>

#include "absl/status/status.h"

namespace sluice {

// Not thread-safe; one per sink instance.
class BufferedFileWriter {
 public:
  BufferedFileWriter() = default;
  ~BufferedFileWriter();
  BufferedFileWriter(const BufferedFileWriter&) = delete;
  BufferedFileWriter& operator=(const BufferedFileWriter&) = delete;

  // Creates or truncates `path`.
  absl::Status Open(const std::string& path);
  // A write error is kept (later writes are dropped), returned by status() and
  // Close().
  void Write(std::string_view data);
  // The first error seen since Open, naming the path.
  const absl::Status& status() const { return status_; }
  // Flushes and closes; the first error seen since Open, naming the path. OK if the
  // file was never opened.
  absl::Status Close();

 private:
  void Fail(int error_number);

  std::FILE* file_ = nullptr;
  std::string path_;
  absl::Status status_;
};

}  // namespace sluice
