// Event time in sluice: a signed 64-bit count of milliseconds since the Unix epoch
// (any other unit works if every timestamp, bound, window size and gap uses it).
// A watermark W promises that no more events with a timestamp <= W will arrive.
// Spans of event time given to options (sizes, gaps, bounds, lateness) come from
// std::chrono through EventTimeSpan and are checked with CheckTimeSpan when the job
// is built.
#pragma once

#include <chrono>
#include <cstdint>
#include <limits>
#include <ratio>
#include <type_traits>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "sluice/runtime/event_time/saturating_time.h"

namespace sluice {

// Before any event: the watermark of a stream that has not started.
inline constexpr int64_t kMinWatermark = std::numeric_limits<int64_t>::min();
// After every event: the watermark end-of-input advances event time to.
inline constexpr int64_t kMaxWatermark = std::numeric_limits<int64_t>::max();

// The earliest timestamp an on-time element can have once the watermark is
// `watermark`.
constexpr int64_t NextEventTime(int64_t watermark) { return SaturatingAdd(watermark, 1); }

// What EventTimeSpan gives for a duration whose count of milliseconds does not fit in
// int64 (std::chrono::hours::max(), say), where duration_cast would wrap around to
// some other span; CheckTimeSpan reports it.
inline constexpr int64_t kOutOfRangeSpan = std::numeric_limits<int64_t>::min();

// Durations in the event-time unit, from std::chrono: the milliseconds duration_cast
// gives (truncated towards zero), or kOutOfRangeSpan.
template <class Rep, class Period>
constexpr int64_t EventTimeSpan(std::chrono::duration<Rep, Period> duration) {
  using PerMillisecond = std::ratio_divide<Period, std::milli>;
  constexpr int64_t kMax = std::numeric_limits<int64_t>::max();
  if constexpr (std::is_floating_point_v<Rep>) {
    const long double millis = static_cast<long double>(duration.count()) *
                               PerMillisecond::num / PerMillisecond::den;
    // (A NaN fails both comparisons.)
    if (!(millis > -static_cast<long double>(kMax) &&
          millis < static_cast<long double>(kMax))) {
      return kOutOfRangeSpan;
    }
    return static_cast<int64_t>(millis);
  } else {
    static_assert(sizeof(Rep) <= sizeof(int64_t), "durations of up to 64-bit counts");
    __int128 millis = 0;
    if (__builtin_mul_overflow(static_cast<__int128>(duration.count()),
                               static_cast<__int128>(PerMillisecond::num), &millis)) {
      return kOutOfRangeSpan;
    }
    millis /= PerMillisecond::den;
    if (millis < -kMax || millis > kMax) return kOutOfRangeSpan;
    return static_cast<int64_t>(millis);
  }
}

// Checks the span given to `option` (named as the user wrote it, such as
// "TumblingWindows(size)"): it must lie in [min, max] milliseconds (min >
// kOutOfRangeSpan).
inline absl::Status CheckTimeSpan(absl::string_view option, int64_t span, int64_t min,
                                  int64_t max) {
  if (span >= min && span <= max) return absl::OkStatus();
  if (span == kOutOfRangeSpan) {
    return absl::InvalidArgumentError(absl::StrCat(
        option,
        ": the duration does not fit in int64 milliseconds (it is beyond about 292 "
        "million years); it must be between ",
        min, " ms and ", max, " ms"));
  }
  return absl::InvalidArgumentError(
      absl::StrCat(option, ": ", span, " ms is out of range; it must be between ", min,
                   " ms and ", max, " ms"));
}

}  // namespace sluice
