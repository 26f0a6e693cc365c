// The shape of the dataflow a checkpoint was taken from, stored in it (as the "job"
// state): each node's name, kind and parallelism, and the key group count. A restore
// checks the dataflow it runs is the same one (state is named by node id), and learns
// how many instances each operator had (their states are handed to the new ones).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <tuple>
#include <vector>

#include "absl/status/statusor.h"
#include "sluice/engine/logical_graph.h"
#include "sluice/engine/physical_plan.h"

namespace sluice {

struct JobLayout {
  static constexpr uint32_t kVersion = 1;

  struct Node {
    std::string name;
    std::string kind;
    int32_t parallelism = 0;
    auto Fields() { return std::tie(name, kind, parallelism); }
  };
  int32_t max_key_groups = 0;
  std::vector<Node> nodes;  // by node id

  static JobLayout Of(const LogicalGraph& graph, const PhysicalPlan& plan,
                      int max_key_groups);
  std::string Encode() const;
  // `where` names the checkpoint in errors.
  static absl::StatusOr<JobLayout> Decode(std::string_view bytes,
                                          const std::string& where);

  // OK when `current` (this run's dataflow) can restore state taken by this one:
  // the same nodes, in the same order, and the same key group count.
  absl::Status CheckRestorableInto(const JobLayout& current,
                                   const std::string& where) const;
};

}  // namespace sluice
