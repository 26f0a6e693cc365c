// Runs tasks on a tbb::task_arena with a fixed number of threads, plus a timer
// thread for tasks that sleep until a deadline. Nothing here busy-waits.
#pragma once

#include <tbb/global_control.h>
#include <tbb/task_arena.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <queue>
#include <thread>
#include <vector>

namespace sluice {

class Task;

class Scheduler {
 public:
  using Clock = std::chrono::steady_clock;

  // `on_task_finished` is called (from a worker thread) each time a task finishes.
  Scheduler(int threads, std::function<void(Task*)> on_task_finished);
  ~Scheduler();
  Scheduler(const Scheduler&) = delete;
  Scheduler& operator=(const Scheduler&) = delete;

  int threads() const { return threads_; }

  // Thread-safe. Queues the task to run on the arena. Only Task::Wake calls this.
  void Enqueue(Task* task);
  // Thread-safe. Wakes `task` at `deadline` (or soon after).
  void WakeAt(Task* task, Clock::time_point deadline);
  void TaskFinished(Task* task) { on_task_finished_(task); }
  // Runs one quantum of an enqueued task, on an arena thread (ArenaEnqueue).
  void RunEnqueued(Task* task);

  // Blocks until every task enqueued so far has stopped running. Call after all
  // tasks finished (or were cancelled) and before destroying them.
  void Drain();

 private:
  struct Timer {
    Clock::time_point deadline;
    Task* task;
    bool operator>(const Timer& other) const { return deadline > other.deadline; }
  };
  void TimerLoop();

  int threads_;
  std::function<void(Task*)> on_task_finished_;
  std::unique_ptr<tbb::global_control> parallelism_;
  tbb::task_arena arena_;

  std::mutex mutex_;
  std::condition_variable timer_cv_;
  std::condition_variable drained_cv_;
  std::priority_queue<Timer, std::vector<Timer>, std::greater<Timer>> timers_;
  std::atomic<int> in_flight_{0};  // enqueued or running task bodies
  bool stopping_ = false;
  std::thread timer_thread_;
};

}  // namespace sluice
