#include "sluice/io/file/transactional_file_sink_operator.h"

#include <cstdio>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "sluice/runtime/operator_error.h"
#include "sluice/runtime/state/state_codec.h"

namespace sluice {
namespace {

void Warn(std::string_view message) {
  std::fprintf(stderr, "sluice: %.*s\n", static_cast<int>(message.size()),
               message.data());
}

}  // namespace

TransactionalFileSinkOperator::TransactionalFileSinkOperator(std::string dir,
                                                             std::string extension,
                                                             ExactlyOnceFiles files)
    : dir_(std::move(dir)), extension_(std::move(extension)), files_(files) {}

absl::Status TransactionalFileSinkOperator::OpenWriter(const OperatorContext& context,
                                                       std::string header) {
  TransactionalFileWriter::Options options;
  options.dir = dir_;
  options.instance = context.instance;
  options.extension = extension_;
  options.roll_bytes = files_.roll_bytes;
  options.roll_interval = files_.roll_interval;
  options.header = std::move(header);
  if (context.restored_states == nullptr) {
    if (absl::Status s = writer_.Open(std::move(options), /*restored=*/nullptr, Warn);
        !s.ok()) {
      return s;
    }
    // A run at a higher parallelism may have died before its first checkpoint.
    return writer_.RemoveOrphans(context.parallelism);
  }
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
  // Instances the checkpoint did not have, of a later run that died before its next
  // checkpoint, left uncommitted files too.
  return writer_.RemoveOrphans(context.parallelism);
}

void TransactionalFileSinkOperator::Write(const std::string& text) {
  if (absl::Status s = writer_.Write(text); !s.ok()) throw OperatorError(s);
}

absl::StatusOr<std::string> TransactionalFileSinkOperator::SnapshotState(
    int64_t checkpoint_id) {
  absl::StatusOr<TransactionalFileWriter::State> state =
      writer_.PreCommit(last_checkpoint_.Label(checkpoint_id));
  if (!state.ok()) return state.status();
  std::string out;
  StateWriter writer(out);
  EncodeState(*state, writer);
  return out;
}

void TransactionalFileSinkOperator::Finish(Output&) {
  if (absl::Status s =
          writer_.PreCommit(last_checkpoint_.Label(kFinalCheckpoint)).status();
      !s.ok()) {
    throw OperatorError(s);
  }
}

absl::Status TransactionalFileSinkOperator::NotifyCheckpointComplete(
    int64_t checkpoint_id) {
  return writer_.Commit(checkpoint_id);
}

}  // namespace sluice
