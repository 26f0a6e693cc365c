// The event time of a task's inputs merged into the task's own. It tracks each
// input's watermark, whether it ended and whether it is idle, and says what the task
// forwards downstream: the task's watermark is the minimum over the inputs still
// expected to move event time (ended inputs are done; idle ones are not waited for),
// and the task is idle while every live input is.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <vector>

namespace sluice {

class InputGate {
 public:
  explicit InputGate(size_t inputs);

  // What one control element changed downstream, to be sent in this order.
  struct Forward {
    std::optional<bool> idle;          // the task turned idle (true) or active again
    std::optional<int64_t> watermark;  // the task's event time advanced to this
  };

  Forward OnWatermark(size_t input, int64_t watermark);
  Forward OnIdleness(size_t input, bool idle);
  // Repeated ends of one input change nothing. Once every input ended, nothing is
  // forwarded: the task finishes and sends +infinity (Finish).
  Forward OnEnd(size_t input);
  // The task's event time at the end of all input: +infinity, unless already sent.
  std::optional<int64_t> Finish();
  // The event time a restored task had reached, delivered before any input.
  void Restore(int64_t watermark);

  bool ended(size_t input) const { return ended_[input]; }
  bool all_ended() const { return ended_count_ == ended_.size(); }
  // The watermark the task forwarded last.
  int64_t watermark() const { return watermark_; }

  // The input furthest behind in event time among those live, active and not
  // `blocked`, or size() when they are level (then any input may go next).
  size_t Lagging(const std::vector<bool>& blocked) const;
  size_t size() const { return ended_.size(); }

 private:
  Forward Combine();

  std::vector<int64_t> watermarks_;
  std::vector<bool> ended_;
  std::vector<bool> idle_;
  size_t ended_count_ = 0;
  int64_t watermark_;
  bool task_idle_ = false;  // the task told its consumers its event time is idle
};

}  // namespace sluice
