// A sink that writes events as CSV records with a RecordSchema:
//
//   stream.Sink(sluice::CsvSink("/out/txns.csv", schema).Header());   // one file
//   stream.Sink(sluice::CsvSink("/out/txns", schema).FilePerInstance());
//
// One file is written by a single instance that receives every event; with
// FilePerInstance() the path is a directory and instance i writes part-<i>.csv.
// Files are replaced, not appended to (part files of an earlier run with more
// instances are left alone). Errors (disk full, ...) fail the job when the
// sink closes, naming the file.
#pragma once

#include <climits>
#include <memory>
#include <optional>
#include <string>
#include <utility>

#include "absl/status/status.h"
#include "sluice/io/file/exactly_once_files.h"
#include "sluice/io/file/file_sink_writer.h"
#include "sluice/io/file/sink_file_layout.h"
#include "sluice/io/file/transactional_file_sink_writer.h"
#include "sluice/io/records/csv_record_encoder.h"
#include "sluice/io/records/record_schema.h"
#include "sluice/runtime/connector_spec.h"
#include "sluice/runtime/status_macros.h"

namespace sluice {

template <class T>
class CsvSink final : public SinkSpec<T> {
 public:
  CsvSink(std::string path, RecordSchema<T> schema)
      : path_(std::move(path)), schema_(std::move(schema)) {}

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
  // The path is a directory; each parallel instance writes its own part-<i>.csv.
  [[nodiscard]] CsvSink FilePerInstance(bool per_instance = true) const {
    CsvSink copy = *this;
    copy.per_instance_ = per_instance;
    return copy;
  }

  // The path is a directory of part files, each visible only once whole and committed:
  // exactly once (exactly_once_files.h).
  [[nodiscard]] CsvSink ExactlyOnce(ExactlyOnceFiles files = {}) const {
    CsvSink copy = *this;
    copy.exactly_once_ = files;
    return copy;
  }

  std::string Kind() const override { return "csv_sink"; }
  int MaxParallelism() const override {
    return per_instance_ || exactly_once_ ? INT_MAX : 1;
  }
  absl::Status Validate() const override {
    SLUICE_RETURN_IF_ERROR(schema_.Validate());
    if (delimiter_ == '"' || delimiter_ == '\n' || delimiter_ == '\r') {
      return absl::InvalidArgumentError(
          "a CSV delimiter cannot be a quote or line break");
    }
    return Layout().Validate();
  }
  std::unique_ptr<Operator> CreateInstance() const override {
    if (exactly_once_) {
      return std::make_unique<TransactionalFileSinkWriter<T, CsvRecordEncoder<T>>>(
          path_, "csv", *exactly_once_,
          CsvRecordEncoder<T>(schema_, delimiter_, header_));
    }
    return std::make_unique<FileSinkWriter<T, CsvRecordEncoder<T>>>(
        Layout(), CsvRecordEncoder<T>(schema_, delimiter_, header_));
  }

  absl::StatusOr<std::string> CommittedOutput() const override {
    if (!exactly_once_) return std::string();
    return TransactionalFileWriter::DescribeCommitted(path_);
  }

 private:
  SinkFileLayout Layout() const {
    return per_instance_ || exactly_once_ ? SinkFileLayout::FilePerInstance(path_, "csv")
                                          : SinkFileLayout::SingleFile(path_);
  }

  std::string path_;
  RecordSchema<T> schema_;
  char delimiter_ = ',';
  bool header_ = false;
  bool per_instance_ = false;
  std::optional<ExactlyOnceFiles> exactly_once_;
};

}  // namespace sluice
