// Where a job starts (CheckpointOptions::restore_from): the checkpoint or savepoint
// it restores, or scratch. Starting from scratch is refused when it would commit
// again what was committed before, unless allow_start_from_scratch is set: when the
// checkpoint directory holds checkpoints of which none can be restored, or an
// exactly-once sink already holds committed output (SinkSpec::CommittedOutput).
#pragma once

#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "sluice/engine/job_options.h"
#include "sluice/engine/logical_graph.h"
#include "sluice/runtime/checkpoint/completed_checkpoint.h"

namespace sluice {

class StartingPoint {
 public:
  // The checkpoint to restore, verified; nullopt: start from scratch. What it skips
  // or decides is printed to stderr. Runs before any operator opens.
  static absl::StatusOr<std::optional<CompletedCheckpoint>> Choose(
      const CheckpointOptions& options, const LogicalGraph& graph);

 private:
  // restore_from "latest": the newest checkpoint in options.dir that verifies.
  static absl::StatusOr<std::optional<CompletedCheckpoint>> Latest(
      const CheckpointOptions& options, const LogicalGraph& graph);
  // OK unless a sink of `graph` holds committed output and starting from scratch is
  // not allowed; `why`: why there is no checkpoint to restore.
  static absl::Status CheckNothingCommitted(const CheckpointOptions& options,
                                            const LogicalGraph& graph,
                                            const std::string& why);
};

}  // namespace sluice
