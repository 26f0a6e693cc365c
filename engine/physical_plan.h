// The planner's output: operators fused into chains (one task per parallel instance of
// each chain) and the exchanges between chains.
#pragma once

#include <string>
#include <vector>

#include "sluice/engine/logical_graph.h"
#include "sluice/runtime/channel_output.h"

namespace sluice {

struct PlannedExchange {
  int producer_chain = -1;
  int consumer_chain = -1;
  int producer_node = -1;
  int consumer_node = -1;
  int port = 0;  // which input of the consumer node
  Partitioning partitioning = Partitioning::kForward;
  const LogicalEdge* edge = nullptr;  // points into the plan's graph copy
};

struct PlannedChain {
  std::vector<int> nodes;  // logical node ids, upstream first
  int parallelism = 1;
  std::vector<int> inputs;   // indices into PhysicalPlan::exchanges
  std::vector<int> outputs;  // indices into PhysicalPlan::exchanges
};

struct PhysicalPlan {
  std::vector<PlannedChain> chains;  // producers before consumers
  std::vector<PlannedExchange> exchanges;
  std::vector<int> node_parallelism;  // per logical node id
  std::vector<int> chain_of_node;     // per logical node id

  std::string ToText(const LogicalGraph& graph) const;
};

}  // namespace sluice
