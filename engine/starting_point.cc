// Choosing the checkpoint a job restores, and refusing a start from scratch that
// would repeat committed output.
#include "sluice/engine/starting_point.h"

#include <cstdio>
#include <string_view>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "sluice/runtime/checkpoint/checkpoint_storage.h"
#include "sluice/runtime/status_macros.h"

namespace sluice {
namespace {

void Warn(std::string_view message) {
  std::fprintf(stderr, "sluice: %.*s\n", static_cast<int>(message.size()),
               message.data());
}

}  // namespace

absl::StatusOr<std::optional<CompletedCheckpoint>> StartingPoint::Choose(
    const CheckpointOptions& options, const LogicalGraph& graph) {
  if (options.restore_from.empty()) {
    SLUICE_RETURN_IF_ERROR(CheckNothingCommitted(
        options, graph,
        "no checkpoint to restore was asked for (checkpoints.restore_from is empty)"));
    return std::nullopt;
  }
  if (options.restore_from == "latest") return Latest(options, graph);
  absl::StatusOr<CompletedCheckpoint> checkpoint =
      CompletedCheckpoint::Load(options.restore_from);
  if (!checkpoint.ok()) {
    return absl::Status(checkpoint.status().code(),
                        absl::StrCat("cannot restore: ", checkpoint.status().message()));
  }
  return std::optional<CompletedCheckpoint>(std::move(*checkpoint));
}

absl::StatusOr<std::optional<CompletedCheckpoint>> StartingPoint::Latest(
    const CheckpointOptions& options, const LogicalGraph& graph) {
  SLUICE_ASSIGN_OR_RETURN(auto storage,
                          CheckpointStorage::Open(options.dir, options.retain));
  absl::StatusOr<CompletedCheckpoint> checkpoint = storage->LoadLatest(Warn);
  if (checkpoint.ok()) return std::optional<CompletedCheckpoint>(std::move(*checkpoint));
  if (absl::IsNotFound(checkpoint.status())) {
    SLUICE_RETURN_IF_ERROR(CheckNothingCommitted(
        options, graph,
        absl::StrCat("there is no complete checkpoint in ", options.dir)));
    Warn(absl::StrCat("no complete checkpoint in ", options.dir,
                      ": starting from scratch"));
    return std::nullopt;
  }
  if (!absl::IsDataLoss(checkpoint.status())) {
    return absl::Status(checkpoint.status().code(),
                        absl::StrCat("cannot restore: ", checkpoint.status().message()));
  }
  // Checkpoints completed, but none can be restored: starting from scratch would
  // commit again what they covered.
  if (!options.allow_start_from_scratch) {
    return absl::DataLossError(absl::StrCat(
        "cannot restore: ", checkpoint.status().message(),
        ". Starting from scratch would commit again the output those checkpoints "
        "covered; to do so anyway, set checkpoints.allow_start_from_scratch"));
  }
  Warn(absl::StrCat(checkpoint.status().message(),
                    "; starting from scratch, as checkpoints.allow_start_from_scratch "
                    "allows"));
  return std::nullopt;
}

absl::Status StartingPoint::CheckNothingCommitted(const CheckpointOptions& options,
                                                  const LogicalGraph& graph,
                                                  const std::string& why) {
  // Without checkpoints the sinks are at least once: a run again writes again.
  if (options.dir.empty() || options.allow_start_from_scratch) return absl::OkStatus();
  std::vector<std::string> found;
  for (const LogicalNode& node : graph.nodes()) {
    if (!node.committed_output) continue;
    absl::StatusOr<std::string> output = node.committed_output();
    if (!output.ok()) {
      return absl::Status(
          output.status().code(),
          absl::StrCat("sink '", node.name, "': cannot tell what it committed before: ",
                       output.status().message()));
    }
    if (!output->empty())
      found.push_back(absl::StrCat("sink '", node.name, "': ", *output));
  }
  if (found.empty()) return absl::OkStatus();
  return absl::FailedPreconditionError(absl::StrCat(
      "refusing to start from scratch: ", why, ", but ", absl::StrJoin(found, "; "),
      ". Starting from scratch would commit that output again: restore the checkpoint "
      "or savepoint that covers it (checkpoints.restore_from), or set "
      "checkpoints.allow_start_from_scratch to start from scratch anyway"));
}

}  // namespace sluice
