// The default processing clock: the steady clock, with wake-ups on the scheduler's
// timer thread.
#pragma once

#include <chrono>
#include <cstdint>

#include "runtime/processing_clock.h"
#include "runtime/scheduler.h"

namespace sluice {

class SchedulerClock final : public ProcessingClock {
 public:
  explicit SchedulerClock(Scheduler* scheduler) : scheduler_(scheduler) {}

  int64_t NowMillis() const override {
    return std::chrono::duration_cast<std::chrono::milliseconds>(
               std::chrono::steady_clock::now().time_since_epoch())
        .count();
  }
  void WakeAt(Task* task, int64_t millis) override {
    scheduler_->WakeAt(
        task, std::chrono::steady_clock::time_point(std::chrono::milliseconds(millis)));
  }
  // The scheduler drops its timers when it is destroyed, before the tasks are, and
  // waking a finished task does nothing.
  void Forget(Task*) override {}

 private:
  Scheduler* scheduler_;
};

}  // namespace sluice
