// Turns the lines of a file source's files (or byte ranges of them) into records:
// skips header and blank lines, joins CSV records whose quoted fields span lines, and
// flags invalid UTF-8.
#pragma once

#include <cstdint>
#include <deque>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "sluice/io/file/input_file_set.h"
#include "sluice/io/file/line_reader.h"
#include "sluice/io/records/csv_parser.h"

namespace sluice {

struct RecordFormat {
  // Every file starts with a header line (its first line that is not blank, when
  // blank lines are skipped); Next returns it marked `header`.
  bool header_line = false;
  bool skip_blank_lines = false;
  // CSV: a quoted field may continue on the next line. Files are then never cut into
  // byte ranges: a range could start inside such a field.
  bool quoted_line_breaks = false;
  char delimiter = ',';  // for finding those quoted fields
};

struct TextRecord {
  std::string_view text;  // the raw record, line breaks inside it as "\n"
  std::string_view file;
  uint64_t line = 0;  // where the record starts, 1-based
  // Non-empty if the record is bad before any decoding (invalid UTF-8, an
  // unterminated quoted field); it then goes to the bad-record policy as it is.
  std::string_view defect;
  bool header = false;  // the first line of a file whose format has a header line
};

// Not thread-safe; one per reading task.
class RecordReader {
 public:
  explicit RecordReader(RecordFormat format)
      : format_(format), quotes_(format.delimiter) {}

  // Reads `files` in order. Opens each one briefly first, so an unreadable file fails
  // the job when it starts rather than halfway through.
  absl::Status Open(std::vector<InputFile> files);
  // The next record, or false after the last file. The record's views stay valid
  // until the next call.
  absl::StatusOr<bool> Next(TextRecord* record);
  void Close();

 private:
  struct OwnedLine {
    std::string text;
    uint64_t number;
  };

  absl::StatusOr<bool> NextLineInFile(Line* line);
  absl::StatusOr<bool> JoinQuotedLines(const Line& first, TextRecord* record);

  RecordFormat format_;
  CsvParser quotes_;
  std::vector<InputFile> files_;
  size_t next_file_ = 0;
  size_t current_file_ = 0;
  bool file_open_ = false;
  bool awaiting_header_ = false;  // the file's header line is still to come
  LineReader lines_;
  // Lines read while looking for the end of a quoted field that never ended; they
  // are read again as records of their own.
  std::deque<OwnedLine> pending_;
  std::string served_;  // the pending line returned last
  std::string joined_;
  std::vector<OwnedLine> continuation_;
};

}  // namespace sluice
