// Processing time: the wall clock operators read for processing-time timers. Jobs use
// the system clock (milliseconds since the Unix epoch; wake-ups wait on the steady
// clock) by default; tests pass a ManualClock (JobOptions::clock) and move
// time by hand, so timer behaviour is tested without sleeping.
#pragma once

#include <cstdint>

namespace sluice {

class Task;

class ProcessingClock {
 public:
  virtual ~ProcessingClock() = default;
  // Milliseconds; only differences mean something.
  virtual int64_t NowMillis() const = 0;
  // Thread-safe. Wakes `task` once the clock reaches `millis` (at once if it has).
  virtual void WakeAt(Task* task, int64_t millis) = 0;
  // Thread-safe. Drops every wake-up of `task`; called before the task is destroyed.
  virtual void Forget(Task* task) = 0;
};

// What an operator instance uses for processing-time timers (OperatorContext).
class ProcessingTimers {
 public:
  virtual ~ProcessingTimers() = default;
  virtual int64_t NowMillis() const = 0;
  // Calls the operator's OnProcessingTime once processing time reaches `millis`.
  virtual void Register(int64_t millis) = 0;
};

}  // namespace sluice
