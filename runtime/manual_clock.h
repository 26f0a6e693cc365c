// A processing clock that only moves when a test says so: Advance() wakes the tasks
// whose timers came due, so processing-time behaviour (timers, idleness) is tested
// deterministically and without sleeping.
#pragma once

#include <atomic>
#include <cstdint>
#include <mutex>
#include <vector>

#include "sluice/runtime/processing_clock.h"

namespace sluice {

class ManualClock final : public ProcessingClock {
 public:
  explicit ManualClock(int64_t start_millis = 0) : now_(start_millis) {}

  int64_t NowMillis() const override { return now_.load(std::memory_order_acquire); }
  void WakeAt(Task* task, int64_t millis) override;
  void Forget(Task* task) override;

  // Thread-safe. Moves time forward by `millis` (>= 0) and wakes every task whose
  // wake-up came due.
  void Advance(int64_t millis);

 private:
  struct WakeUp {
    Task* task;
    int64_t millis;
  };
  std::atomic<int64_t> now_;
  std::mutex mutex_;
  std::vector<WakeUp> pending_;
};

}  // namespace sluice
