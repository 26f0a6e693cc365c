#include "sluice/runtime/task.h"

#include "sluice/runtime/scheduler.h"

namespace sluice {

void Task::Wake() {
  // Pairs with the fence in RunOnce. The caller has just changed what the task waits
  // on (popped from its full output, say); without the fences, this load and the
  // task's re-check of that condition may both see old values, and the task parks
  // for good (a store-buffering race, seen under stress).
  std::atomic_thread_fence(std::memory_order_seq_cst);
  int state = run_state_.value.load(std::memory_order_acquire);
  while (true) {
    if (state == kIdle) {
      if (run_state_.value.compare_exchange_weak(state, kScheduled,
                                                 std::memory_order_acq_rel)) {
        scheduler_->Enqueue(this);
        return;
      }
    } else if (state == kRunning) {
      // The running quantum may already have decided to park; flag it so it re-runs.
      if (run_state_.value.compare_exchange_weak(state, kRunningNotified,
                                                 std::memory_order_acq_rel)) {
        return;
      }
    } else {
      return;  // already scheduled, already notified, or done
    }
  }
}

void Task::RunOnce() {
  run_state_.value.store(kRunning, std::memory_order_release);
  std::atomic_thread_fence(std::memory_order_seq_cst);  // see Wake()
  TaskState result = RunQuantum();
  if (result == TaskState::kFinished) {
    run_state_.value.store(kDone, std::memory_order_release);
    scheduler_->TaskFinished(this);
    return;
  }
  if (result == TaskState::kYield) {
    run_state_.value.store(kScheduled, std::memory_order_release);
    scheduler_->Enqueue(this);
    return;
  }
  int expected = kRunning;
  if (run_state_.value.compare_exchange_strong(expected, kIdle,
                                               std::memory_order_acq_rel)) {
    return;  // parked; the next Wake() reschedules it
  }
  // A Wake() arrived while running: the condition we blocked on may be gone.
  run_state_.value.store(kScheduled, std::memory_order_release);
  scheduler_->Enqueue(this);
}

}  // namespace sluice
