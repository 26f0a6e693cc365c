#include "runtime/task.h"

#include "runtime/scheduler.h"

namespace sluice {

void Task::Wake() {
  // Pairs with the fence in RunOnce. The caller has just changed what the task waits
  // on (popped from its full output, say); without the fences, this load and the
  // task's re-check of that condition may both see old values, and the task parks
  // for good (a store-buffering race, seen under stress).
  std::atomic_thread_fence(std::memory_order_seq_cst);
  int state = state_.load(std::memory_order_acquire);
  while (true) {
    if (state == kIdle) {
      if (state_.compare_exchange_weak(state, kScheduled, std::memory_order_acq_rel)) {
        scheduler_->Enqueue(this);
        return;
      }
    } else if (state == kRunning) {
      // The running quantum may already have decided to park; flag it so it re-runs.
      if (state_.compare_exchange_weak(state, kRunningNotified,
                                       std::memory_order_acq_rel)) {
        return;
      }
    } else {
      return;  // already scheduled, already notified, or done
    }
  }
}

void Task::RunOnce() {
  state_.store(kRunning, std::memory_order_release);
  std::atomic_thread_fence(std::memory_order_seq_cst);  // see Wake()
  TaskState result = RunQuantum();
  if (result == TaskState::kFinished) {
    state_.store(kDone, std::memory_order_release);
    scheduler_->TaskFinished(this);
    return;
  }
  if (result == TaskState::kYield) {
    state_.store(kScheduled, std::memory_order_release);
    scheduler_->Enqueue(this);
    return;
  }
  int expected = kRunning;
  if (state_.compare_exchange_strong(expected, kIdle, std::memory_order_acq_rel)) {
    return;  // parked; the next Wake() reschedules it
  }
  // A Wake() arrived while running: the condition we blocked on may be gone.
  state_.store(kScheduled, std::memory_order_release);
  scheduler_->Enqueue(this);
}

}  // namespace sluice
