#include "sluice/runtime/chain_task.h"

#include <algorithm>
#include <utility>

#include "absl/strings/str_cat.h"
#include "sluice/runtime/event_time/event_time.h"
#include "sluice/runtime/operator_error.h"
#include "sluice/runtime/status_macros.h"

namespace sluice {
namespace {

using Clock = std::chrono::steady_clock;

// A quantum ends after this many input elements or this much time, whichever first,
// so one busy task cannot starve the others sharing its threads.
constexpr int kQuantumElements = 64;
constexpr auto kQuantumTime = std::chrono::milliseconds(2);

// Busy time is measured on one call in kTimingSample and scaled up: reading the clock
// around every batch of every operator cost about 3% of a simple pipeline.
constexpr uint32_t kTimingSample = 8;

// Runs `work`, adding its (sampled, scaled) duration to `busy`.
template <class Work>
void TimeSampled(uint32_t& calls, RelaxedCounter& busy, Work&& work) {
  if (++calls % kTimingSample != 0) {
    work();
    return;
  }
  Clock::time_point start = Clock::now();
  work();
  busy.Add(kTimingSample *
           static_cast<uint64_t>(
               std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now() - start)
                   .count()));
}

uint64_t NanosSince(Clock::time_point start) {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now() - start)
      .count();
}

}  // namespace

// Delivers batches to stage `stage` of the chain (or to the tail output after the
// last stage), counting records and time on the way.
class ChainTask::Link final : public Output {
 public:
  Link(ChainTask* task, size_t stage, OperatorMetrics* producer)
      : task_(task), stage_(stage), producer_(producer) {}

  void Deliver(int port, BatchPtr batch) {
    size_t count = batch->size();
    if (count == 0) return;
    if (producer_ != nullptr) producer_->records_out.Add(count);
    const int at = static_cast<int>(stage_);
    if (stage_ == task_->stages_.size()) {
      task_->tracker_.At(at, [&] { task_->tail_->Emit(std::move(batch)); });
      return;
    }
    Stage& stage = task_->stages_[stage_];
    stage.metrics->records_in.Add(count);
    task_->tracker_.At(at, [&] {
      TimeSampled(calls_, stage.metrics->busy_inclusive_nanos, [&] {
        stage.op->ProcessBatch(port, std::move(batch), *task_->links_[stage_ + 1]);
      });
    });
  }

  void Emit(BatchPtr batch) override { Deliver(0, std::move(batch)); }

  // Only the chain's last operator can have a consumed side output: the planner ends
  // a chain at an operator with more than one consumer.
  void EmitSide(int output, BatchPtr batch) override {
    if (stage_ == task_->stages_.size()) task_->tail_->EmitSide(output, std::move(batch));
  }

  void EmitControl(ElementKind kind, int64_t value) override {
    if (kind == ElementKind::kBarrier) {
      if (stage_ == task_->stages_.size()) {
        task_->tail_->EmitControl(kind, value);
        task_->BarrierPassed(value);
      } else {
        Output& next = *task_->links_[stage_ + 1];
        task_->SnapshotStage(stage_, value, next);
        next.EmitControl(kind, value);
      }
      return;
    }
    if (stage_ == task_->stages_.size()) {
      // Split ids mean nothing past the chain of their source.
      if (kind != ElementKind::kSplitEnd && kind != ElementKind::kSplitStart) {
        task_->tail_->EmitControl(kind, value);
      }
      return;
    }
    Output& next = *task_->links_[stage_ + 1];
    if (kind == ElementKind::kSplitEnd) {
      task_->stages_[stage_].op->ProcessSplitEnd(value, next);
      return;
    }
    if (kind == ElementKind::kSplitStart) {
      task_->stages_[stage_].op->ProcessSplitStart(value, next);
      return;
    }
    if (kind == ElementKind::kIdleness) {
      task_->stages_[stage_].op->ProcessIdleness(value != 0, next);
      return;
    }
    if (kind != ElementKind::kWatermark) {
      next.EmitControl(kind, value);
      return;
    }
    watermark_in_ = std::max(watermark_in_, value);
    task_->tracker_.At(static_cast<int>(stage_),
                       [&] { task_->stages_[stage_].op->ProcessWatermark(value, next); });
  }

  // The highest watermark delivered to this link's stage.
  int64_t watermark_in() const { return watermark_in_; }

