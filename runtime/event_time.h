// Event time in sluice: a signed 64-bit count of milliseconds since the Unix epoch
// (any other unit works if every timestamp, bound, window size and gap uses it).
// A watermark W promises that no more events with a timestamp <= W will arrive.
#pragma once

#include <chrono>
#include <cstdint>
#include <limits>

namespace sluice {

// Before any event: the watermark of a stream that has not started.
inline constexpr int64_t kMinWatermark = std::numeric_limits<int64_t>::min();
// After every event: the watermark end-of-input advances event time to.
inline constexpr int64_t kMaxWatermark = std::numeric_limits<int64_t>::max();

// Durations in the event-time unit, from std::chrono.
template <class Rep, class Period>
constexpr int64_t EventTimeSpan(std::chrono::duration<Rep, Period> duration) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(duration).count();
}

}  // namespace sluice
