#include "sluice/runtime/barrier_aligner.h"

#include <algorithm>

namespace sluice {

std::optional<int64_t> BarrierAligner::OnBarrier(size_t input, int64_t id,
                                                 const InputGate& gate) {
  if (id <= completed_) return std::nullopt;  // of a checkpoint given up and overtaken
  if (id > aligning_) {
    // A newer checkpoint: an alignment still open belongs to one given up.
    aligning_ = id;
    std::fill(blocked_.begin(), blocked_.end(), false);
    started_ = Clock::now();
  }
  if (id < aligning_) return std::nullopt;
  blocked_[input] = true;
  return CompleteIfDone(gate);
}

std::optional<int64_t> BarrierAligner::OnInputEnded(const InputGate& gate) {
  return CompleteIfDone(gate);
}

std::optional<int64_t> BarrierAligner::CompleteIfDone(const InputGate& gate) {
  if (aligning_ <= completed_) return std::nullopt;
  for (size_t i = 0; i < blocked_.size(); ++i) {
    if (!blocked_[i] && !gate.ended(i)) return std::nullopt;
  }
  completed_ = aligning_;
  std::fill(blocked_.begin(), blocked_.end(), false);
  last_alignment_ = Clock::now() - started_;
  return completed_;
}

}  // namespace sluice
