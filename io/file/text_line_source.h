// A bounded source of the lines of text files, as std::string without line endings:
//
//   flow.Source(sluice::TextLineSource("/var/log/app/*.log"))
//
// The path is a file, a directory (its regular files) or a glob pattern; parallel
// readers share the files (input_file_set.h). A line that is not valid UTF-8 is a
// bad record, handled by the BadRecordPolicy (default: fail the job).
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <utility>

#include "absl/status/status.h"
#include "sluice/io/file/file_reading.h"
#include "sluice/io/file/file_source_reader.h"
#include "sluice/io/file/input_file_set.h"
#include "sluice/io/records/bad_record_policy.h"
#include "sluice/runtime/connector_spec.h"
#include "sluice/runtime/status_macros.h"

namespace sluice {

class TextLineSource final : public SourceSpec<std::string> {
 public:
  explicit TextLineSource(std::string location) : location_(std::move(location)) {}

  // The files cover the same span of event time (one per server, say): read up to
  // `files_at_once` side by side, with a watermark per file (io/file/file_reading.h).
  [[nodiscard]] TextLineSource OverlappingFiles(int files_at_once = 16) const {
    TextLineSource copy = *this;
    copy.reading_.overlapping = true;
    copy.reading_.files_at_once = files_at_once;
    return copy;
  }
  [[nodiscard]] TextLineSource OnBadRecord(BadRecordPolicy policy) const {
    TextLineSource copy = *this;
    copy.policy_ = std::move(policy);
    return copy;
  }
  // Shared with the running job: read it after the job to see what was skipped.
  const BadRecordCounts& bad_records() const { return policy_.counts(); }

  std::string Kind() const override { return "text_lines"; }
  absl::Status Validate() const override {
    SLUICE_ASSIGN_OR_RETURN(InputFileSet inputs, InputFileSet::Resolve(location_));
    SLUICE_RETURN_IF_ERROR(policy_.CheckNotAnInput(inputs, location_));
    SLUICE_RETURN_IF_ERROR(reading_.Validate());
    return policy_.Validate();
  }
  std::unique_ptr<SourceOperator> CreateInstance() const override {
    return std::make_unique<FileSourceReader<std::string, LineDecoder>>(
        location_, RecordFormat(), reading_, policy_, LineDecoder());
  }

 private:
  struct LineDecoder {
    absl::Status Decode(std::string_view text, std::string& line) {
      line.assign(text);
      return absl::OkStatus();
    }
  };

  std::string location_;
  FileReading reading_;
  BadRecordPolicy policy_ = BadRecordPolicy::Fail();
};

}  // namespace sluice
