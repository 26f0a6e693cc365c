// Everything a job takes from the checkpoint or savepoint it restores: which one
// (StartingPoint), whether its layout fits the job, each operator's state by node,
// and the event time each operator instance goes on from. Job::Impl holds one when
// it restores and asks it to put each task back after the task opened.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "sluice/engine/job_options.h"
#include "sluice/engine/logical_graph.h"
#include "sluice/engine/physical_plan.h"
#include "sluice/runtime/chain_task.h"
#include "sluice/runtime/checkpoint/completed_checkpoint.h"

namespace sluice {

class JobRestore {
 public:
  // The checkpoint or savepoint `options` choose, checked against the job's layout,
  // with every operator instance's state read; nullopt for a fresh start.
  static absl::StatusOr<std::optional<JobRestore>> Load(const CheckpointOptions& options,
                                                        const LogicalGraph& graph,
                                                        const PhysicalPlan& plan,
                                                        int max_key_groups);

  const CompletedCheckpoint& checkpoint() const { return checkpoint_; }
  // The operator state of `node`, by its instance in the restored job.
  const std::vector<std::string>* states_of(int node) const { return &states_[node]; }

  // After the task opened: its keyed state, and the event time each stage reached.
  // `nodes` are the task's chain, `instance` its instance, and a source task's
  // first node is its source.
  absl::Status RestoreTask(ChainTask& task, const std::vector<int>& nodes,
                           bool has_source, int instance) const;

 private:
  JobRestore(CompletedCheckpoint checkpoint, const PhysicalPlan& plan)
      : checkpoint_(std::move(checkpoint)), node_parallelism_(plan.node_parallelism) {}

  // The event time instance `instance` of operator `node` goes on from: what that
  // instance had reached in the restored checkpoint, or at another parallelism the
  // lowest any instance had (nullopt: none recorded).
  absl::StatusOr<std::optional<int64_t>> Watermark(int node, int instance) const;
  absl::StatusOr<std::optional<int64_t>> ReadWatermark(int node, int instance) const;

  CompletedCheckpoint checkpoint_;
  std::vector<int> node_parallelism_;             // in the job being started
  std::vector<std::vector<std::string>> states_;  // [node][old instance]
};

}  // namespace sluice
