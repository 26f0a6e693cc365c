// Session windows: a key's events less than `gap` apart fall in one window, which
// ends `gap` after its last event; an event that comes between two sessions and is
// less than `gap` from each merges them.
//
//   keyed.Window(sluice::SessionWindows(std::chrono::minutes(30)))
#pragma once

#include <chrono>
#include <cstdint>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
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

template <class Rep, class Period>
SessionWindowSpec SessionWindows(std::chrono::duration<Rep, Period> gap) {
  return SessionWindowSpec(EventTimeSpan(gap));
}
inline SessionWindowSpec SessionWindows(int64_t gap) { return SessionWindowSpec(gap); }

}  // namespace sluice
