// ChainTask's part in checkpoints: barrier injection at sources, alignment over
// several inputs, the snapshot a barrier takes as it passes each stage, and
// delivering checkpoint completions to the operators on the task's own thread.
#include <algorithm>
#include <chrono>
#include <utility>

#include "absl/strings/str_cat.h"
#include "sluice/runtime/chain_task.h"
#include "sluice/runtime/event_time/event_time.h"
#include "sluice/runtime/key_groups.h"
#include "sluice/runtime/operator_error.h"
#include "sluice/runtime/state/state_codec.h"

namespace sluice {

void ChainTask::RequestBarrier(int64_t id) {
  int64_t seen = requested_barrier_.load(std::memory_order_relaxed);
  while (seen < id &&
         !requested_barrier_.compare_exchange_weak(seen, id, std::memory_order_release)) {
  }
  Wake();
}

// Between two Produce calls the source's position and every stage's state describe
// the same point of the stream: that is where the barrier goes in.
void ChainTask::InjectBarrierIfRequested() {
  const int64_t id = requested_barrier_.load(std::memory_order_acquire);
  if (id <= injected_barrier_) return;
  injected_barrier_ = id;
  snapshot_ = TaskSnapshot();
  snapshot_started_ = Clock::now();
  AddSourceState();
  head_->EmitControl(ElementKind::kBarrier, id);
}

void ChainTask::AddSourceState() {
  absl::StatusOr<std::string> state =
      tracker_.At(-1, [&] { return source_->op->SnapshotState(); });
  if (!state.ok()) throw OperatorError(state.status());
  if (!state->empty()) {
    snapshot_.blobs.emplace_back(
        StateNames::Operator(source_->node, source_->context.instance),
        std::move(*state));
  }
}

// Every input delivered barrier `id` (aligner_): the snapshot starts at the chain's
// head.
void ChainTask::StartSnapshot(int64_t id) {
  snapshot_ = TaskSnapshot();
  snapshot_started_ = Clock::now();
  snapshot_.alignment_nanos =
      std::chrono::duration_cast<std::chrono::nanoseconds>(aligner_.last_alignment())
          .count();
  head_->EmitControl(ElementKind::kBarrier, id);
}

void ChainTask::SnapshotStage(size_t stage, int64_t id, Output& next) {
  tracker_.At(static_cast<int>(stage), [&] {
    stages_[stage].op->PrepareSnapshotPreBarrier(id, next);
    AddStageState(stage, id);
  });
}

void ChainTask::AddStageState(size_t stage, int64_t id) {
  Stage& s = stages_[stage];
  if (const int64_t watermark = StageWatermark(stage); watermark > kMinWatermark) {
    std::string bytes;
    StateWriter writer(bytes);
    EncodeState(watermark, writer);
    snapshot_.blobs.emplace_back(StateNames::Watermark(s.node, s.context.instance),
                                 std::move(bytes));
  }
  absl::StatusOr<std::string> state = s.op->SnapshotState(id);
  if (!state.ok()) throw OperatorError(state.status());
  if (!state->empty()) {
    snapshot_.blobs.emplace_back(StateNames::Operator(s.node, s.context.instance),
                                 std::move(*state));
  }
  KeyedStateBackend* keyed = s.op->keyed_state();
  if (keyed == nullptr) return;
  auto groups = keyed->SnapshotKeyGroups();
  if (!groups.ok()) throw OperatorError(groups.status());
  for (auto& [group, bytes] : *groups) {
    snapshot_.blobs.emplace_back(StateNames::KeyGroup(s.node, group), std::move(bytes));
  }
}

void ChainTask::BarrierPassed(int64_t id) {
  if (env_.checkpoints == nullptr) return;
  snapshot_.sync_nanos = std::chrono::duration_cast<std::chrono::nanoseconds>(
                             Clock::now() - snapshot_started_)
                             .count();
  env_.checkpoints->Acknowledge(env_.task_index, id, std::move(snapshot_));
  snapshot_ = TaskSnapshot();
}

// A finished task stands in every later checkpoint with its state as it ended.
void ChainTask::ReportFinished() {
  if (env_.checkpoints == nullptr) return;
  snapshot_ = TaskSnapshot();
  if (source_) AddSourceState();
  for (size_t i = 0; i < stages_.size(); ++i) {
    tracker_.At(static_cast<int>(i), [&] { AddStageState(i, kFinalCheckpoint); });
  }
  env_.checkpoints->TaskFinished(env_.task_index, std::move(snapshot_));
  snapshot_ = TaskSnapshot();
}

void ChainTask::NotifyCheckpointCompleteAsync(int64_t id) {
  {
    std::lock_guard<std::mutex> lock(notify_mutex_);
    if (stopped_) {
      // The task no longer runs, so nothing else touches its operators.
      absl::Status status = NotifyOperators(id);
      if (!status.ok()) env_.fail(std::move(status));
      return;
    }
    notify_pending_ = std::max(notify_pending_, id);
  }
  Wake();
}

void ChainTask::DeliverCheckpointNotifications() {
  int64_t id;
  {
    std::lock_guard<std::mutex> lock(notify_mutex_);
    id = std::exchange(notify_pending_, 0);
  }
  if (id == 0) return;
  absl::Status status = NotifyOperators(id);
  if (!status.ok()) throw OperatorError(status);
}

void ChainTask::Stopped() {
  std::lock_guard<std::mutex> lock(notify_mutex_);
  stopped_ = true;
  if (const int64_t id = std::exchange(notify_pending_, 0); id != 0) {
    absl::Status status = NotifyOperators(id);
    if (!status.ok()) env_.fail(std::move(status));
  }
}

absl::Status ChainTask::RestoreKeyedState(const CompletedCheckpoint& checkpoint) {
  for (size_t i = 0; i < stages_.size(); ++i) {
    KeyedStateBackend* keyed = stages_[i].op->keyed_state();
    if (keyed == nullptr) continue;
    const OperatorContext& context = stages_[i].context;
    const int groups = keyed->key_group_count();
    const int first =
        KeyGroups::RangeStart(context.instance, groups, context.parallelism);
    const int end =
        KeyGroups::RangeStart(context.instance + 1, groups, context.parallelism);
    for (int group = first; group < end; ++group) {
      const std::string name = StateNames::KeyGroup(stages_[i].node, group);
      if (!checkpoint.Has(name)) continue;
      absl::StatusOr<std::string> bytes = checkpoint.Read(name);
      absl::Status status = bytes.ok() ? keyed->RestoreKeyGroup(*bytes) : bytes.status();
      if (!status.ok()) {
        return absl::Status(
            status.code(),
            absl::StrCat(DescribeStage(static_cast<int>(i)), ": restoring key group ",
                         group, " from ", checkpoint.dir(), ": ", status.message()));
      }
    }
  }
  return absl::OkStatus();
}

}  // namespace sluice
