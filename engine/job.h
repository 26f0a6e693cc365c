// A built dataflow, ready to run: Start() launches its tasks, Wait() blocks until it
// finishes, fails or is cancelled. Thread-safe: Cancel() and Metrics() may be called
// from any thread while the job runs.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "sluice/engine/job_options.h"
#include "sluice/engine/logical_graph.h"
#include "sluice/engine/physical_plan.h"
#include "sluice/runtime/checkpoint/checkpoint_coordinator.h"
#include "sluice/runtime/operator_metrics.h"

namespace sluice {

class Job {
 public:
  // Plans `graph` (validating it) and prepares a job; nothing runs yet.
  static absl::StatusOr<Job> Create(LogicalGraph graph, JobOptions options);
  Job(Job&&) noexcept;
  Job& operator=(Job&&) noexcept;
  ~Job();  // cancels and waits if still running

  // Opens every operator (a missing input file fails here) and starts the tasks.
  // Call once.
  absl::Status Start();
  // Asks every task to stop; Wait() then returns a CANCELLED status.
  void Cancel();
  // Blocks until the job ends. OK when every source ended and all data reached the
  // sinks; otherwise the first error, naming the operator and instance that failed.
  absl::Status Wait();
  // Start() then Wait().
  absl::Status Run();
  // Takes a savepoint into `dir` (created; it must not exist), lets the sinks commit
  // what it covers, and stops the job: Wait() then returns OK. A job started with
  // checkpoints.restore_from = `dir` goes on from there. Needs checkpoints.dir.
  absl::Status StopWithSavepoint(const std::string& dir);
  // Checkpoints taken so far (all zero without checkpoints).
  CheckpointStats Checkpoints() const;

  // Per operator instance, readable while the job runs.
  std::vector<OperatorMetricsSnapshot> Metrics() const;
  // The metrics of one operator, summed over its instances (`instance` is -1), by
  // the handle its builder returned, a Stream or what Sink returns:
  //   auto windows = keyed.Window(...).Aggregate(...);  ...
  //   job->MetricsOf(windows)->late_records
  // Fails if the handle belongs to another dataflow. Zeros before Start().
  template <class StreamOrSink>
  absl::StatusOr<OperatorMetricsSnapshot> MetricsOf(const StreamOrSink& handle) const {
    return MetricsOfNode(*handle.graph(), handle.node_id());
  }
  std::string MetricsTable() const;
  // Where the job's HTTP server listens ("127.0.0.1:40123"), once Start() has opened
  // an endpoint that needs it (JobOptions::http); "" if none did, or after the end.
  std::string http_address() const;

  const LogicalGraph& graph() const;
  const PhysicalPlan& plan() const;
  std::string PlanText() const;

 private:
  absl::StatusOr<OperatorMetricsSnapshot> MetricsOfNode(const LogicalGraph& graph,
                                                        int node) const;
  class Impl;
  explicit Job(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace sluice
