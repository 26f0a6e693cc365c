// Descriptions of sources and sinks that the engine turns into parallel instances.
// io/ implements them; the engine only sees these interfaces.
#pragma once

#include <climits>
#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "sluice/runtime/operator.h"

namespace sluice {

template <class T>
class SourceSpec {
 public:
  using value_type = T;
  virtual ~SourceSpec() = default;
  // A short name for graphs and default operator names ("generator", "csv").
  virtual std::string Kind() const = 0;
  // Checked when the job is built: missing files or bad options fail early.
  virtual absl::Status Validate() const { return absl::OkStatus(); }
  virtual int MaxParallelism() const { return INT_MAX; }
  // One instance per parallel source task; it learns its index in Open().
  virtual std::unique_ptr<SourceOperator> CreateInstance() const = 0;
};

template <class T>
class SinkSpec {
 public:
  using value_type = T;
  virtual ~SinkSpec() = default;
  virtual std::string Kind() const = 0;
  virtual absl::Status Validate() const { return absl::OkStatus(); }
  // 1 for sinks that must see every event in one place (stdout, a merged file).
  virtual int MaxParallelism() const { return INT_MAX; }
  virtual std::unique_ptr<Operator> CreateInstance() const = 0;
  // For an exactly-once sink: what earlier runs committed to its output, in a few
  // words for an error (empty: nothing). A job with checkpoints that starts without
  // restoring one would commit that again, so it asks first, before any Open, and
  // refuses (CheckpointOptions::allow_start_from_scratch).
  virtual absl::StatusOr<std::string> CommittedOutput() const { return std::string(); }
};

}  // namespace sluice
