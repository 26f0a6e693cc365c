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

// One window's result for one key. A window result's event timestamp is
// window.max_timestamp(), so results can feed further event-time windows.
template <class K, class R>
struct WindowResult {
  K key{};
  int64_t start = 0;
  int64_t end = 0;
  R value{};
  bool operator==(const WindowResult&) const = default;
};

template <class K, class R>
std::ostream& operator<<(std::ostream& out, const WindowResult<K, R>& result) {
  return out << "{key=" << result.key << " [" << result.start << ", " << result.end
             << ") " << result.value << "}";
}

}  // namespace sluice
