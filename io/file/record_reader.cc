// Record assembly from lines; see record_reader.h.
#include "sluice/io/file/record_reader.h"

#include <fcntl.h>
#include <simdjson.h>
#include <unistd.h>

#include <cerrno>

#include "absl/strings/str_cat.h"
#include "sluice/runtime/status_macros.h"

namespace sluice {
namespace {

// A quoted field longer than this is taken to be unterminated: it bounds the memory
// and the re-reading one stray quote can cost.
constexpr size_t kMaxJoinedBytes = 4 << 20;

void CheckUtf8(TextRecord* record) {
  if (!simdjson::validate_utf8(record->text.data(), record->text.size())) {
    record->defect = "invalid UTF-8";
  }
}

}  // namespace

absl::Status RecordReader::Open(std::vector<InputFile> files) {
  for (const InputFile& file : files) {
    if (!file.regular) {
      // Opening a named pipe to check it would take a writer's first open (and block
      // without one); ask for permission instead.
      if (::faccessat(AT_FDCWD, file.path.c_str(), R_OK, AT_EACCESS) != 0) {
        return absl::ErrnoToStatus(errno, absl::StrCat("cannot open '", file.path, "'"));
      }
      continue;
    }
    SLUICE_RETURN_IF_ERROR(lines_.Open(file.path));
    lines_.Close();
  }
  files_ = std::move(files);
  next_file_ = 0;
  file_open_ = false;
  pending_.clear();
  return absl::OkStatus();
}

absl::StatusOr<bool> RecordReader::Next(TextRecord* record) {
  while (true) {
    if (!file_open_) {
      if (next_file_ >= files_.size()) return false;
      current_file_ = next_file_++;
      const InputFile& file = files_[current_file_];
      SLUICE_RETURN_IF_ERROR(lines_.Open(file.path, file.begin, file.end));
      file_open_ = true;
      // A file's header is its first line, in its first range only.
      awaiting_header_ = format_.header_line && file.begin == 0;
    }
    Line line;
    SLUICE_ASSIGN_OR_RETURN(bool more, NextLineInFile(&line));
    if (!more) {
      lines_.Close();
      file_open_ = false;
      continue;
    }
    if (format_.skip_blank_lines && line.text.empty()) continue;
    const bool header = awaiting_header_;
    awaiting_header_ = false;
    record->file = files_[current_file_].path;
    record->line = line.number;
    record->defect = {};
    record->header = header;
    if (format_.quoted_line_breaks && quotes_.EndsInsideQuotes(line.text)) {
      return JoinQuotedLines(line, record);
    }
    record->text = line.text;
    CheckUtf8(record);
    return true;
  }
}

absl::StatusOr<bool> RecordReader::NextLineInFile(Line* line) {
  if (!pending_.empty()) {
    served_ = std::move(pending_.front().text);
    line->number = pending_.front().number;
    line->text = served_;
    pending_.pop_front();
    return true;
  }
  return lines_.Next(line);
}

absl::StatusOr<bool> RecordReader::JoinQuotedLines(const Line& first,
                                                   TextRecord* record) {
  // `first` points into a buffer the next read reuses, so copy it before reading on.
  size_t first_size = first.text.size();
  joined_.assign(first.text);
  continuation_.clear();
  std::string_view defect = "unterminated quoted field";
  while (true) {
    if (joined_.size() > kMaxJoinedBytes) {
      defect = "quoted field longer than 4 MiB (a missing closing quote?)";
      break;
    }
    Line next;
    SLUICE_ASSIGN_OR_RETURN(bool more, NextLineInFile(&next));
    if (!more) break;
    continuation_.push_back({std::string(next.text), next.number});
    joined_.push_back('\n');
    joined_.append(next.text);
    if (!quotes_.EndsInsideQuotes(next.text, /*starts_inside_quotes=*/true)) {
      record->text = joined_;
      CheckUtf8(record);
      return true;
    }
  }
  // Report only the first line as bad and read the others again on their own, so a
  // stray quote cannot swallow the rest of the file.
  for (auto it = continuation_.rbegin(); it != continuation_.rend(); ++it) {
    pending_.push_front(std::move(*it));
  }
  record->text = std::string_view(joined_).substr(0, first_size);
  record->defect = defect;
  return true;
}

void RecordReader::Close() {
  lines_.Close();
  file_open_ = false;
  pending_.clear();
}

}  // namespace sluice
