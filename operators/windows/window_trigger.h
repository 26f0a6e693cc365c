// When a window emits its result, and what it keeps afterwards (Flink's triggers and
// Beam's accumulation modes, as one value):
//
//   WindowTrigger::OnWatermark()                     // the default: once, at the end
//   WindowTrigger::OnWatermark().EarlyEvery(1000)    // and every 1000 elements before
//   WindowTrigger::OnWatermark().EarlyEveryProcessingTime(std::chrono::seconds(5))
//   WindowTrigger::Count(100)                        // every 100 elements (global
//   windows)
//   ....Discarding()                                 // each firing only covers the
//                                                    // elements since the previous one
//
// Late firings: with allowed lateness, every late element fires its window again.
// Each firing emits a WindowResult for the window; the on-time one is emitted when
// the watermark passes the window's end (for global windows, at end of input, so a
// bounded job loses nothing).
#pragma once

#include <chrono>
#include <cstdint>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "sluice/runtime/event_time/event_time.h"

namespace sluice {

struct WindowTrigger {
  bool on_watermark = true;  // fire when the watermark passes the window's end
  int64_t every_count = 0;   // also fire every this many elements (0: never)
  int64_t every_processing_ms =
      0;                    // also fire this often, while there is news (0: never)
  bool discarding = false;  // drop a window's contents after each firing

  static WindowTrigger OnWatermark() { return WindowTrigger{}; }
  // Fires each time `n` elements have been added to a window, and never on the
  // watermark except at the end of input (meant for GlobalWindows).
  static WindowTrigger Count(int64_t n) {
    WindowTrigger trigger;
    trigger.on_watermark = false;
    trigger.every_count = n;
    return trigger;
  }

  // Early firings: every `n` elements, before the on-time firing.
  WindowTrigger EarlyEvery(int64_t n) const {
    WindowTrigger copy = *this;
    copy.every_count = n;
    return copy;
  }
  // Early firings: every `interval` of processing time, for windows that received
  // elements since they last fired.
  WindowTrigger EarlyEveryProcessingTime(int64_t interval_ms) const {
    WindowTrigger copy = *this;
    copy.every_processing_ms = interval_ms;
    return copy;
  }
  template <class Rep, class Period>
  WindowTrigger EarlyEveryProcessingTime(
      std::chrono::duration<Rep, Period> interval) const {
    return EarlyEveryProcessingTime(EventTimeSpan(interval));
  }
  WindowTrigger Discarding() const {
    WindowTrigger copy = *this;
    copy.discarding = true;
    return copy;
  }
  WindowTrigger Accumulating() const {
    WindowTrigger copy = *this;
    copy.discarding = false;
    return copy;
  }

  absl::Status Validate() const {
    if (every_count < 0) {
      return absl::InvalidArgumentError(
          absl::StrCat("trigger: the count must be >= 0, got ", every_count));
    }
    return CheckTimeSpan("EarlyEveryProcessingTime(interval)", every_processing_ms, 0,
                         kMaxWatermark);
  }
};

}  // namespace sluice
