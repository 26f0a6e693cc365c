// Which windows an element belongs to, for the general (triggered) window operator.
// Built in: tumbling and sliding windows (SlicedWindows) and GlobalWindows(); any
// class with
//   void AssignWindows(const T& element, int64_t timestamp,
//                      std::vector<TimeWindow>& windows) const
// is a custom assigner (append the element's windows; none means it is dropped and
// counted as late).
#pragma once

#include <concepts>
#include <cstdint>
#include <vector>

#include "absl/status/status.h"
#include "sluice/operators/windows/sliced_windows.h"
#include "sluice/operators/windows/time_window.h"
#include "sluice/runtime/event_time/event_time.h"
#include "sluice/runtime/operator_error.h"

namespace sluice {

template <class W, class T>
concept WindowAssigner = requires(const W& w, const T& element, int64_t ts,
                                  std::vector<TimeWindow>& out) {
  w.AssignWindows(element, ts, out);
};

// One window per key spanning all of time: it fires by its trigger (a count,
// say), and at the end of input.
struct GlobalWindowSpec {
  template <class T>
  void AssignWindows(const T&, int64_t, std::vector<TimeWindow>& out) const {
    out.push_back(TimeWindow{kMinWatermark, kMaxWatermark});
  }
  absl::Status Validate() const { return absl::OkStatus(); }
};
inline GlobalWindowSpec GlobalWindows() { return {}; }

// The window of all event time (a global window, or a session spanning it).
inline bool IsGlobal(const TimeWindow& window) {
  return window.start == kMinWatermark && window.end == kMaxWatermark;
}

// Tumbling or sliding windows, each window on its own (no shared slices).
struct SlicedWindowAssigner {
  SlicedWindows windows;
  template <class T>
  void AssignWindows(const T&, int64_t ts, std::vector<TimeWindow>& out) const {
    if (!windows.Representable(ts)) throw OperatorError(windows.OutOfRange(ts));
    const int64_t slice = windows.SliceStart(ts);
    const int64_t last = windows.LastEnd(slice);
    int64_t end = windows.FirstEnd(slice);
    do {
      out.push_back(TimeWindow{end - windows.size(), end});
    } while (windows.StepEnd(end, last));
  }
  absl::Status Validate() const { return windows.Validate(); }
};

}  // namespace sluice
