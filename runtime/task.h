// A schedulable unit of work: one parallel instance of a fused operator chain.
// The scheduler runs a task only when something woke it (input arrived, output room
// appeared, a timer fired); a task that is blocked uses no CPU.
#pragma once

#include <atomic>
#include <cstdint>
#include <string>

namespace sluice {

class Scheduler;

// What a task reports after running for one quantum.
enum class TaskState {
  kYield,            // still has work; run again soon (gives other tasks a turn)
  kBlockedOnInput,   // nothing to read; a producer's Push will wake it
  kBlockedOnOutput,  // downstream is full; a consumer's Pop will wake it
  kWaiting,          // sleeping until a timer it registered fires (rate-limited source)
  kFinished,         // done for good (end of input, cancellation or failure)
};

class Task {
 public:
  explicit Task(std::string name) : name_(std::move(name)) {}
  virtual ~Task() = default;
  Task(const Task&) = delete;
  Task& operator=(const Task&) = delete;

  const std::string& name() const { return name_; }

  // Runs the task for a bounded quantum. Called by the scheduler on one thread at a
  // time; never concurrently with itself.
  virtual TaskState RunQuantum() = 0;

  // Thread-safe. Makes sure the task runs (again) after this call. Cheap when the
  // task is already scheduled or running.
  void Wake();

  // Scheduler internals.
  void AttachScheduler(Scheduler* scheduler) { scheduler_ = scheduler; }
  void RunOnce();
  bool finished() const {
    return run_state_.value.load(std::memory_order_acquire) == kDone;
  }

 private:
  enum RunState : int { kIdle, kScheduled, kRunning, kRunningNotified, kDone };
  std::string name_;
  Scheduler* scheduler_ = nullptr;
  // On a cache line of its own: producers on other cores set it (Wake) while the
  // task's own thread writes the task's other members.
  struct alignas(64) RunStateCell {
    std::atomic<int> value{kIdle};
  };
  RunStateCell run_state_;
};

}  // namespace sluice
