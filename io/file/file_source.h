// What every file source shares (TextLineSource, CsvSource, JsonLinesSource): a
// location read by FileSourceReader instances, the reading of overlapping files and
// the bad-record policy, with their setters. A source is this base with its format:
// Self (the source's own class, which the setters return) provides
//   std::string FormatKind() const;       // "csv_source", ...
//   absl::Status ValidateFormat() const;  // its schema, delimiter, ...
//   RecordFormat Format() const;          // how records are cut from the text
//   Decoder() const;                      // a decoder of one record into a T
#pragma once

#include <memory>
#include <string>
#include <utility>

#include "absl/status/status.h"
#include "sluice/io/file/file_reading.h"
#include "sluice/io/file/file_source_reader.h"
#include "sluice/io/file/input_file_set.h"
#include "sluice/io/records/bad_record_policy.h"
#include "sluice/runtime/connector_spec.h"
#include "sluice/runtime/status_macros.h"

namespace sluice {

template <class Self, class T>
class FileSource : public SourceSpec<T> {
 public:
  // The files cover the same span of event time (one per server, say): read up to
  // `files_at_once` side by side, with a watermark per file (io/file/file_reading.h).
  [[nodiscard]] Self OverlappingFiles(int files_at_once = 16) const {
    Self copy = self();
    static_cast<FileSource&>(copy).reading_.overlapping = true;
    static_cast<FileSource&>(copy).reading_.files_at_once = files_at_once;
    return copy;
  }
  [[nodiscard]] Self OnBadRecord(BadRecordPolicy policy) const {
    Self copy = self();
    static_cast<FileSource&>(copy).policy_ = std::move(policy);
    return copy;
  }
  // Shared with the running job: read it after the job to see what was skipped.
  const BadRecordCounts& bad_records() const { return policy_.counts(); }

  std::string Kind() const override { return self().FormatKind(); }
  absl::Status Validate() const override {
    SLUICE_RETURN_IF_ERROR(self().ValidateFormat());
    SLUICE_ASSIGN_OR_RETURN(InputFileSet inputs, InputFileSet::Resolve(location_));
    SLUICE_RETURN_IF_ERROR(policy_.CheckNotAnInput(inputs, location_));
    SLUICE_RETURN_IF_ERROR(reading_.Validate());
    return policy_.Validate();
  }
  std::unique_ptr<SourceOperator> CreateInstance() const override {
    using Decoder = decltype(self().Decoder());
    return std::make_unique<FileSourceReader<T, Decoder>>(
        location_, self().Format(), reading_, policy_, self().Decoder());
  }

 protected:
  explicit FileSource(std::string location) : location_(std::move(location)) {}

 private:
  const Self& self() const { return static_cast<const Self&>(*this); }

  std::string location_;
  FileReading reading_;
  BadRecordPolicy policy_ = BadRecordPolicy::Fail();
};

}  // namespace sluice
