// A bounded source of JSON-lines records (one object per line) decoded into T by a
// RecordSchema (fields by name; other keys are ignored):
//
//   flow.Source(sluice::JsonLinesSource("/data/events", schema))
//
// The path is a file, a directory (its regular files) or a glob pattern; parallel
// readers share the files (input_file_set.h). Blank lines are skipped. A record that
// cannot be decoded is handled by the BadRecordPolicy (default: fail the job).
#pragma once

#include <memory>
#include <string>
#include <utility>

#include "absl/status/status.h"
#include "sluice/io/file/file_reading.h"
#include "sluice/io/file/file_source_reader.h"
#include "sluice/io/file/input_file_set.h"
#include "sluice/io/records/bad_record_policy.h"
#include "sluice/io/records/json_record_decoder.h"
#include "sluice/io/records/record_schema.h"
#include "sluice/runtime/connector_spec.h"
#include "sluice/runtime/status_macros.h"

namespace sluice {

template <class T>
class JsonLinesSource final : public SourceSpec<T> {
 public:
  JsonLinesSource(std::string location, RecordSchema<T> schema)
      : location_(std::move(location)), schema_(std::move(schema)) {}

  // The files cover the same span of event time (one per server, say): read up to
  // `files_at_once` side by side, with a watermark per file (io/file/file_reading.h).
  [[nodiscard]] JsonLinesSource OverlappingFiles(int files_at_once = 16) const {
    JsonLinesSource copy = *this;
    copy.reading_.overlapping = true;
    copy.reading_.files_at_once = files_at_once;
    return copy;
  }
  [[nodiscard]] JsonLinesSource OnBadRecord(BadRecordPolicy policy) const {
    JsonLinesSource copy = *this;
    copy.policy_ = std::move(policy);
    return copy;
  }
  // Shared with the running job: read it after the job to see what was skipped.
  const BadRecordCounts& bad_records() const { return policy_.counts(); }

  std::string Kind() const override { return "json_lines_source"; }
  absl::Status Validate() const override {
    SLUICE_RETURN_IF_ERROR(schema_.Validate());
    SLUICE_ASSIGN_OR_RETURN(InputFileSet inputs, InputFileSet::Resolve(location_));
    SLUICE_RETURN_IF_ERROR(policy_.CheckNotAnInput(inputs, location_));
    SLUICE_RETURN_IF_ERROR(reading_.Validate());
    return policy_.Validate();
  }
  std::unique_ptr<SourceOperator> CreateInstance() const override {
    RecordFormat format;
    format.skip_blank_lines = true;
    return std::make_unique<FileSourceReader<T, JsonRecordDecoder<T>>>(
        location_, format, reading_, policy_, JsonRecordDecoder<T>(schema_));
  }

 private:
  std::string location_;
  RecordSchema<T> schema_;
  FileReading reading_;
  BadRecordPolicy policy_ = BadRecordPolicy::Fail();
};

}  // namespace sluice
