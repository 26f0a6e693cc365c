// A sink that writes events as CSV records with a RecordSchema:
//
//   stream.Sink(sluice::CsvSink("/out/txns.csv", schema).Header());   // one file
//   stream.Sink(sluice::CsvSink("/out/txns", schema).FilePerInstance());
//
// Where and how files are written (one file, a file per instance, exactly once) is
// what all file sinks share: file_sink.h.
#pragma once

#include <string>
#include <utility>

#include "absl/status/status.h"
#include "sluice/io/file/file_sink.h"
#include "sluice/io/records/csv_escaping.h"
#include "sluice/io/records/csv_record_encoder.h"
#include "sluice/io/records/record_schema.h"
#include "sluice/runtime/status_macros.h"

namespace sluice {

template <class T>
class CsvSink final : public FileSink<CsvSink<T>, T> {
 public:
  CsvSink(std::string path, RecordSchema<T> schema)
      : FileSink<CsvSink<T>, T>(std::move(path)), schema_(std::move(schema)) {}

  // Starts each file with a line of field names.
  [[nodiscard]] CsvSink Header(bool header = true) const {
    CsvSink copy = *this;
    copy.header_ = header;
    return copy;
  }
  [[nodiscard]] CsvSink Delimiter(char delimiter) const {
    CsvSink copy = *this;
    copy.delimiter_ = delimiter;
    return copy;
  }

 private:
  friend FileSink<CsvSink<T>, T>;

  std::string FormatKind() const { return "csv_sink"; }
  const char* Extension() const { return "csv"; }
  absl::Status ValidateFormat() const {
    SLUICE_RETURN_IF_ERROR(schema_.Validate());
    return CheckCsvDelimiter(delimiter_);
  }
  CsvRecordEncoder<T> Encoder() const {
    return CsvRecordEncoder<T>(schema_, delimiter_, header_);
  }

  RecordSchema<T> schema_;
  char delimiter_ = ',';
  bool header_ = false;
};

}  // namespace sluice
