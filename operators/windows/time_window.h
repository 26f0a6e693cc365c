// An event-time window [start, end) and the result a window operator emits for it.
#pragma once

#include <cstdint>
#include <ostream>

namespace sluice {

struct TimeWindow {
  int64_t start = 0;  // inclusive
  int64_t end = 0;    // exclusive
  // The last timestamp inside the window: it fires when the watermark reaches this.
  int64_t max_timestamp() const { return end - 1; }
  bool operator==(const TimeWindow&) const = default;
};

// Which firing of its window a result is (Beam's pane timing): an early firing of a
// trigger, before the watermark passed the window's end; the on-time firing, when it
// did; or a late firing, for an element that came within the allowed lateness after
// it. A window with the default trigger and no late elements fires once, on time.
enum class PaneTiming : uint8_t { kEarly, kOnTime, kLate };

inline const char* PaneTimingName(PaneTiming timing) {
  switch (timing) {
    case PaneTiming::kEarly:
      return "early";
    case PaneTiming::kOnTime:
      return "on time";
    case PaneTiming::kLate:
      return "late";
  }
  return "?";
}

// One window's result for one key. A window result's event timestamp is
// window.max_timestamp(), so results can feed further event-time windows.
template <class K, class R>
struct WindowResult {
  K key{};
  int64_t start = 0;
  int64_t end = 0;
  R value{};
  PaneTiming timing = PaneTiming::kOnTime;
  bool operator==(const WindowResult&) const = default;
};

template <class K, class R>
std::ostream& operator<<(std::ostream& out, const WindowResult<K, R>& result) {
  out << "{key=" << result.key << " [" << result.start << ", " << result.end << ") "
      << result.value;
  if (result.timing != PaneTiming::kOnTime) out << " " << PaneTimingName(result.timing);
  return out << "}";
}

}  // namespace sluice
