// Turns a validated logical graph into a physical plan: resolves parallelism, fuses
// forward edges between equal-parallelism operators into chains, and places
// exchanges where partitioning changes.
#pragma once

#include "absl/status/statusor.h"
#include "sluice/engine/logical_graph.h"
#include "sluice/engine/physical_plan.h"

namespace sluice {

struct PlannerOptions {
  int default_parallelism = 1;
  bool chaining = true;  // false: every operator gets its own task (for debugging)
};

class Planner {
 public:
  explicit Planner(PlannerOptions options) : options_(options) {}
  // `graph` must outlive the plan (exchanges point at its edges).
  absl::StatusOr<PhysicalPlan> Plan(const LogicalGraph& graph) const;

 private:
  PlannerOptions options_;
};

}  // namespace sluice
