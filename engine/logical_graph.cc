#include "sluice/engine/logical_graph.h"

#include <algorithm>
#include <atomic>
#include <set>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_replace.h"
#include "sluice/engine/job_options.h"
#include "sluice/runtime/status_macros.h"

namespace sluice {

int LogicalGraph::AddNode(LogicalNode node) {
  node.id = size();
  if (node.name.empty()) node.name = absl::StrCat(node.kind, "#", node.id);
  nodes_.push_back(std::move(node));
  return nodes_.back().id;
}

std::vector<int> LogicalGraph::Consumers(int id) const {
  std::vector<int> consumers;
  for (const LogicalNode& node : nodes_) {
    for (const LogicalEdge& edge : node.inputs) {
      if (edge.from == id) consumers.push_back(node.id);
    }
  }
  return consumers;
}

int LogicalGraph::ConsumerCount(int id, int output) const {
  int count = 0;
  for (const LogicalNode& node : nodes_) {
    for (const LogicalEdge& edge : node.inputs) {
      count += edge.from == id && edge.from_output == output;
    }
  }
  return count;
}

LogicalGraph::LogicalGraph() {
  static std::atomic<uint64_t> next_id{1};
  id_ = next_id.fetch_add(1, std::memory_order_relaxed);
}

absl::StatusOr<std::vector<int>> LogicalGraph::TopologicalOrder() const {
  // Kahn's algorithm; nodes left over sit on a cycle.
  std::vector<int> pending_inputs(nodes_.size());
  std::vector<int> order;
  for (const LogicalNode& node : nodes_) {
    pending_inputs[node.id] = static_cast<int>(node.inputs.size());
    if (node.inputs.empty()) order.push_back(node.id);
  }
  for (size_t i = 0; i < order.size(); ++i) {
    for (const LogicalNode& consumer : nodes_) {
      for (const LogicalEdge& edge : consumer.inputs) {
        if (edge.from == order[i] && --pending_inputs[consumer.id] == 0) {
          order.push_back(consumer.id);
        }
      }
    }
  }
  if (order.size() != nodes_.size()) {
    for (const LogicalNode& node : nodes_) {
      if (pending_inputs[node.id] > 0) {
        return absl::InvalidArgumentError(
            absl::StrCat("the dataflow has a cycle through '", node.name,
                         "': dataflows must be acyclic (iterations are not supported)"));
      }
    }
  }
  return order;
}

absl::Status LogicalGraph::Validate() const {
  bool has_source = false;
  std::set<std::string> names;
  for (const LogicalNode& node : nodes_) {
    if (!names.insert(node.name).second) {
      return absl::InvalidArgumentError(absl::StrCat(
          "two operators are named '", node.name,
          "': names identify operators in metrics and state, so they must be unique"));
    }
    if (node.make_source) has_source = true;
    if (!node.make_source && node.inputs.empty()) {
      return absl::InvalidArgumentError(
          absl::StrCat("operator '", node.name, "' has no input"));
    }
    if (node.parallelism &&
        (*node.parallelism < 1 || *node.parallelism > JobOptions::kMaxParallelism)) {
      return absl::InvalidArgumentError(absl::StrCat(
          "operator '", node.name, "': Parallelism(", *node.parallelism,
          ") is out of range: it must be between 1 and ", JobOptions::kMaxParallelism));
    }
    if (node.parallelism.value_or(1) > node.max_parallelism) {
      return absl::InvalidArgumentError(
          absl::StrCat("operator '", node.name, "' (", node.kind, ") runs at most ",
                       node.max_parallelism, " instance(s), but parallelism ",
                       *node.parallelism, " was requested"));
    }
    for (size_t port = 0; port < node.inputs.size(); ++port) {
      const LogicalEdge& edge = node.inputs[port];
      if (edge.from < 0 || edge.from >= size()) {
        return absl::InvalidArgumentError(absl::StrCat(
            "operator '", node.name, "' reads from a stream of another dataflow"));
      }
      const LogicalNode& from = nodes_[edge.from];
      if (from.is_sink) {
        return absl::InvalidArgumentError(
            absl::StrCat("operator '", node.name, "' reads from sink '", from.name, "'"));
      }
      std::type_index type = from.out_type;
      std::string type_name = from.out_type_name;
      if (edge.from_output > 0) {
        if (edge.from_output > static_cast<int>(from.side_outputs.size())) {
          return absl::InvalidArgumentError(absl::StrCat(
              "operator '", node.name, "' reads side output ", edge.from_output, " of '",
              from.name, "', which declares no such output"));
        }
        type = from.side_outputs[edge.from_output - 1].type;
        type_name = from.side_outputs[edge.from_output - 1].type_name;
      }
      std::type_index expected = node.in_type;
      std::string expected_name = node.in_type_name;
      if (port < node.input_types.size()) {
        expected = node.input_types[port].first;
        expected_name = node.input_types[port].second;
      }
      if (type != expected) {
        return absl::InvalidArgumentError(absl::StrCat(
            "type mismatch on edge '", from.name, "' -> '", node.name, "': '", from.name,
            "' produces ", type_name, " but '", node.name, "' expects ", expected_name));
      }
    }
    if (!node.is_sink && ConsumerCount(node.id, 0) == 0) {
      return absl::InvalidArgumentError(
          absl::StrCat("the stream of '", node.name, "' (", node.out_type_name,
                       ") goes nowhere: connect it to an operator or a Sink"));
    }
    if (node.validate) {
      absl::Status status = node.validate();
      if (!status.ok()) {
        return absl::Status(status.code(), absl::StrCat("operator '", node.name,
                                                        "': ", status.message()));
      }
    }
  }
  if (!has_source) return absl::InvalidArgumentError("the dataflow has no source");
  SLUICE_ASSIGN_OR_RETURN(std::vector<int> order, TopologicalOrder());
  return CheckEventTime(order);
}

// Without this check the job would start and fail at the operator's first batch.
absl::Status LogicalGraph::CheckEventTime(const std::vector<int>& order) const {
  std::vector<bool> has_event_time(nodes_.size(), false);
  for (int id : order) {
    const LogicalNode& node = nodes_[id];
    bool inputs_have_it = !node.inputs.empty();
    for (const LogicalEdge& edge : node.inputs) {
      inputs_have_it = inputs_have_it && has_event_time[edge.from];
    }
    has_event_time[id] =
        node.assigns_event_time || (inputs_have_it && !node.drops_event_time);
    if (!node.needs_event_time) continue;
    for (const LogicalEdge& edge : node.inputs) {
      if (has_event_time[edge.from]) continue;
      return absl::InvalidArgumentError(absl::StrCat(
          "operator '", node.name, "' (", node.kind,
          ") needs event time, but its input '", nodes_[edge.from].name,
          "' has none: call AssignTimestamps(fn, strategy) on the stream before it, "
          "best right after its source ('",
          UntimedSourceOf(edge.from, has_event_time).name,
          "'), so each source split has a watermark"));
    }
  }
  return absl::OkStatus();
}

const LogicalNode& LogicalGraph::UntimedSourceOf(
    int id, const std::vector<bool>& has_event_time) const {
  while (!nodes_[id].inputs.empty()) {
    const std::vector<LogicalEdge>& inputs = nodes_[id].inputs;
    auto untimed = std::find_if(inputs.begin(), inputs.end(), [&](const LogicalEdge& e) {
      return !has_event_time[e.from];
    });
    id = (untimed != inputs.end() ? *untimed : inputs.front()).from;
  }
  return nodes_[id];
}

std::string LogicalGraph::OutputName(const LogicalEdge& edge) const {
  const LogicalNode& from = nodes_[edge.from];
  if (edge.from_output == 0) return "main output";
  if (edge.from_output > static_cast<int>(from.side_outputs.size())) {
    return absl::StrCat("side output ", edge.from_output);
  }
  return absl::StrCat("side output '", from.side_outputs[edge.from_output - 1].name, "'");
}

const std::string& LogicalGraph::OutputTypeName(const LogicalEdge& edge) const {
  const LogicalNode& from = nodes_[edge.from];
  if (edge.from_output == 0 ||
      edge.from_output > static_cast<int>(from.side_outputs.size())) {
    return from.out_type_name;
  }
  return from.side_outputs[edge.from_output - 1].type_name;
}

std::string LogicalGraph::ToText() const {
  std::string out;
  for (const LogicalNode& node : nodes_) {
    std::string parallelism =
        node.parallelism ? absl::StrCat(*node.parallelism) : "default";
    absl::StrAppendFormat(&out, "%d %s [%s] -> %s, parallelism %s\n", node.id, node.name,
                          node.kind, node.is_sink ? "(sink)" : node.out_type_name,
                          parallelism);
    for (const LogicalEdge& edge : node.inputs) {
      std::string side = edge.from_output > 0 ? absl::StrCat(", ", OutputName(edge)) : "";
      absl::StrAppendFormat(&out, "    <- %s (%s%s)\n", nodes_[edge.from].name,
                            PartitioningName(edge.partitioning), side);
    }
  }
  return out;
}

std::string LogicalGraph::ToDot() const {
  auto quote = [](const std::string& s) {
    return absl::StrCat("\"", absl::StrReplaceAll(s, {{"\"", "\\\""}}), "\"");
  };
  std::string out = "digraph sluice {\n  rankdir=LR;\n";
  for (const LogicalNode& node : nodes_) {
    std::string label = absl::StrCat(node.name, "\\n", node.kind);
    absl::StrAppendFormat(&out, "  n%d [label=%s, shape=%s];\n", node.id, quote(label),
                          node.make_source ? "invhouse"
                          : node.is_sink   ? "house"
                                           : "box");
    for (const LogicalEdge& edge : node.inputs) {
      absl::StrAppendFormat(
          &out, "  n%d -> n%d [label=%s];\n", edge.from, node.id,
          quote(absl::StrCat(
              PartitioningName(edge.partitioning), "\\n",
              edge.from_output > 0 ? absl::StrCat(OutputName(edge), "\\n") : "",
              OutputTypeName(edge))));
    }
  }
  out += "}\n";
  return out;
}

}  // namespace sluice