  void Flush() override { task_->tail_->Flush(); }
  bool HasRoom() const override { return task_->tail_->HasRoom(); }

 private:
  ChainTask* task_;
  size_t stage_;
  OperatorMetrics* producer_;
  uint32_t calls_ = 0;
  int64_t watermark_in_ = kMinWatermark;
};

// The processing-time timer service one stage's operator sees.
class ChainTask::StageTimers final : public ProcessingTimers {
 public:
  StageTimers(ChainTask* task, int stage) : task_(task), stage_(stage) {}
  int64_t NowMillis() const override { return task_->env_.clock->NowMillis(); }
  void Register(int64_t millis) override {
    task_->RegisterProcessingTimer(stage_, millis);
  }

 private:
  ChainTask* task_;
  int stage_;
};

ChainTask::ChainTask(std::string name, TaskEnvironment env,
                     std::optional<SourceStage> source, std::vector<Stage> stages,
                     std::vector<Channel*> inputs, std::unique_ptr<Output> tail)
    : Task(std::move(name)),
      env_(std::move(env)),
      source_(std::move(source)),
      stages_(std::move(stages)),
      inputs_(std::move(inputs)),
      tail_(std::move(tail)),
      tracker_([this](int stage) { return DescribeStage(stage); }),
      gate_(inputs_.size()),
      aligner_(inputs_.size()) {
  if (source_) source_->context.wake_source = [this] { Wake(); };
  OperatorMetrics* previous = source_ ? source_->metrics : nullptr;
  for (size_t i = 0; i <= stages_.size(); ++i) {
    links_.push_back(std::make_unique<Link>(this, i, previous));
    if (i < stages_.size()) {
      if (previous != nullptr && i > 0) previous->SetChained(stages_[i].metrics);
      previous = stages_[i].metrics;
    }
  }
  if (source_ && !stages_.empty()) source_->metrics->SetChained(stages_[0].metrics);
  if (!stages_.empty()) {
    for (Channel* input : inputs_) stages_[0].metrics->AddInput(input);
  }
  head_ = links_[0].get();
  if (source_) {
    for (Stage& stage : stages_) stage.context.source_pacer = &pacer_;
  }
  if (env_.clock != nullptr) {
    for (size_t i = 0; i < stages_.size(); ++i) {
      stage_timers_.push_back(std::make_unique<StageTimers>(this, static_cast<int>(i)));
      stages_[i].context.processing_timers = stage_timers_.back().get();
    }
  }
}

ChainTask::~ChainTask() {
  if (env_.clock != nullptr) env_.clock->Forget(this);
  (void)CloseAll();
}

void ChainTask::RegisterProcessingTimer(int stage, int64_t millis) {
  processing_timers_.emplace(millis, stage);
  env_.clock->WakeAt(this, millis);
}

void ChainTask::FireProcessingTimers() {
  if (processing_timers_.empty()) return;
  const int64_t now = env_.clock->NowMillis();
  while (!processing_timers_.empty() && processing_timers_.top().first <= now) {
    int stage = processing_timers_.top().second;
    processing_timers_.pop();
    tracker_.At(stage,
                [&] { stages_[stage].op->OnProcessingTime(now, *links_[stage + 1]); });
  }
}

absl::Status ChainTask::Open() {
  // Opens in chain order and remembers how far it got, so that only opened operators
  // are closed (a sink's Close may commit output).
  auto open = [&](auto& op, const OperatorContext& context, int stage) -> absl::Status {
    SLUICE_RETURN_IF_ERROR(
        tracker_.Guarded(stage, "Open", [&] { return op.Open(context); }));
    ++opened_;
    return absl::OkStatus();
  };
  if (source_) SLUICE_RETURN_IF_ERROR(open(*source_->op, source_->context, -1));
  for (size_t i = 0; i < stages_.size(); ++i) {
    SLUICE_RETURN_IF_ERROR(open(*stages_[i].op, stages_[i].context, static_cast<int>(i)));
  }
  return absl::OkStatus();
}

