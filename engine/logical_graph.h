// The dataflow as the user built it: typed nodes (sources, operators, sinks) and the
// edges between them with their partitioning. Nothing runs here; the planner turns it
// into chains of tasks.
#pragma once

#include <climits>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <typeindex>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "sluice/runtime/channel.h"
#include "sluice/runtime/channel_output.h"
#include "sluice/runtime/operator.h"

namespace sluice {

// Builds the Output through which one producer instance writes to the channels of
// the consumer instances it feeds.
using OutputFactory = std::function<std::unique_ptr<Output>(
    std::vector<Channel*> channels, int producer_instance,
    const OperatorContext& context)>;

struct LogicalEdge {
  int from = -1;
  Partitioning partitioning = Partitioning::kForward;
  // Set for key-hash edges (typed: it extracts the key); others use ChannelOutput.
  OutputFactory make_key_hash_output;
  // Which output of `from`: 0 its main stream, k >= 1 its side output k.
  int from_output = 0;
};

// A second stream an operator may emit (late events of a window, say).
struct SideOutput {
  std::string name;
  std::type_index type = typeid(void);
  std::string type_name;
};

struct LogicalNode {
  int id = -1;
  std::string name;
  std::string kind;                // "source", "map", "filter", "reduce", "sink", ...
  std::optional<int> parallelism;  // set by Parallelism(n); unset: the job's default
  int max_parallelism = INT_MAX;
  std::type_index in_type = typeid(void);
  std::type_index out_type = typeid(void);
  std::string in_type_name;
  std::string out_type_name;
  std::vector<LogicalEdge> inputs;
  // Per input, the type it expects, for operators whose inputs differ (joins);
  // empty: every input expects in_type.
  std::vector<std::pair<std::type_index, std::string>> input_types;
  std::vector<SideOutput> side_outputs;  // output k >= 1 is side_outputs[k - 1]
  bool is_sink = false;
  // Event time: AssignTimestamps gives it; every other operator passes it on when all
  // its inputs have it, except those that drop it (results at end of input). Windows,
  // joins and keyed process functions need it.
  bool assigns_event_time = false;
  bool drops_event_time = false;
  bool needs_event_time = false;
  std::function<std::unique_ptr<SourceOperator>()> make_source;  // sources only
  std::function<std::unique_ptr<Operator>()> make_operator;      // everything else
  std::function<absl::Status()> validate;                        // optional
  // Sinks: SinkSpec::CommittedOutput (optional).
  std::function<absl::StatusOr<std::string>()> committed_output;
};

class LogicalGraph {
 public:
  LogicalGraph();
  // Identifies a Dataflow's graph and its copies (a Job's), so that a stream handle
  // can be checked to belong to a job.
  uint64_t id() const { return id_; }

  // Returns the new node's id.
  int AddNode(LogicalNode node);
  LogicalNode& node(int id) { return nodes_[id]; }
  const LogicalNode& node(int id) const { return nodes_[id]; }
  int size() const { return static_cast<int>(nodes_.size()); }
  const std::vector<LogicalNode>& nodes() const { return nodes_; }

  // Ids of the nodes that read from `id` (any of its outputs).
  std::vector<int> Consumers(int id) const;
  // How many edges read output `output` of `id`.
  int ConsumerCount(int id, int output) const;

  // Checks the graph: at least one source, every edge's types agree, no cycles, every
  // non-sink output is consumed, names are unique, connector options are valid, and
  // every operator that needs event time gets it.
  absl::Status Validate() const;

  // Nodes ordered so every producer precedes its consumers; error on a cycle.
  absl::StatusOr<std::vector<int>> TopologicalOrder() const;

  std::string ToText() const;
  std::string ToDot() const;

 private:
  // For printing: which output of its producer `edge` reads ("side output 'late'"),
  // and that output's type.
  std::string OutputName(const LogicalEdge& edge) const;
  const std::string& OutputTypeName(const LogicalEdge& edge) const;

  absl::Status CheckEventTime(const std::vector<int>& order) const;
  // A source whose events reach `id` without event time (`has_event_time` per node).
  const LogicalNode& UntimedSourceOf(int id,
                                     const std::vector<bool>& has_event_time) const;

  std::vector<LogicalNode> nodes_;
  uint64_t id_;
};

}  // namespace sluice
