// Saturating arithmetic on times in int64 milliseconds (event time, and the processing
// clock): a sum or difference past either end of int64 stops at that end instead of
// wrapping around. Event time's ends are its watermarks
// (runtime/event_time/event_time.h), so a saturated time reads as "before every event" or
// "at the end of input": a window kept for an allowed lateness of INT64_MAX after its end
// is kept until the end of input, and a wake-up an INT64_MAX timeout from now never
// comes.
#pragma once

#include <cstdint>
#include <limits>

namespace sluice {

// a + b, held to [INT64_MIN, INT64_MAX].
constexpr int64_t SaturatingAdd(int64_t a, int64_t b) {
  int64_t sum = 0;
  if (__builtin_add_overflow(a, b, &sum)) {
    return b > 0 ? std::numeric_limits<int64_t>::max()
                 : std::numeric_limits<int64_t>::min();
  }
  return sum;
}

// a - b, held to [INT64_MIN, INT64_MAX].
constexpr int64_t SaturatingSub(int64_t a, int64_t b) {
  int64_t difference = 0;
  if (__builtin_sub_overflow(a, b, &difference)) {
    return b < 0 ? std::numeric_limits<int64_t>::max()
                 : std::numeric_limits<int64_t>::min();
  }
  return difference;
}

}  // namespace sluice
