// What every ExactlyOnce() file sink instance does apart from encoding records: opens
// its TransactionalFileWriter (taking over the files of restored instances),
// pre-commits at each checkpoint barrier and at the end of input, and commits when a
// checkpoint completes. Not a template, so a job pays for it once in the library;
// TransactionalFileSinkWriter<T, Encoder> adds the encoding.
#pragma once

#include <cstdint>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "sluice/io/file/exactly_once_files.h"
#include "sluice/io/file/transactional_file_writer.h"
#include "sluice/runtime/checkpoint/pre_commit_label.h"
#include "sluice/runtime/operator.h"

namespace sluice {

class TransactionalFileSinkOperator : public Operator {
 public:
  // Checkpoint `checkpoint_id`: the file being written becomes pending; the state
  // lists every file still pending, committed once the checkpoint completes (or by
  // the restore of this checkpoint, if the job crashes before).
  absl::StatusOr<std::string> SnapshotState(int64_t checkpoint_id) override;
  // The input ended: the last file becomes pending, committed by the next checkpoint
  // to complete (which holds this task's final state) or, without checkpoints, once
  // the whole job has finished (a job failing elsewhere commits nothing).
  void Finish(Output&) override;
  absl::Status NotifyCheckpointComplete(int64_t checkpoint_id) override;

 protected:
  TransactionalFileSinkOperator(std::string dir, std::string extension,
                                ExactlyOnceFiles files);
  // Opens the writer, with `header` at the top of every file. Instance i of this run
  // finishes the files of instances i, i + P, ... of the run that took the
  // checkpoint (P: this run's parallelism).
  absl::Status OpenWriter(const OperatorContext& context, std::string header);
  // Appends encoded records to the current file; throws OperatorError on failure.
  void Write(const std::string& text);

 private:
  std::string dir_;
  std::string extension_;
  ExactlyOnceFiles files_;
  TransactionalFileWriter writer_;
  PreCommitLabel last_checkpoint_;
};

}  // namespace sluice
