// Reads one text file line by line with buffered I/O, whatever the line endings.
#pragma once

#include <cstdint>
#include <cstdio>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace sluice {

struct Line {
  std::string_view text;  // without "\n" or "\r\n"; valid until the next Next()
  uint64_t number = 0;    // 1-based
};

// Not thread-safe; one per reading task.
class LineReader {
 public:
  LineReader() = default;
  ~LineReader();
  LineReader(const LineReader&) = delete;
  LineReader& operator=(const LineReader&) = delete;

  // Opens `path` for reading; the error names the path and the reason.
  absl::Status Open(const std::string& path);
  // The next line, or false at the end of the file. A last line without a final
  // newline is still a line; a UTF-8 byte-order mark at the start is dropped.
  absl::StatusOr<bool> Next(Line* line);
  void Close();

 private:
  std::FILE* file_ = nullptr;
  std::string path_;
  char* buffer_ = nullptr;  // owned; grown by getline(3)
  size_t capacity_ = 0;
  uint64_t number_ = 0;
};

}  // namespace sluice