std::string ChainTask::DescribeStage(int stage) const {
  if (stage == static_cast<int>(stages_.size()) && (source_ || !stages_.empty())) {
    // Past the last operator: the exchange, whose only user code is a KeyBy function.
    const OperatorContext& last =
        stages_.empty() ? source_->context : stages_.back().context;
    return absl::StrCat("the exchange after operator '", last.name, "' (instance ",
                        last.instance + 1, " of ", last.parallelism, ")");
  }
  const OperatorContext* context = nullptr;
  if (stage < 0 && source_) {
    context = &source_->context;
  } else if (stage >= 0 && stage < static_cast<int>(stages_.size())) {
    context = &stages_[stage].context;
  }
  if (context == nullptr) return absl::StrCat("task '", name(), "'");
  return absl::StrCat("operator '", context->name, "' (instance ", context->instance + 1,
                      " of ", context->parallelism, ")");
}

TaskState ChainTask::RunQuantum() {
  TaskState state = Step();
  if (state == TaskState::kFinished) Stopped();
  return state;
}

TaskState ChainTask::Step() {
  if (blocked_since_) {
    OperatorMetrics* last = !stages_.empty() ? stages_.back().metrics
                                             : (source_ ? source_->metrics : nullptr);
    if (last != nullptr) last->blocked_nanos.Add(NanosSince(*blocked_since_));
    blocked_since_.reset();
  }
  if (env_.cancelled->load(std::memory_order_acquire)) {
    // A checkpoint that completed (a savepoint before a stop) commits before the
    // operators close.
    int64_t id;
    {
      std::lock_guard<std::mutex> lock(notify_mutex_);
      id = std::exchange(notify_pending_, 0);
    }
    if (id != 0) {
      if (absl::Status s = NotifyOperators(id); !s.ok()) env_.fail(std::move(s));
    }
    absl::Status status = CloseAll();
    if (!status.ok()) env_.fail(std::move(status));
    return TaskState::kFinished;
  }
  Clock::time_point deadline = Clock::now() + kQuantumTime;
  try {
    ApplyRestoredWatermarks();
    DeliverCheckpointNotifications();
    FireProcessingTimers();
    TaskState state = source_ ? RunSource(deadline) : RunOperators(deadline);
    if (state != TaskState::kFinished) tail_->Flush();
    return state;
  } catch (...) {
    return Fail(tracker_.Failure());
  }
}

int64_t ChainTask::StageWatermark(size_t stage) const {
  return links_[stage]->watermark_in();
}

void ChainTask::ApplyRestoredWatermarks() {
  if (restored_watermarks_.empty()) return;
  for (size_t i = 0; i < stages_.size(); ++i) {
    const std::optional<int64_t> restored = restored_watermarks_[i];
    if (!restored || *restored <= StageWatermark(i)) continue;
    if (i == 0) gate_.Restore(*restored);
    links_[i]->EmitControl(ElementKind::kWatermark, *restored);
  }
  restored_watermarks_.clear();
}

TaskState ChainTask::Park(TaskState state) {
  if (state == TaskState::kBlockedOnOutput) blocked_since_ = Clock::now();
  return state;
}

TaskState ChainTask::RunSource(Clock::time_point deadline) {
  for (int i = 0; i < kQuantumElements; ++i) {
    // Before the checks below: a barrier is a control element, which always fits.
    InjectBarrierIfRequested();
    if (!tail_->HasRoom()) return Park(TaskState::kBlockedOnOutput);
    if (pacer_.ShouldHold()) {
      // Watermark alignment: ahead of the slowest source; look again shortly.
      env_.scheduler->WakeAt(this, Clock::now() + std::chrono::milliseconds(2));
      return TaskState::kWaiting;
    }
    absl::StatusOr<SourceStep> step;
    tracker_.At(-1, [&] {
      TimeSampled(source_calls_, source_->metrics->busy_inclusive_nanos,
                  [&] { step = source_->op->Produce(*head_); });
    });
    if (!step.ok()) return Fail(tracker_.Named(-1, step.status()));
    if (step->kind == SourceStep::kEnd) return FinishChain();
    if (step->kind == SourceStep::kWaitUntilNanos) {
      env_.scheduler->WakeAt(
          this, Clock::time_point(std::chrono::nanoseconds(step->wake_at_nanos)));
      return TaskState::kWaiting;
    }
    if (Clock::now() >= deadline) break;
  }
  return TaskState::kYield;
}

