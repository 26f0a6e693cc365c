// A bounded source of CSV records decoded into T by a RecordSchema (fields by
// position):
//
//   flow.Source(sluice::CsvSource("/data/txns/*.csv", schema).Header())
//
// The path is a file, a directory (its regular files) or a glob pattern; parallel
// readers share the files (input_file_set.h). Quoted fields may hold the delimiter,
// "" for a quote and line breaks. Blank lines are skipped. A record that cannot be
// decoded is handled by the BadRecordPolicy (default: fail the job).
#pragma once

#include <memory>
#include <string>
#include <utility>

#include "absl/status/status.h"
#include "sluice/io/file/file_reading.h"
#include "sluice/io/file/file_source_reader.h"
#include "sluice/io/file/input_file_set.h"
#include "sluice/io/records/bad_record_policy.h"
#include "sluice/io/records/csv_record_decoder.h"
#include "sluice/io/records/record_schema.h"
#include "sluice/runtime/connector_spec.h"
#include "sluice/runtime/status_macros.h"

namespace sluice {

template <class T>
class CsvSource final : public SourceSpec<T> {
 public:
  CsvSource(std::string location, RecordSchema<T> schema)
      : location_(std::move(location)), schema_(std::move(schema)) {}

  // Every file starts with a header line naming the schema's fields in order; a file
  // whose header differs (other names, another order, more or fewer columns) fails
  // the job, naming the file and both lists, rather than being read into the wrong
  // fields.
  [[nodiscard]] CsvSource Header(bool has_header = true) const {
    CsvSource copy = *this;
    copy.format_.header_line = has_header;
    return copy;
  }
  [[nodiscard]] CsvSource Delimiter(char delimiter) const {
    CsvSource copy = *this;
    copy.format_.delimiter = delimiter;
    return copy;
  }
  // The files cover the same span of event time (one per server, say): read up to
  // `files_at_once` side by side, with a watermark per file (io/file/file_reading.h).
  [[nodiscard]] CsvSource OverlappingFiles(int files_at_once = 16) const {
    CsvSource copy = *this;
    copy.reading_.overlapping = true;
    copy.reading_.files_at_once = files_at_once;
    return copy;
  }
  [[nodiscard]] CsvSource OnBadRecord(BadRecordPolicy policy) const {
    CsvSource copy = *this;
    copy.policy_ = std::move(policy);
    return copy;
  }
  // Shared with the running job: read it after the job to see what was skipped.
  const BadRecordCounts& bad_records() const { return policy_.counts(); }

  std::string Kind() const override { return "csv_source"; }
  absl::Status Validate() const override {
    SLUICE_RETURN_IF_ERROR(schema_.Validate());
    if (format_.delimiter == '"' || format_.delimiter == '\n' ||
        format_.delimiter == '\r') {
      return absl::InvalidArgumentError(
          "a CSV delimiter cannot be a quote or line break");
    }
    SLUICE_ASSIGN_OR_RETURN(InputFileSet inputs, InputFileSet::Resolve(location_));
    SLUICE_RETURN_IF_ERROR(policy_.CheckNotAnInput(inputs, location_));
    SLUICE_RETURN_IF_ERROR(reading_.Validate());
    return policy_.Validate();
  }
  std::unique_ptr<SourceOperator> CreateInstance() const override {
    return std::make_unique<FileSourceReader<T, CsvRecordDecoder<T>>>(
        location_, format_, reading_, policy_,
        CsvRecordDecoder<T>(schema_, format_.delimiter));
  }

 private:
  static RecordFormat DefaultFormat() {
    RecordFormat format;
    format.skip_blank_lines = true;
    format.quoted_line_breaks = true;
    return format;
  }

  std::string location_;
  RecordSchema<T> schema_;
  RecordFormat format_ = DefaultFormat();
  FileReading reading_;
  BadRecordPolicy policy_ = BadRecordPolicy::Fail();
};

}  // namespace sluice
