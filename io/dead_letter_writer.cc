// The dead-letter file writer; see dead_letter_writer.h for the format.
#include "io/dead_letter_writer.h"

#include <simdjson.h>

#include <cerrno>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "io/json_string.h"

namespace sluice {

DeadLetterWriter::~DeadLetterWriter() {
  std::lock_guard<std::mutex> lock(mutex_);
  (void)CloseLocked();
}

absl::Status DeadLetterWriter::Attach() {
  std::lock_guard<std::mutex> lock(mutex_);
  if (attached_++ > 0) return absl::OkStatus();
  file_ = std::fopen(path_.c_str(), "wb");
  if (file_ == nullptr) {
    attached_ = 0;
    return absl::ErrnoToStatus(
        errno, absl::StrCat("cannot create dead-letter file '", path_, "'"));
  }
  return absl::OkStatus();
}

absl::Status DeadLetterWriter::Write(std::string_view file, uint64_t line,
                                     std::string_view reason, std::string_view record) {
  std::lock_guard<std::mutex> lock(mutex_);
  if (file_ == nullptr) {
    return absl::FailedPreconditionError(
        absl::StrCat("dead-letter file '", path_, "' is not open"));
  }
  line_.assign("{\"file\":");
  AppendJsonString(file, &line_);
  absl::StrAppend(&line_, ",\"line\":", line, ",\"reason\":");
  AppendJsonString(reason, &line_);
  if (simdjson::validate_utf8(record.data(), record.size())) {
    line_.append(",\"record\":");
    AppendJsonString(record, &line_);
  } else {
    line_.append(",\"record_base64\":");
    AppendJsonString(absl::Base64Escape(absl::string_view(record.data(), record.size())),
                     &line_);
  }
  line_.append("}\n");
  if (std::fwrite(line_.data(), 1, line_.size(), file_) != line_.size()) {
    return absl::ErrnoToStatus(
        errno, absl::StrCat("cannot write dead-letter file '", path_, "'"));
  }
  return absl::OkStatus();
}

absl::Status DeadLetterWriter::Detach() {
  std::lock_guard<std::mutex> lock(mutex_);
  if (attached_ == 0) return absl::OkStatus();
  if (--attached_ > 0) {
    // Another reader still writes; flush so what this one found is on disk already.
    if (std::fflush(file_) != 0) {
      return absl::ErrnoToStatus(
          errno, absl::StrCat("cannot write dead-letter file '", path_, "'"));
    }
    return absl::OkStatus();
  }
  return CloseLocked();
}

absl::Status DeadLetterWriter::CloseLocked() {
  if (file_ == nullptr) return absl::OkStatus();
  bool failed = std::ferror(file_) != 0;
  failed |= std::fclose(file_) != 0;
  int error = errno;
  file_ = nullptr;
  attached_ = 0;
  if (failed) {
    return absl::ErrnoToStatus(
        error, absl::StrCat("cannot write dead-letter file '", path_, "'"));
  }
  return absl::OkStatus();
}

}  // namespace sluice
