// The running instance of a file sink in ExactlyOnce() mode: encodes each batch with
// an Encoder and writes it through TransactionalFileSinkOperator, which pre-commits
// at each checkpoint barrier and commits when the checkpoint completes (or, without
// checkpoints, when the whole job has finished).
#pragma once

#include <string>
#include <utility>

#include "absl/status/status.h"
#include "sluice/io/file/exactly_once_files.h"
#include "sluice/io/file/transactional_file_sink_operator.h"
#include "sluice/runtime/batch.h"
#include "sluice/runtime/operator.h"

namespace sluice {

// Encoder: as FileSinkWriter's (AppendHeader, Append).
template <class T, class Encoder>
class TransactionalFileSinkWriter final : public TransactionalFileSinkOperator {
 public:
  TransactionalFileSinkWriter(std::string dir, std::string extension,
                              ExactlyOnceFiles files, Encoder encoder)
      : TransactionalFileSinkOperator(std::move(dir), std::move(extension), files),
        encoder_(std::move(encoder)) {}

  absl::Status Open(const OperatorContext& context) override {
    std::string header;
    encoder_.AppendHeader(&header);
    return OpenWriter(context, std::move(header));
  }

  void ProcessBatch(int, BatchPtr batch, Output&) override {
    text_.clear();
    for (const T& item : BatchAs<T>(batch).items) encoder_.Append(item, &text_);
    Write(text_);
  }

 private:
  Encoder encoder_;
  std::string text_;
};

}  // namespace sluice
