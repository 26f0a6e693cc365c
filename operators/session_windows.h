// Session windows: a key's events less than `gap` apart fall in one window, which
// ends `gap` after its last event; an event that comes between two sessions and is
// less than `gap` from each merges them.
//
//   keyed.Window(sluice::SessionWindows(std::chrono::minutes(30)))
#pragma once

#include <chrono>
#include <cstdint>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "operators/time_window.h"
#include "runtime/event_time.h"

namespace sluice {

class SessionWindowSpec {
 public:
  explicit SessionWindowSpec(int64_t gap) : gap_(gap) {}
  int64_t gap() const { return gap_; }
  absl::Status Validate() const {
    if (gap_ <= 0) {
      return absl::InvalidArgumentError(
          absl::StrCat("session gap must be > 0, got ", gap_));
    }
    return absl::OkStatus();
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
    // An end past the last representable time would read as a global window; such
    // an element is counted as late instead.
    if (ts >= kMaxWatermark - spec.gap()) return;
    out.push_back(TimeWindow{ts, ts + spec.gap()});
  }
};

template <class Rep, class Period>
SessionWindowSpec SessionWindows(std::chrono::duration<Rep, Period> gap) {
  return SessionWindowSpec(EventTimeSpan(gap));
}
inline SessionWindowSpec SessionWindows(int64_t gap) { return SessionWindowSpec(gap); }

}  // namespace sluice