TaskState ChainTask::RunOperators(Clock::time_point deadline) {
  Link& head = *links_[0];
  for (int i = 0; i < kQuantumElements; ++i) {
    if (!tail_->HasRoom()) return Park(TaskState::kBlockedOnOutput);
    Element element;
    size_t input = gate_.Lagging(aligner_.blocked_inputs());
    bool found = input < inputs_.size() && inputs_[input]->Pop(&element);
    for (size_t tried = 0; tried < inputs_.size() && !found; ++tried) {
      input = next_input_;
      next_input_ = (next_input_ + 1) % inputs_.size();
      found = !aligner_.blocked(input) && inputs_[input]->Pop(&element);
    }
    if (!found) return TaskState::kBlockedOnInput;
    if (element.is_data()) {
      head.Deliver(inputs_[input]->port(), std::move(element.batch));
    } else {
      HandleControl(input, element);
      if (gate_.all_ended()) return FinishChain();
    }
    if (Clock::now() >= deadline) break;
  }
  return TaskState::kYield;
}

void ChainTask::HandleControl(size_t input, const Element& element) {
  switch (element.kind) {
    case ElementKind::kEndOfInput: {
      const bool ended_now = !gate_.ended(input);
      InputGate::Forward forward = gate_.OnEnd(input);
      if (ended_now) {
        // An ended input has nothing left to align.
        if (std::optional<int64_t> id = aligner_.OnInputEnded(gate_)) StartSnapshot(*id);
      }
      ForwardEventTime(forward);
      return;
    }
    case ElementKind::kWatermark:
      ForwardEventTime(gate_.OnWatermark(input, element.value));
      return;
    case ElementKind::kIdleness:
      ForwardEventTime(gate_.OnIdleness(input, element.value != 0));
      return;
    case ElementKind::kBarrier:
      if (std::optional<int64_t> id = aligner_.OnBarrier(input, element.value, gate_)) {
        StartSnapshot(*id);
      }
      return;
    default:
      links_[0]->EmitControl(element.kind, element.value);
      return;
  }
}

void ChainTask::ForwardEventTime(const InputGate::Forward& forward) {
  if (forward.idle) links_[0]->EmitControl(ElementKind::kIdleness, *forward.idle ? 1 : 0);
  if (forward.watermark)
    links_[0]->EmitControl(ElementKind::kWatermark, *forward.watermark);
}

TaskState ChainTask::FinishChain() {
  // End-of-input advances event time to +infinity before Finish, so every window
  // fires and every event-time timer runs: over bounded input the same dataflow is a
  // batch job.
  if (std::optional<int64_t> end = gate_.Finish()) {
    links_[0]->EmitControl(ElementKind::kWatermark, *end);
  }
  for (size_t i = 0; i < stages_.size(); ++i) {
    tracker_.At(static_cast<int>(i), [&] { stages_[i].op->Finish(*links_[i + 1]); });
  }
  tracker_.At(static_cast<int>(stages_.size()),
              [&] { tail_->EmitControl(ElementKind::kEndOfInput, 0); });
  ReportFinished();
  absl::Status status = CloseAll();
  if (!status.ok()) return Fail(status);
  done_.store(true, std::memory_order_release);
  return TaskState::kFinished;
}

absl::Status ChainTask::CloseAll() {
  if (closed_) return absl::OkStatus();
  closed_ = true;
  absl::Status first;
  int remaining = opened_;
  auto close = [&](auto& op, int stage) {
    if (remaining-- <= 0) return;
    absl::Status status = tracker_.Guarded(stage, "Close", [&] { return op.Close(); });
    if (first.ok()) first = std::move(status);
  };
  if (source_) close(*source_->op, -1);
  for (size_t i = 0; i < stages_.size(); ++i) close(*stages_[i].op, static_cast<int>(i));
  return first;
}

absl::Status ChainTask::NotifyCheckpointComplete(int64_t checkpoint_id) {
  std::lock_guard<std::mutex> lock(notify_mutex_);
  return NotifyOperators(checkpoint_id);
}

absl::Status ChainTask::NotifyOperators(int64_t checkpoint_id) {
  for (size_t i = 0; i < stages_.size(); ++i) {
    SLUICE_RETURN_IF_ERROR(tracker_.Guarded(
        static_cast<int>(i), "NotifyCheckpointComplete",
        [&] { return stages_[i].op->NotifyCheckpointComplete(checkpoint_id); }));
  }
  return absl::OkStatus();
}

TaskState ChainTask::Fail(absl::Status status) {
  // The first error is the one reported; a Close failing after it adds nothing.
  (void)CloseAll();
  env_.fail(std::move(status));
  return TaskState::kFinished;
}

}  // namespace sluice
