#include "sluice/runtime/manual_clock.h"

#include <algorithm>

#include "sluice/runtime/task.h"

namespace sluice {

void ManualClock::WakeAt(Task* task, int64_t millis) {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (millis > NowMillis()) {
      pending_.push_back(WakeUp{task, millis});
      return;
    }
  }
  task->Wake();
}

void ManualClock::Forget(Task* task) {
  std::lock_guard<std::mutex> lock(mutex_);
  std::erase_if(pending_, [task](const WakeUp& w) { return w.task == task; });
}

void ManualClock::Advance(int64_t millis) {
  std::vector<Task*> due;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    int64_t now = now_.load(std::memory_order_relaxed) + std::max<int64_t>(millis, 0);
    now_.store(now, std::memory_order_release);
    for (const WakeUp& w : pending_) {
      if (w.millis <= now) due.push_back(w.task);
    }
    std::erase_if(pending_, [now](const WakeUp& w) { return w.millis <= now; });
    // Woken under the lock, so a task being forgotten (destroyed) cannot be woken
    // after Forget returns.
    for (Task* task : due) task->Wake();
  }
}

}  // namespace sluice
