#include "sluice/engine/job_restore.h"

#include <algorithm>
#include <cstdio>
#include <utility>

#include "absl/strings/str_cat.h"
#include "sluice/engine/job_layout.h"
#include "sluice/engine/starting_point.h"
#include "sluice/runtime/event_time/event_time.h"
#include "sluice/runtime/state/state_codec.h"
#include "sluice/runtime/status_macros.h"

namespace sluice {

absl::StatusOr<std::optional<JobRestore>> JobRestore::Load(
    const CheckpointOptions& options, const LogicalGraph& graph, const PhysicalPlan& plan,
    int max_key_groups) {
  SLUICE_ASSIGN_OR_RETURN(std::optional<CompletedCheckpoint> checkpoint,
                          StartingPoint::Choose(options, graph));
  if (!checkpoint) return std::nullopt;
  const std::string where = absl::StrCat(
      checkpoint->savepoint() ? "savepoint " : "checkpoint ", checkpoint->dir());
  SLUICE_ASSIGN_OR_RETURN(std::string layout_bytes,
                          checkpoint->Read(StateNames::kJobLayout));
  SLUICE_ASSIGN_OR_RETURN(JobLayout layout, JobLayout::Decode(layout_bytes, where));
  SLUICE_RETURN_IF_ERROR(
      layout.CheckRestorableInto(JobLayout::Of(graph, plan, max_key_groups), where));
  std::vector<std::vector<std::string>> states(graph.size());
  for (int node = 0; node < graph.size(); ++node) {
    for (int i = 0; i < layout.nodes[node].parallelism; ++i) {
      const std::string name = StateNames::Operator(node, i);
      std::string bytes;
      if (checkpoint->Has(name)) {
        SLUICE_ASSIGN_OR_RETURN(bytes, checkpoint->Read(name));
      }
      states[node].push_back(std::move(bytes));
    }
  }
  std::fprintf(stderr, "sluice: restoring from %s (id %lld)\n", where.c_str(),
               static_cast<long long>(checkpoint->id()));
  JobRestore restore(std::move(*checkpoint), plan);
  restore.states_ = std::move(states);
  return restore;
}

absl::Status JobRestore::RestoreTask(ChainTask& task, const std::vector<int>& nodes,
                                     bool has_source, int instance) const {
  SLUICE_RETURN_IF_ERROR(task.RestoreKeyedState(checkpoint_));
  const size_t first_stage = has_source ? 1 : 0;
  for (size_t i = first_stage; i < nodes.size(); ++i) {
    SLUICE_ASSIGN_OR_RETURN(std::optional<int64_t> watermark,
                            Watermark(nodes[i], instance));
    if (watermark) task.SetRestoredWatermark(i - first_stage, *watermark);
  }
  return absl::OkStatus();
}

absl::StatusOr<std::optional<int64_t>> JobRestore::Watermark(int node,
                                                             int instance) const {
  const size_t old_parallelism = states_[node].size();
  // At the same parallelism each instance goes on from its own (instances can differ:
  // forward edges, idle inputs); rescaled, from the lowest, so nothing on time then
  // becomes late.
  if (old_parallelism == static_cast<size_t>(node_parallelism_[node])) {
    return ReadWatermark(node, instance);
  }
  std::optional<int64_t> lowest;
  for (size_t i = 0; i < old_parallelism; ++i) {
    SLUICE_ASSIGN_OR_RETURN(std::optional<int64_t> watermark,
                            ReadWatermark(node, static_cast<int>(i)));
    if (!watermark) return std::nullopt;
    lowest = std::min(lowest.value_or(*watermark), *watermark);
  }
  return lowest;
}

absl::StatusOr<std::optional<int64_t>> JobRestore::ReadWatermark(int node,
                                                                 int instance) const {
  const std::string name = StateNames::Watermark(node, instance);
  if (!checkpoint_.Has(name)) return std::nullopt;  // it had seen no watermark
  SLUICE_ASSIGN_OR_RETURN(std::string bytes, checkpoint_.Read(name));
  int64_t watermark = 0;
  StateReader reader(bytes);
  DecodeState(reader, watermark);
  if (reader.failed() || !reader.done()) {
    return absl::DataLossError(
        absl::StrCat("checkpoint ", checkpoint_.dir(), ": ", name, " is damaged"));
  }
  // +infinity is the end of a finished input, not event time reached: records
  // appended to the log since must not all be late.
  if (watermark == kMaxWatermark) return std::nullopt;
  return watermark;
}

}  // namespace sluice
