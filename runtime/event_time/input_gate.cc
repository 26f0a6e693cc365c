#include "sluice/runtime/event_time/input_gate.h"

#include <algorithm>

#include "sluice/runtime/event_time/event_time.h"

namespace sluice {

InputGate::InputGate(size_t inputs)
    : watermarks_(inputs, kMinWatermark),
      ended_(inputs, false),
      idle_(inputs, false),
      watermark_(kMinWatermark) {}

InputGate::Forward InputGate::OnWatermark(size_t input, int64_t watermark) {
  watermarks_[input] = std::max(watermarks_[input], watermark);
  return Combine();
}

InputGate::Forward InputGate::OnIdleness(size_t input, bool idle) {
  idle_[input] = idle;
  return Combine();
}

InputGate::Forward InputGate::OnEnd(size_t input) {
  if (!ended_[input]) {
    ended_[input] = true;
    ++ended_count_;
    watermarks_[input] = kMaxWatermark;  // an ended input no longer holds time back
  }
  return Combine();
}

std::optional<int64_t> InputGate::Finish() {
  if (watermark_ == kMaxWatermark) return std::nullopt;
  watermark_ = kMaxWatermark;
  return watermark_;
}

void InputGate::Restore(int64_t watermark) {
  watermark_ = std::max(watermark_, watermark);
}

InputGate::Forward InputGate::Combine() {
  Forward forward;
  if (all_ended()) return forward;  // Finish sends +infinity
  int64_t combined = kMaxWatermark;
  bool any_active = false;
  bool any_idle = false;
  for (size_t i = 0; i < ended_.size(); ++i) {
    if (ended_[i]) continue;
    if (idle_[i]) {
      any_idle = true;
      continue;
    }
    any_active = true;
    combined = std::min(combined, watermarks_[i]);
  }
  if (!any_active) {
    // Every live input is idle: so is the task, until one of them wakes up.
    if (any_idle && !task_idle_) {
      task_idle_ = true;
      forward.idle = true;
    }
    return forward;
  }
  if (task_idle_) {
    task_idle_ = false;
    forward.idle = false;
  }
  if (combined > watermark_) {
    watermark_ = combined;
    forward.watermark = combined;
  }
  return forward;
}

// Several producers run at their own pace; if the consumer took from whichever input
// has data, one producer could run seconds of event time ahead of another. Each
// producer's stream is in order, but interleaved so far apart they become one badly
// out-of-order stream: sessions split and merge, timers arrive out of order, and
// state waits longer for the combined watermark. So the input furthest behind goes
// first when it has data.
size_t InputGate::Lagging(const std::vector<bool>& blocked) const {
  if (ended_.size() < 2) return ended_.size();
  size_t lagging = ended_.size();
  int64_t lowest = kMaxWatermark;
  int64_t highest = kMinWatermark;
  for (size_t i = 0; i < ended_.size(); ++i) {
    if (ended_[i] || idle_[i] || blocked[i]) continue;
    if (watermarks_[i] < lowest) {
      lowest = watermarks_[i];
      lagging = i;
    }
    highest = std::max(highest, watermarks_[i]);
  }
  return lowest < highest ? lagging : ended_.size();  // all level: round robin
}

}  // namespace sluice
