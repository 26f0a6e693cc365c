// Dataflow: where a user composes a job. Add sources, transform the Streams they
// return, end them in sinks, then Build() a Job (or Run() it).
//
//   sluice::Dataflow flow;
//   flow.Source(sluice::GeneratorSource([](uint64_t i) { return i; }).Count(1000))
//       .Map([](uint64_t x) { return x * 2; })
//       .Sink([](uint64_t x) { ... });
//   absl::Status status = flow.Run();
#pragma once

#include <memory>
#include <string>
#include <type_traits>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "sluice/engine/job.h"
#include "sluice/engine/job_options.h"
#include "sluice/engine/logical_graph.h"
#include "sluice/engine/stream.h"
#include "sluice/runtime/connector_spec.h"

namespace sluice {

class Dataflow {
 public:
  Dataflow() : graph_(std::make_shared<LogicalGraph>()) {}

  // Adds a source described by an io source spec (GeneratorSource, TextLineSource,
  // CsvSource...).
  template <class S>
  Stream<typename S::value_type> Source(S spec) {
    using T = typename S::value_type;
    static_assert(std::is_base_of_v<SourceSpec<T>, S>,
                  "Source(spec): spec must derive from sluice::SourceSpec<T>");
    auto shared = std::make_shared<const S>(std::move(spec));
    LogicalNode node;
    node.kind = shared->Kind();
    node.out_type = typeid(T);
    node.out_type_name = TypeName<T>();
    node.max_parallelism = shared->MaxParallelism();
    node.make_source = [shared] { return shared->CreateInstance(); };
    node.validate = [shared] { return shared->Validate(); };
    return Stream<T>(graph_, graph_->AddNode(std::move(node)));
  }

  // Validates and plans the dataflow. The returned Job has its own copy of the graph:
  // changing the Dataflow afterwards does not affect it.
  absl::StatusOr<Job> Build(const JobOptions& options = {}) const;
  // Build(), Start() and Wait().
  absl::Status Run(const JobOptions& options = {}) const;

  const LogicalGraph& graph() const { return *graph_; }
  std::string ToText() const { return graph_->ToText(); }
  std::string ToDot() const { return graph_->ToDot(); }

 private:
  std::shared_ptr<LogicalGraph> graph_;
};

}  // namespace sluice
