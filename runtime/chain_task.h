// The task body for one parallel instance of a fused chain: an optional source, then
// operators that pass batches to each other through ChainLinks, ending in the
// exchange outputs of the chain's downstream edges.
#pragma once

#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <queue>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "sluice/runtime/barrier_aligner.h"
#include "sluice/runtime/channel.h"
#include "sluice/runtime/checkpoint/checkpoint_coordinator.h"
#include "sluice/runtime/checkpoint/completed_checkpoint.h"
#include "sluice/runtime/event_time/input_gate.h"
#include "sluice/runtime/operator.h"
#include "sluice/runtime/operator_metrics.h"
#include "sluice/runtime/processing_clock.h"
#include "sluice/runtime/scheduler.h"
#include "sluice/runtime/source_pacer.h"
#include "sluice/runtime/stage_tracker.h"
#include "sluice/runtime/task.h"

namespace sluice {

// Job-wide services a task needs.
struct TaskEnvironment {
  Scheduler* scheduler = nullptr;
  ProcessingClock* clock = nullptr;  // processing time for operator timers
  const std::atomic<bool>* cancelled = nullptr;
  // Records the first failure and cancels the job. Thread-safe.
  std::function<void(absl::Status)> fail;
  // Set when the job takes checkpoints; `task_index` is this task's number there.
  CheckpointCoordinator* checkpoints = nullptr;
  int task_index = -1;
};

class ChainTask final : public Task, public CheckpointParticipant {
 public:
  struct Stage {
    std::unique_ptr<Operator> op;
    OperatorContext context;
    OperatorMetrics* metrics;  // owned by the job
    int node = -1;             // the dataflow node: names its state in checkpoints
  };
  struct SourceStage {
    std::unique_ptr<SourceOperator> op;
    OperatorContext context;
    OperatorMetrics* metrics;
    int node = -1;
  };

  ChainTask(std::string name, TaskEnvironment env, std::optional<SourceStage> source,
            std::vector<Stage> stages, std::vector<Channel*> inputs,
            std::unique_ptr<Output> tail);
  ~ChainTask() override;

  // Opens every operator; called on the starting thread before the task first runs.
  // On failure the operators opened so far are closed by CloseAll or the destructor.
  absl::Status Open();
  // After Open: puts back the keyed state of the key groups this instance owns.
  absl::Status RestoreKeyedState(const CompletedCheckpoint& checkpoint);
  // After Open: the event time stage `stage` had reached in the checkpointed run
  // (Job::Impl::RestoredWatermark). It is delivered before any input, so a replayed
  // element that was late then is late now.
  void SetRestoredWatermark(size_t stage, int64_t watermark) {
    restored_watermarks_.resize(stages_.size());
    restored_watermarks_[stage] = watermark;
  }
  // Closes the operators that were opened (once; later calls do nothing).
  absl::Status CloseAll();
  // For a task that stopped: passes Operator::NotifyCheckpointComplete to every
  // operator of the chain (serialised with the coordinator's notices); the first
  // error, naming the operator.
  absl::Status NotifyCheckpointComplete(int64_t checkpoint_id);
  // True once the chain processed all its input and closed cleanly.
  bool completed() const { return done_.load(std::memory_order_acquire); }
  TaskState RunQuantum() override;

  // CheckpointParticipant.
  void RequestBarrier(int64_t id) override;
  void NotifyCheckpointCompleteAsync(int64_t id) override;

 private:
  using Clock = std::chrono::steady_clock;
  class Link;
  TaskState Step();
  TaskState RunSource(std::chrono::steady_clock::time_point deadline);
  TaskState RunOperators(std::chrono::steady_clock::time_point deadline);
  void HandleControl(size_t input, const Element& element);
  void ForwardEventTime(const InputGate::Forward& forward);
  // Checkpoints: once the barrier aligned over the inputs (aligner_), the snapshot
  // it takes as it passes each stage (stage == stages_.size(): past the last one).
  void StartSnapshot(int64_t id);
  void InjectBarrierIfRequested();
  void AddSourceState();
  void SnapshotStage(size_t stage, int64_t id, Output& next);
  void AddStageState(size_t stage, int64_t id);
  void BarrierPassed(int64_t id);
  void ReportFinished();
  void DeliverCheckpointNotifications();
  absl::Status NotifyOperators(int64_t checkpoint_id);
  void Stopped();
  TaskState FinishChain();
  TaskState Fail(absl::Status status);
  // Names stage `stage` (StageTracker numbering) for error messages.
  std::string DescribeStage(int stage) const;
  TaskState Park(TaskState state);
  // Processing-time timers of the chain's operators.
  class StageTimers;
  void RegisterProcessingTimer(int stage, int64_t millis);
  void FireProcessingTimers();

  TaskEnvironment env_;
  std::optional<SourceStage> source_;
  std::vector<Stage> stages_;
  std::vector<Channel*> inputs_;
  std::unique_ptr<Output> tail_;
  StageTracker tracker_;  // the running stage; names the operator that failed
  std::vector<std::unique_ptr<Link>> links_;  // links_[i] feeds stages_[i]
  Output* head_ = nullptr;                    // where the source or input goes
  InputGate gate_;                            // event time over the inputs
  BarrierAligner aligner_;                    // checkpoint barriers over the inputs
  size_t next_input_ = 0;
  uint32_t source_calls_ = 0;
  std::optional<std::chrono::steady_clock::time_point> blocked_since_;
  bool closed_ = false;
  int opened_ = 0;  // operators (source first) whose Open succeeded
  std::atomic<bool> done_{false};
  std::vector<std::unique_ptr<StageTimers>> stage_timers_;  // one per stage
  SourcePacer pacer_;  // lets the stages hold the source back (alignment)
  // Checkpoints.
  std::atomic<int64_t> requested_barrier_{0};  // sources: the newest barrier asked for
  int64_t injected_barrier_ = 0;
  TaskSnapshot snapshot_;  // filled as the barrier passes the stages
  Clock::time_point snapshot_started_;
  std::vector<std::optional<int64_t>> restored_watermarks_;  // by stage
  int64_t StageWatermark(size_t stage) const;
  void ApplyRestoredWatermarks();
  std::mutex notify_mutex_;
  int64_t notify_pending_ = 0;  // a completed checkpoint to tell the operators of
  bool stopped_ = false;        // no longer runs: notifications are delivered directly
  // (time, stage), earliest first.
  std::priority_queue<std::pair<int64_t, int>, std::vector<std::pair<int64_t, int>>,
                      std::greater<>>
      processing_timers_;
};

}  // namespace sluice
