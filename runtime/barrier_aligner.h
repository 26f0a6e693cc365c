// Exactly-once barrier alignment over a task's inputs: once an input delivered a
// checkpoint's barrier, nothing more is read from it (blocked) until every input
// that has not ended delivered it too, so the snapshot holds exactly the elements
// before the barrier on every input. A barrier of a newer checkpoint gives up an
// alignment still open (its checkpoint was given up); an older one is ignored.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <vector>

#include "sluice/runtime/event_time/input_gate.h"

namespace sluice {

class BarrierAligner {
 public:
  using Clock = std::chrono::steady_clock;

  explicit BarrierAligner(size_t inputs) : blocked_(inputs, false) {}

  // Barrier `id` came on `input`. Returns `id` when that completes its alignment.
  std::optional<int64_t> OnBarrier(size_t input, int64_t id, const InputGate& gate);
  // An input ended (recorded in `gate`): it has nothing left to align, which may
  // complete the open alignment. Returns its id then.
  std::optional<int64_t> OnInputEnded(const InputGate& gate);

  // Whether `input` is held until the open alignment completes.
  bool blocked(size_t input) const { return blocked_[input]; }
  const std::vector<bool>& blocked_inputs() const { return blocked_; }
  // From the first barrier of the last completed alignment to its completion.
  Clock::duration last_alignment() const { return last_alignment_; }

 private:
  std::optional<int64_t> CompleteIfDone(const InputGate& gate);

  std::vector<bool> blocked_;
  int64_t aligning_ = 0;   // the barrier being aligned (0: none yet)
  int64_t completed_ = 0;  // the newest barrier whose alignment completed
  Clock::time_point started_;
  Clock::duration last_alignment_{};
};

}  // namespace sluice
