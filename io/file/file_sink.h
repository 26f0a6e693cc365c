// What every file sink shares (CsvSink, JsonLinesSink): one file written by a single
// instance, a file per instance, or exactly-once part files, with their setters. A
// sink is this base with its format: Self (the sink's own class, which the setters
// return) provides
//   std::string FormatKind() const;       // "csv_sink", ...
//   const char* Extension() const;        // of part files: "csv", ...
//   absl::Status ValidateFormat() const;  // its schema, delimiter, ...
//   Encoder() const;                      // an encoder of a T into one record
//
// One file is written by a single instance that receives every event; with
// FilePerInstance() the path is a directory and instance i writes part-<i>.<ext>.
// Files are replaced, not appended to (part files of an earlier run with more
// instances are left alone). Errors (disk full, ...) fail the job when the sink
// closes, naming the file.
#pragma once

#include <climits>
#include <memory>
#include <optional>
#include <string>
#include <utility>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "sluice/io/file/exactly_once_files.h"
#include "sluice/io/file/file_sink_writer.h"
#include "sluice/io/file/sink_file_layout.h"
#include "sluice/io/file/transactional_file_sink_writer.h"
#include "sluice/runtime/connector_spec.h"
#include "sluice/runtime/status_macros.h"

namespace sluice {

template <class Self, class T>
class FileSink : public SinkSpec<T> {
 public:
  // The path is a directory; each parallel instance writes its own part-<i>.<ext>.
  [[nodiscard]] Self FilePerInstance(bool per_instance = true) const {
    Self copy = self();
    static_cast<FileSink&>(copy).per_instance_ = per_instance;
    return copy;
  }
  // The path is a directory of part files, each visible only once whole and committed:
  // exactly once (exactly_once_files.h).
  [[nodiscard]] Self ExactlyOnce(ExactlyOnceFiles files = {}) const {
    Self copy = self();
    static_cast<FileSink&>(copy).exactly_once_ = files;
    return copy;
  }

  std::string Kind() const override { return self().FormatKind(); }
  int MaxParallelism() const override {
    return per_instance_ || exactly_once_ ? INT_MAX : 1;
  }
  absl::Status Validate() const override {
    SLUICE_RETURN_IF_ERROR(self().ValidateFormat());
    return Layout().Validate();
  }
  std::unique_ptr<Operator> CreateInstance() const override {
    using Encoder = decltype(self().Encoder());
    if (exactly_once_) {
      return std::make_unique<TransactionalFileSinkWriter<T, Encoder>>(
          path_, self().Extension(), *exactly_once_, self().Encoder());
    }
    return std::make_unique<FileSinkWriter<T, Encoder>>(Layout(), self().Encoder());
  }
  absl::StatusOr<std::string> CommittedOutput() const override {
    if (!exactly_once_) return std::string();
    return TransactionalFileWriter::DescribeCommitted(path_);
  }

 protected:
  explicit FileSink(std::string path) : path_(std::move(path)) {}

 private:
  const Self& self() const { return static_cast<const Self&>(*this); }
  SinkFileLayout Layout() const {
    return per_instance_ || exactly_once_
               ? SinkFileLayout::FilePerInstance(path_, self().Extension())
               : SinkFileLayout::SingleFile(path_);
  }

  std::string path_;
  bool per_instance_ = false;
  std::optional<ExactlyOnceFiles> exactly_once_;
};

}  // namespace sluice
