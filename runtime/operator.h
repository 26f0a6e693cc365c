// The runtime's view of an operator: something that consumes batches and control
// elements and emits to an Output. Concrete operators live in operators/ and io/.
// An operator instance is driven by one task at a time; it needs no locking.
#pragma once

#include <cstdint>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "sluice/runtime/batch.h"
#include "sluice/runtime/operator_context.h"
#include "sluice/runtime/operator_error.h"
#include "sluice/runtime/output.h"
#include "sluice/runtime/state/keyed_state_backend.h"

namespace sluice {

class Operator {
 public:
  virtual ~Operator() = default;

  // Called once before any input, on the thread that starts the job.
  virtual absl::Status Open(const OperatorContext& context) {
    (void)context;
    return absl::OkStatus();
  }
  // A data batch arrived on input `port` (0 unless the operator has several inputs).
  // This and the two below fail the job by throwing OperatorError (operator_error.h).
  virtual void ProcessBatch(int port, BatchPtr batch, Output& out) = 0;
  // The combined (minimum) watermark of this operator's inputs advanced. Operators
  // that buffer by event time override this; the default passes it on.
  virtual void ProcessWatermark(int64_t watermark, Output& out) {
    out.EmitControl(ElementKind::kWatermark, watermark);
  }
  // The operator's input went idle (`idle`) or became active again. While it is
  // idle, downstream event time moves on without it, so an operator holding
  // elements back for a watermark must let them go now. The default passes it on.
  virtual void ProcessIdleness(bool idle, Output& out) {
    out.EmitControl(ElementKind::kIdleness, idle ? 1 : 0);
  }
  // True for an operator whose output batches keep their input batch's split (map,
  // filter, flat map): the two split markers below are then passed on by default, so
  // that a timestamp assigner after it still sees them. Otherwise they stop here; the
  // runtime drops them at the chain's end too, as split ids mean something only next
  // to their source.
  virtual bool KeepsSplits() const { return false; }
  // The source this operator is chained to finished split `split` (see
  // Batch::split).
  virtual void ProcessSplitEnd(int64_t split, Output& out) {
    if (KeepsSplits()) out.EmitControl(ElementKind::kSplitEnd, split);
  }
  // The source this operator is chained to will read a split: announced before its
  // first batch, so that a split with nothing yet, or one read later than another, is
  // waited for. `split` is the id, plus kSplitQueued if the source reads it only after
  // others (read both with SplitIdOf and IsQueuedSplit, runtime/element.h).
  virtual void ProcessSplitStart(int64_t split, Output& out) {
    if (KeepsSplits()) out.EmitControl(ElementKind::kSplitStart, split);
  }
  // Processing time reached a timer registered through
  // OperatorContext::processing_timers (`now_millis` is the clock's time).
  virtual void OnProcessingTime(int64_t now_millis, Output& out) {
    (void)now_millis;
    (void)out;
  }
  // Every input has ended: emit whatever is buffered. End-of-input is forwarded by
  // the runtime afterwards.
  virtual void Finish(Output& out) { (void)out; }
  // The operator's keyed state, for snapshots and restores by key group (nullptr
  // when it keeps none).
  virtual KeyedStateBackend* keyed_state() { return nullptr; }
  // Checkpoint `checkpoint_id`'s barrier reached this operator, after every element
  // before it: emit what is held only to batch output (partial aggregates) so that
  // it is not lost with the barrier. Called before SnapshotState.
  virtual void PrepareSnapshotPreBarrier(int64_t checkpoint_id, Output& out) {
    (void)checkpoint_id;
    (void)out;
  }
  // The operator's state that is not keyed, for checkpoint `checkpoint_id` (a
  // transactional sink pre-commits here and returns its pending files). Empty: none.
  // A restore hands every instance the states of all instances of the run that took
  // the checkpoint (OperatorContext::restored_states), each taking its share.
  virtual absl::StatusOr<std::string> SnapshotState(int64_t checkpoint_id) {
    (void)checkpoint_id;
    return std::string();
  }
  // Called once after the last element or on cancellation; release resources here.
  // A non-OK status (a sink failing to flush, say) fails the job.
  virtual absl::Status Close() { return absl::OkStatus(); }
  // Checkpoint `checkpoint_id` completed, or (kFinalCheckpoint) the whole job
  // finished with every input consumed: make visible what was pre-committed for it
  // (a transactional sink commits its files). Called from the job's thread, after
  // Close; an error fails the job. Never called for a job that failed or was
  // cancelled, so a sink that commits only here exposes nothing of such a job.
  virtual absl::Status NotifyCheckpointComplete(int64_t checkpoint_id) {
    (void)checkpoint_id;
    return absl::OkStatus();
  }
};

// The checkpoint id of a job's successful end (Operator::NotifyCheckpointComplete).
inline constexpr int64_t kFinalCheckpoint = INT64_MAX;

// What a source reports after one call to Produce.
struct SourceStep {
  enum Kind { kMore, kWaitUntilNanos, kEnd } kind = kMore;
  int64_t wake_at_nanos = 0;  // steady-clock nanoseconds, for kWaitUntilNanos

  static SourceStep More() { return SourceStep{kMore, 0}; }
  static SourceStep End() { return SourceStep{kEnd, 0}; }
  static SourceStep WaitUntil(int64_t steady_nanos) {
    return SourceStep{kWaitUntilNanos, steady_nanos};
  }
};

class SourceOperator {
 public:
  virtual ~SourceOperator() = default;
  // Called once before Produce; report unreadable inputs here with a clear status.
  virtual absl::Status Open(const OperatorContext& context) = 0;
  // Emits at most about one batch and says whether there is more. Must not block for
  // long: a source with nothing ready returns WaitUntil.
  // Errors (bad input under the "fail" policy) are returned as a status.
  virtual absl::StatusOr<SourceStep> Produce(Output& out) = 0;
  virtual absl::Status Close() { return absl::OkStatus(); }
  // Whether SnapshotState records where this source is, so that a job with
  // checkpoints can resume it; a job with checkpoints refuses to start otherwise.
  virtual bool SupportsCheckpoints() const { return false; }
  // Where the source is, between two Produce calls: what a restore hands back
  // through OperatorContext::restored_states (every instance gets all instances'
  // positions and takes its share).
  virtual absl::StatusOr<std::string> SnapshotState() {
    return absl::UnimplementedError("this source does not support checkpoints");
  }
};

}  // namespace sluice
