// Appends bad input records, with why and where they were rejected, to a JSON-lines
// dead-letter file shared by all parallel readers of a source (and by every other
// source naming the same file).
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "sluice/io/records/dead_letter_file.h"

namespace sluice {

// Each line of the file is one object:
//   {"file":"in/a.csv","line":7,"reason":"expected 3 fields, found 2","record":"1,2"}
// A record that is not valid UTF-8 cannot be a JSON string; it is written as
// "record_base64" instead, so its exact bytes can still be recovered.
//
// Thread-safe. Readers Attach() in Open and Detach() in Close. The file is emptied
// when the first reader in the process attaches and closed when the last detaches
// (DeadLetterFile), so one run's dead letters end up together in one file, whichever
// sources sent them.
class DeadLetterWriter {
 public:
  explicit DeadLetterWriter(std::string path) : path_(std::move(path)) {}
  DeadLetterWriter(const DeadLetterWriter&) = delete;
  DeadLetterWriter& operator=(const DeadLetterWriter&) = delete;

  absl::Status Attach();
  absl::Status Write(std::string_view file, uint64_t line, std::string_view reason,
                     std::string_view record);
  // Flushes and, for the last reader, closes the file; the error names the path.
  absl::Status Detach();

  const std::string& path() const { return path_; }

 private:
  const std::string path_;
  std::mutex mutex_;
  std::shared_ptr<DeadLetterFile> file_;
  int attached_ = 0;
  std::string line_;
};

}  // namespace sluice
