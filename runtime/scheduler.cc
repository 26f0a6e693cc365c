#include "sluice/runtime/scheduler.h"

#include <algorithm>

#include "sluice/runtime/arena_enqueue.h"
#include "sluice/runtime/task.h"

namespace sluice {

Scheduler::Scheduler(int threads, std::function<void(Task*)> on_task_finished)
    : threads_(std::max(1, threads)), on_task_finished_(std::move(on_task_finished)) {
  // TBB caps its worker pool at (cores - 1) by default; a job asking for N threads
  // gets N workers, none reserved for a master thread (we only enqueue).
  size_t wanted = static_cast<size_t>(threads_) + 1;
  if (tbb::global_control::active_value(tbb::global_control::max_allowed_parallelism) <
      wanted) {
    parallelism_ = std::make_unique<tbb::global_control>(
        tbb::global_control::max_allowed_parallelism, wanted);
  }
  arena_.initialize(threads_, /*reserved_for_masters=*/0);
  timer_thread_ = std::thread([this] { TimerLoop(); });
}

Scheduler::~Scheduler() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stopping_ = true;
  }
  timer_cv_.notify_all();
  timer_thread_.join();
  Drain();
}

void Scheduler::Enqueue(Task* task) {
  in_flight_.fetch_add(1, std::memory_order_acq_rel);
  ArenaEnqueue(arena_, *this, task);
}

void Scheduler::RunEnqueued(Task* task) {
  // Tasks turn user exceptions into a failed job themselves; anything that still
  // escapes must not take the process down or leave Drain() waiting forever.
  try {
    task->RunOnce();
  } catch (...) {
  }
  if (in_flight_.fetch_sub(1, std::memory_order_acq_rel) == 1) {
    std::lock_guard<std::mutex> lock(mutex_);
    drained_cv_.notify_all();
  }
}

void Scheduler::WakeAt(Task* task, Clock::time_point deadline) {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    timers_.push(Timer{deadline, task});
  }
  timer_cv_.notify_one();
}

void Scheduler::Drain() {
  std::unique_lock<std::mutex> lock(mutex_);
  drained_cv_.wait(lock,
                   [this] { return in_flight_.load(std::memory_order_acquire) == 0; });
}

void Scheduler::TimerLoop() {
  std::unique_lock<std::mutex> lock(mutex_);
  while (!stopping_) {
    if (timers_.empty()) {
      timer_cv_.wait(lock);
      continue;
    }
    Timer next = timers_.top();
    if (Clock::now() < next.deadline) {
      timer_cv_.wait_until(lock, next.deadline);
      continue;
    }
    timers_.pop();
    lock.unlock();
    next.task->Wake();
    lock.lock();
  }
}

}  // namespace sluice
