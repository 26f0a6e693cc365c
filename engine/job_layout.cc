#include "sluice/engine/job_layout.h"

#include "absl/strings/str_cat.h"
#include "sluice/runtime/state/state_codec.h"

namespace sluice {

JobLayout JobLayout::Of(const LogicalGraph& graph, const PhysicalPlan& plan,
                        int max_key_groups) {
  JobLayout layout;
  layout.max_key_groups = max_key_groups;
  for (const LogicalNode& node : graph.nodes()) {
    layout.nodes.push_back(Node{node.name, node.kind, plan.node_parallelism[node.id]});
  }
  return layout;
}

std::string JobLayout::Encode() const {
  std::string out;
  StateWriter writer(out);
  EncodeState(kVersion, writer);
  EncodeState(max_key_groups, writer);
  EncodeState(nodes, writer);
  return out;
}

absl::StatusOr<JobLayout> JobLayout::Decode(std::string_view bytes,
                                            const std::string& where) {
  StateReader reader(bytes);
  uint32_t version = 0;
  DecodeState(reader, version);
  if (!reader.failed() && version != kVersion) {
    return absl::FailedPreconditionError(absl::StrCat(where, ": job layout version ",
                                                      version,
                                                      " is not readable by this "
                                                      "build (it reads version ",
                                                      kVersion, ")"));
  }
  JobLayout layout;
  DecodeState(reader, layout.max_key_groups);
  DecodeState(reader, layout.nodes);
  if (reader.failed() || !reader.done()) {
    return absl::DataLossError(absl::StrCat(where, ": the job layout is damaged"));
  }
  return layout;
}

absl::Status JobLayout::CheckRestorableInto(const JobLayout& current,
                                            const std::string& where) const {
  auto mismatch = [&](const std::string& what) {
    return absl::FailedPreconditionError(absl::StrCat(
        where, " was taken by a different dataflow: ", what,
        ". State is matched to operators by their position in the dataflow, so the "
        "job must build the same operators in the same order"));
  };
  if (nodes.size() != current.nodes.size()) {
    return mismatch(absl::StrCat("it has ", nodes.size(), " operators, this job ",
                                 current.nodes.size()));
  }
  for (size_t i = 0; i < nodes.size(); ++i) {
    if (nodes[i].name != current.nodes[i].name ||
        nodes[i].kind != current.nodes[i].kind) {
      return mismatch(absl::StrCat("operator ", i, " is '", nodes[i].name, "' (",
                                   nodes[i].kind, ") there and '", current.nodes[i].name,
                                   "' (", current.nodes[i].kind, ") here"));
    }
  }
  if (max_key_groups != current.max_key_groups) {
    return absl::FailedPreconditionError(absl::StrCat(
        where, " has ", max_key_groups, " key groups; this job has ",
        current.max_key_groups, ": set JobOptions::max_key_groups to ", max_key_groups));
  }
  return absl::OkStatus();
}

}  // namespace sluice
