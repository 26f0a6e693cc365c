#include "sluice/engine/planner.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "sluice/runtime/status_macros.h"

namespace sluice {
namespace {

// The partitioning an edge really needs once parallelism is known: a forward edge
// between different parallelisms must rebalance; between two single instances every
// partitioning is a plain forward.
Partitioning EffectivePartitioning(Partitioning requested, int from_parallelism,
                                   int to_parallelism) {
  if (from_parallelism == 1 && to_parallelism == 1) return Partitioning::kForward;
  if (requested == Partitioning::kForward && from_parallelism != to_parallelism) {
    return Partitioning::kRebalance;
  }
  return requested;
}

}  // namespace

absl::StatusOr<PhysicalPlan> Planner::Plan(const LogicalGraph& graph) const {
  if (options_.default_parallelism < 1) {
    return absl::InvalidArgumentError(absl::StrCat(
        "default parallelism must be >= 1, got ", options_.default_parallelism));
  }
  SLUICE_RETURN_IF_ERROR(graph.Validate());
  SLUICE_ASSIGN_OR_RETURN(std::vector<int> order, graph.TopologicalOrder());

  PhysicalPlan plan;
  int n = graph.size();
  plan.node_parallelism.resize(n);
  plan.chain_of_node.assign(n, -1);
  for (const LogicalNode& node : graph.nodes()) {
    int parallelism = node.parallelism.value_or(options_.default_parallelism);
    plan.node_parallelism[node.id] = std::min(parallelism, node.max_parallelism);
  }

  for (int id : order) {
    const LogicalNode& node = graph.node(id);
    int parallelism = plan.node_parallelism[id];
    bool fuse = false;
    if (options_.chaining && node.inputs.size() == 1) {
      const LogicalEdge& edge = node.inputs[0];
      int from_parallelism = plan.node_parallelism[edge.from];
      fuse = edge.from_output == 0 &&
             EffectivePartitioning(edge.partitioning, from_parallelism, parallelism) ==
                 Partitioning::kForward &&
             from_parallelism == parallelism && graph.Consumers(edge.from).size() == 1;
    }
    if (fuse) {
      int chain = plan.chain_of_node[node.inputs[0].from];
      plan.chains[chain].nodes.push_back(id);
      plan.chain_of_node[id] = chain;
      continue;
    }
    int chain = static_cast<int>(plan.chains.size());
    plan.chains.push_back(PlannedChain{{id}, parallelism, {}, {}});
    plan.chain_of_node[id] = chain;
    for (size_t port = 0; port < node.inputs.size(); ++port) {
      const LogicalEdge& edge = node.inputs[port];
      PlannedExchange exchange;
      exchange.producer_node = edge.from;
      exchange.consumer_node = id;
      exchange.producer_chain = plan.chain_of_node[edge.from];
      exchange.consumer_chain = chain;
      exchange.port = static_cast<int>(port);
      exchange.partitioning = EffectivePartitioning(
          edge.partitioning, plan.node_parallelism[edge.from], parallelism);
      exchange.edge = &edge;
      int index = static_cast<int>(plan.exchanges.size());
      plan.exchanges.push_back(exchange);
      plan.chains[chain].inputs.push_back(index);
      plan.chains[exchange.producer_chain].outputs.push_back(index);
    }
  }
  return plan;
}

std::string PhysicalPlan::ToText(const LogicalGraph& graph) const {
  std::string out;
  for (size_t c = 0; c < chains.size(); ++c) {
    std::vector<std::string> names;
    for (int id : chains[c].nodes) names.push_back(graph.node(id).name);
    absl::StrAppendFormat(&out, "task %d x%d: %s\n", c, chains[c].parallelism,
                          absl::StrJoin(names, " -> "));
    for (int e : chains[c].inputs) {
      const PlannedExchange& exchange = exchanges[e];
      absl::StrAppendFormat(&out, "    <- task %d via %s\n", exchange.producer_chain,
                            PartitioningName(exchange.partitioning));
    }
  }
  return out;
}

}  // namespace sluice
