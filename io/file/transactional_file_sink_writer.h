// The running instance of a file sink in ExactlyOnce() mode: encodes each batch with
// an Encoder and writes it through a TransactionalFileWriter; pre-commits at each
// checkpoint barrier and commits when the checkpoint completes (or, without
// checkpoints, when the whole job has finished).
#pragma once

#include <cstdio>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "sluice/io/file/exactly_once_files.h"
#include "sluice/io/file/transactional_file_writer.h"
#include "sluice/runtime/checkpoint/pre_commit_label.h"
#include "sluice/runtime/operator.h"
#include "sluice/runtime/operator_error.h"
#include "sluice/runtime/state/state_codec.h"

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
    options.roll_interval = files_.roll_interval;
    encoder_.AppendHeader(&options.header);
    if (context.restored_states == nullptr) {
      return writer_.Open(std::move(options), /*restored=*/nullptr, Warn);
    }
    // Instance i of this run finishes the files of instances i, i + P, ... of the
    // run that took the checkpoint (P: this run's parallelism).
    const std::vector<std::string>& states = *context.restored_states;
    std::vector<std::pair<int, TransactionalFileWriter::State>> taken;
    for (size_t k = context.instance; k < states.size();
         k += static_cast<size_t>(context.parallelism)) {
      if (states[k].empty()) continue;
      TransactionalFileWriter::State state;
      StateReader reader(states[k]);
      DecodeState(reader, state);
      if (reader.failed() || !reader.done()) {
        return absl::DataLossError(absl::StrCat(
            "sink ", dir_, ": the checkpointed state of instance ", k, " is damaged"));
      }
      taken.emplace_back(static_cast<int>(k), std::move(state));
    }
    const TransactionalFileWriter::State* own = nullptr;
    if (!taken.empty() && taken.front().first == context.instance) {
      own = &taken.front().second;
    }
    if (absl::Status s = writer_.Open(std::move(options), own, Warn); !s.ok()) return s;
    for (const auto& [instance, state] : taken) {
      if (instance == context.instance) continue;
      if (absl::Status s = writer_.AdoptInstance(instance, state); !s.ok()) return s;
    }
    return absl::OkStatus();
  }

  // Checkpoint `checkpoint_id`: the file being written becomes pending; the state
  // lists every file still pending, committed once the checkpoint completes (or by
  // the restore of this checkpoint, if the job crashes before).
  absl::StatusOr<std::string> SnapshotState(int64_t checkpoint_id) override {
    absl::StatusOr<TransactionalFileWriter::State> state =
        writer_.PreCommit(last_checkpoint_.Label(checkpoint_id));
    if (!state.ok()) return state.status();
    std::string out;
    StateWriter writer(out);
    EncodeState(*state, writer);
    return out;
  }

  void ProcessBatch(int, BatchPtr batch, Output&) override {
    text_.clear();
    for (const T& item : BatchAs<T>(batch).items) encoder_.Append(item, &text_);
    if (absl::Status s = writer_.Write(text_); !s.ok()) throw OperatorError(s);
  }

  // The input ended: the last file becomes pending, committed by the next checkpoint
  // to complete (which holds this task's final state) or, without checkpoints, once
  // the whole job has finished (a job failing elsewhere commits nothing).
  void Finish(Output&) override {
    if (absl::Status s =
            writer_.PreCommit(last_checkpoint_.Label(kFinalCheckpoint)).status();
        !s.ok()) {
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
  static void Warn(std::string_view message) {
    std::fprintf(stderr, "sluice: %.*s\n", static_cast<int>(message.size()),
                 message.data());
  }

  TransactionalFileWriter writer_;
  PreCommitLabel last_checkpoint_;
  std::string text_;
};

}  // namespace sluice
