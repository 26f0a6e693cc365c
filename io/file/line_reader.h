// Reads one text file line by line with buffered I/O, whatever the line endings.
#pragma once

#include <cstdint>
#include <cstdio>
#include <limits>
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

  // Opens `path` for reading; the error names the path and the reason. With a byte
  // range, only the lines that start in [begin, end) are read: a line that starts
  // before `begin` belongs to the range before, and one that starts before `end` is
  // read to its end. Line numbers stay those of the whole file (the lines before
  // `begin` are counted when the file is opened).
  absl::Status Open(const std::string& path, uint64_t begin = 0,
                    uint64_t end = std::numeric_limits<uint64_t>::max());
  // The next line, or false at the end of the file. A last line without a final
  // newline is still a line; a UTF-8 byte-order mark at the start is dropped.
  absl::StatusOr<bool> Next(Line* line);
  void Close();

 private:
  std::FILE* file_ = nullptr;
  std::string path_;
  absl::Status SkipToRange(uint64_t begin);

  char* buffer_ = nullptr;  // owned; grown by getline(3)
  size_t capacity_ = 0;
  uint64_t number_ = 0;
  uint64_t offset_ = 0;  // where the next line starts
  uint64_t end_ = std::numeric_limits<uint64_t>::max();
};

}  // namespace sluice
