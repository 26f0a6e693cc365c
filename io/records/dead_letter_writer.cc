// The dead-letter line format; see dead_letter_writer.h.
#include "sluice/io/records/dead_letter_writer.h"

#include <simdjson.h>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "sluice/io/records/json_string.h"

namespace sluice {

absl::Status DeadLetterWriter::Attach() {
  std::lock_guard<std::mutex> lock(mutex_);
  absl::StatusOr<std::shared_ptr<DeadLetterFile>> file = DeadLetterFile::Attach(path_);
  if (!file.ok()) return file.status();
  // Each reader holds the shared file once, so the file counts every reader of every
  // source that names it.
  file_ = *std::move(file);
  ++attached_;
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
  return file_->Append(line_);
}

absl::Status DeadLetterWriter::Detach() {
  std::lock_guard<std::mutex> lock(mutex_);
  if (attached_ == 0) return absl::OkStatus();
  absl::Status status = file_->Detach();
  if (--attached_ == 0) file_.reset();
  return status;
}

}  // namespace sluice
