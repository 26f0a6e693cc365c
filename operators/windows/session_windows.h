// Session windows: a key's events less than `gap` apart fall in one window, which
// ends `gap` after its last event; an event that comes between two sessions and is
// less than `gap` from each merges them.
//
//   keyed.Window(sluice::SessionWindows(std::chrono::minutes(30)))
//
// Event time ends at INT64_MAX, and so does a session that would end later: every
// timestamp below INT64_MAX can be windowed. INT64_MAX itself, the end-of-input
// watermark, is no time of an event: window operators fail the job with
// OutOfRange(timestamp) for it.
#pragma once

#include <chrono>
#include <cstdint>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "sluice/operators/windows/time_window.h"
#include "sluice/runtime/event_time/event_time.h"
#include "sluice/runtime/operator_error.h"

namespace sluice {

class SessionWindowSpec {
 public:
  explicit SessionWindowSpec(int64_t gap) : gap_(gap) {}
  int64_t gap() const { return gap_; }
  absl::Status Validate() const {
    return CheckTimeSpan("SessionWindows(gap)", gap_, 1, kMaxWatermark);
  }

  bool Representable(int64_t timestamp) const { return timestamp < kMaxWatermark; }
  // The end of the window an event at `timestamp` (Representable) opens.
  int64_t EndOf(int64_t timestamp) const { return SaturatingAdd(timestamp, gap_); }
  // The error for an event at `timestamp` that is not Representable.
  absl::Status OutOfRange(int64_t timestamp) const {
    return absl::InvalidArgumentError(absl::StrCat(
        "event timestamp ", timestamp, " cannot be windowed by SessionWindows(gap ", gap_,
        " ms): ", kMaxWatermark,
        " is the end-of-input watermark, where event time (and every session) ends; "
        "fix or filter out such timestamps before the window"));
  }

 private:
  int64_t gap_;
};

// Session windows on the triggered window operator (a session window with a
// trigger): each element's window is [t, t + gap), which the operator merges with
// the key's windows it overlaps. SessionWindowOperator, without a trigger, does the
// same merging on its own faster path.
struct SessionWindowAssigner {
  static constexpr bool kMerging = true;
  SessionWindowSpec spec;

  template <class T>
  void AssignWindows(const T&, int64_t ts, std::vector<TimeWindow>& out) const {
    if (!spec.Representable(ts)) throw OperatorError(spec.OutOfRange(ts));
    out.push_back(TimeWindow{ts, spec.EndOf(ts)});
  }
};

template <class Rep, class Period>
SessionWindowSpec SessionWindows(std::chrono::duration<Rep, Period> gap) {
  return SessionWindowSpec(EventTimeSpan(gap));
}
inline SessionWindowSpec SessionWindows(int64_t gap) { return SessionWindowSpec(gap); }

}  // namespace sluice
