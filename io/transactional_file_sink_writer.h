// The running instance of a file sink in ExactlyOnce() mode: encodes each batch with
// an Encoder and writes it through a TransactionalFileWriter; commits when the job
// has finished (later: when a checkpoint completes).
#pragma once

#include <string>
#include <utility>

#include "absl/status/status.h"
#include "io/exactly_once_files.h"
#include "io/transactional_file_writer.h"
#include "runtime/operator.h"
#include "runtime/operator_error.h"

namespace sluice {

// Encoder: as FileSinkWriter's (AppendHeader, Append).
template <class T, class Encoder>
class TransactionalFileSinkWriter final : public Operator {
 public:
  TransactionalFileSinkWriter(std::string dir, std::string extension,
                              ExactlyOnceFiles files, Encoder encoder)
      : dir_(std::move(dir)),
        extension_(std::move(extension)),
        files_(files),
        encoder_(std::move(encoder)) {}

  absl::Status Open(const OperatorContext& context) override {
    TransactionalFileWriter::Options options;
    options.dir = dir_;
    options.instance = context.instance;
    options.extension = extension_;
    options.roll_bytes = files_.roll_bytes;
    options.roll_interval_ms = files_.roll_interval_ms;
    encoder_.AppendHeader(&options.header);
    return writer_.Open(std::move(options), /*restored=*/nullptr);
  }

  void ProcessBatch(int, BatchPtr batch, Output&) override {
    text_.clear();
    for (const T& item : BatchAs<T>(batch).items) encoder_.Append(item, &text_);
    if (absl::Status s = writer_.Write(text_); !s.ok()) throw OperatorError(s);
  }

  // The input ended: the last file becomes pending, to be committed once the whole
  // job has finished (a job failing elsewhere commits nothing).
  void Finish(Output&) override {
    if (absl::Status s = writer_.PreCommit(kFinalCheckpoint).status(); !s.ok()) {
      throw OperatorError(s);
    }
  }

  absl::Status NotifyCheckpointComplete(int64_t checkpoint_id) override {
    return writer_.Commit(checkpoint_id);
  }

 private:
  std::string dir_;
  std::string extension_;
  ExactlyOnceFiles files_;
  Encoder encoder_;
  TransactionalFileWriter writer_;
  std::string text_;
};

}  // namespace sluice
