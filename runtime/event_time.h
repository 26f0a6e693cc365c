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

// a + b, held to [kMinWatermark, kMaxWatermark] instead of overflowing (windows
// and joins add sizes and bounds to timestamps that may sit at the ends of time).
constexpr int64_t SaturatingAdd(int64_t a, int64_t b) {
  int64_t sum = 0;
  if (__builtin_add_overflow(a, b, &sum)) return b > 0 ? kMaxWatermark : kMinWatermark;
  return sum;
}
constexpr int64_t SaturatingSub(int64_t a, int64_t b) {
  int64_t difference = 0;
  if (__builtin_sub_overflow(a, b, &difference)) {
    return b < 0 ? kMaxWatermark : kMinWatermark;
  }
  return difference;
}
// The earliest timestamp an on-time element can have once the watermark is
// `watermark`.
constexpr int64_t NextEventTime(int64_t watermark) { return SaturatingAdd(watermark, 1); }

// Durations in the event-time unit, from std::chrono.
template <class Rep, class Period>
constexpr int64_t EventTimeSpan(std::chrono::duration<Rep, Period> duration) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(duration).count();
}

}  // namespace sluice
