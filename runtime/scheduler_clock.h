// The default processing clock: wall-clock milliseconds since the Unix epoch (as
// Flink's processing time), so TTL expiries and processing-time timers kept in
// state still mean the same after a restore in another process or on another host.
// Wake-ups run on the scheduler's (steady) timer thread: a wall-clock deadline is
// turned into a steady one when registered.
#pragma once

#include <algorithm>
#include <chrono>
#include <cstdint>

#include "sluice/runtime/event_time/saturating_time.h"
#include "sluice/runtime/processing_clock.h"
#include "sluice/runtime/scheduler.h"

namespace sluice {

class SchedulerClock final : public ProcessingClock {
 public:
  explicit SchedulerClock(Scheduler* scheduler) : scheduler_(scheduler) {}

  int64_t NowMillis() const override {
    return std::chrono::duration_cast<std::chrono::milliseconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
  }
  // A deadline beyond kMaxDelay (a timer at the end of time) wakes the task after
  // kMaxDelay, which finds nothing due: steady-clock nanoseconds cannot count further.
  void WakeAt(Task* task, int64_t millis) override {
    int64_t delay = std::clamp<int64_t>(SaturatingSub(millis, NowMillis()), 0, kMaxDelay);
    scheduler_->WakeAt(
        task, std::chrono::steady_clock::now() + std::chrono::milliseconds(delay));
  }
  // The scheduler drops its timers when it is destroyed, before the tasks are, and
  // waking a finished task does nothing.
  void Forget(Task*) override {}

 private:
  static constexpr int64_t kMaxDelay = int64_t{100} * 365 * 24 * 3600 * 1000;  // ~100 y
  Scheduler* scheduler_;
};

}  // namespace sluice
