// Appends bad input records, with why and where they were rejected, to one JSON-lines
// file shared by all parallel readers of a source.
#pragma once

#include <cstdint>
#include <cstdio>
#include <mutex>
#include <string>
#include <string_view>

#include "absl/status/status.h"

namespace sluice {

// Each line of the file is one object:
//   {"file":"in/a.csv","line":7,"reason":"expected 3 fields, found 2","record":"1,2"}
// A record that is not valid UTF-8 cannot be a JSON string; it is written as
// "record_base64" instead, so its exact bytes can still be recovered.
//
// Thread-safe. Readers Attach() in Open and Detach() in Close: the first attach
// creates (truncates) the file and the last detach closes it, so one job's dead
// letters end up together in one file.
class DeadLetterWriter {
 public:
  explicit DeadLetterWriter(std::string path) : path_(std::move(path)) {}
  ~DeadLetterWriter();
  DeadLetterWriter(const DeadLetterWriter&) = delete;
  DeadLetterWriter& operator=(const DeadLetterWriter&) = delete;

  absl::Status Attach();
  absl::Status Write(std::string_view file, uint64_t line, std::string_view reason,
                     std::string_view record);
  // Flushes and, for the last reader, closes the file; the error names the path.
  absl::Status Detach();

  const std::string& path() const { return path_; }

 private:
  absl::Status CloseLocked();

  const std::string path_;
  std::mutex mutex_;
  std::FILE* file_ = nullptr;
  int attached_ = 0;
  std::string line_;
};

}  // namespace sluice
