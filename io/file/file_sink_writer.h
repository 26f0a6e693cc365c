// The running instance of every file sink: encodes each batch with an Encoder and
// writes it to this instance's file (sink_file_layout.h).
#pragma once

#include <string>
#include <utility>

#include "absl/status/status.h"
#include "sluice/io/file/buffered_file_writer.h"
#include "sluice/io/file/sink_file_layout.h"
#include "sluice/runtime/operator.h"
#include "sluice/runtime/operator_error.h"
#include "sluice/runtime/status_macros.h"

namespace sluice {

// Encoder: void AppendHeader(std::string*) (may append nothing) and
// void Append(const T&, std::string*), which appends one line with its newline.
template <class T, class Encoder>
class FileSinkWriter final : public Operator {
 public:
  FileSinkWriter(SinkFileLayout layout, Encoder encoder)
      : layout_(std::move(layout)), encoder_(std::move(encoder)) {}

  absl::Status Open(const OperatorContext& context) override {
    SLUICE_ASSIGN_OR_RETURN(std::string path, layout_.PrepareFile(context.instance));
    SLUICE_RETURN_IF_ERROR(file_.Open(path));
    text_.clear();
    encoder_.AppendHeader(&text_);
    file_.Write(text_);
    return absl::OkStatus();
  }

  void ProcessBatch(int, BatchPtr batch, Output&) override {
    // One write per batch: the text of a whole batch, not of one event, per call.
    text_.clear();
    for (const T& item : BatchAs<T>(batch).items) encoder_.Append(item, &text_);
    file_.Write(text_);
    // At once, not at Close: an unbounded job may never close.
    if (!file_.status().ok()) throw OperatorError(file_.status());
  }

  // Flushes the file; a failed write fails the job, naming the path.
  absl::Status Close() override { return file_.Close(); }

 private:
  SinkFileLayout layout_;
  Encoder encoder_;
  BufferedFileWriter file_;
  std::string text_;
};

}  // namespace sluice
