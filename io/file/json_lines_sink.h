// A sink that writes events as JSON lines (one object per line) with a RecordSchema:
//
//   stream.Sink(sluice::JsonLinesSink("/out/events.jsonl", schema));  // one file
//   stream.Sink(sluice::JsonLinesSink("/out/events", schema).FilePerInstance());
//
// One file is written by a single instance that receives every event; with
// FilePerInstance() the path is a directory and instance i writes part-<i>.jsonl.
// Files are replaced, not appended to (part files of an earlier run with more
// instances are left alone). Strings are escaped (control characters
// included); non-finite numbers are written as null. Errors fail the job when the
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
#include "sluice/io/records/json_record_encoder.h"
#include "sluice/io/records/record_schema.h"
#include "sluice/runtime/connector_spec.h"
#include "sluice/runtime/status_macros.h"

namespace sluice {

template <class T>
class JsonLinesSink final : public SinkSpec<T> {
 public:
  JsonLinesSink(std::string path, RecordSchema<T> schema)
      : path_(std::move(path)), schema_(std::move(schema)) {}

  // The path is a directory; each parallel instance writes its own part-<i>.jsonl.
  [[nodiscard]] JsonLinesSink FilePerInstance(bool per_instance = true) const {
    JsonLinesSink copy = *this;
    copy.per_instance_ = per_instance;
    return copy;
  }

  // The path is a directory of part files, each visible only once whole and committed:
  // exactly once (exactly_once_files.h).
  [[nodiscard]] JsonLinesSink ExactlyOnce(ExactlyOnceFiles files = {}) const {
    JsonLinesSink copy = *this;
    copy.exactly_once_ = files;
    return copy;
  }

  std::string Kind() const override { return "json_lines_sink"; }
  int MaxParallelism() const override {
    return per_instance_ || exactly_once_ ? INT_MAX : 1;
  }
  absl::Status Validate() const override {
    SLUICE_RETURN_IF_ERROR(schema_.Validate());
    return Layout().Validate();
  }
  std::unique_ptr<Operator> CreateInstance() const override {
    if (exactly_once_) {
      return std::make_unique<TransactionalFileSinkWriter<T, JsonRecordEncoder<T>>>(
          path_, "jsonl", *exactly_once_, JsonRecordEncoder<T>(schema_));
    }
    return std::make_unique<FileSinkWriter<T, JsonRecordEncoder<T>>>(
        Layout(), JsonRecordEncoder<T>(schema_));
  }

  absl::StatusOr<std::string> CommittedOutput() const override {
    if (!exactly_once_) return std::string();
    return TransactionalFileWriter::DescribeCommitted(path_);
  }

 private:
  SinkFileLayout Layout() const {
    return per_instance_ || exactly_once_
               ? SinkFileLayout::FilePerInstance(path_, "jsonl")
               : SinkFileLayout::SingleFile(path_);
  }

  std::string path_;
  RecordSchema<T> schema_;
  bool per_instance_ = false;
  std::optional<ExactlyOnceFiles> exactly_once_;
};

}  // namespace sluice
