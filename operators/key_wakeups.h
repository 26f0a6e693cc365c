// When a keyed two-input operator (a join) must next look at each key as event time
// advances: to fire, or to drop buffered elements that can no longer match. One
// wake-up time per key, kept in the key's own slot; lowering it pushes a heap entry,
// and entries a lower one made stale are skipped when popped.
#pragma once

#include <algorithm>
#include <cstdint>
#include <limits>

#include "operators/event_time_timers.h"

namespace sluice {

template <class K>
class KeyWakeups {
 public:
  static constexpr int64_t kNone = std::numeric_limits<int64_t>::max();

  // Wakes `key`, whose current wake-up time is `slot`, at `time` or earlier. A time
  // of kMaxWatermark (end of input) is kept as kMaxWatermark - 1, which only the
  // end-of-input watermark reaches, so that kNone stays free to mean "none".
  void Schedule(const K& key, int64_t time, int64_t& slot) {
    time = std::min(time, kNone - 1);
    if (time >= slot) return;
    slot = time;
    heap_.Add(time, key);
  }

  // Calls fn(it) for every key of `table` due at `watermark`, with the key's table
  // iterator; the key's slot is its entry's `wakeup` member. The slot is reset to
  // kNone before fn runs, so fn reschedules what is left (at times after
  // `watermark`). Keys gone from the table, and stale wake-ups, are skipped.
  template <class Table, class Fn>
  void PopDue(int64_t watermark, Table& table, Fn fn) {
    heap_.PopDue(watermark, [&](const K& key, int64_t time) {
      auto it = table.find(key);
      if (it == table.end() || it->second.wakeup != time) return;
      it->second.wakeup = kNone;
      fn(it);
    });
  }

  size_t pending() const { return heap_.size(); }

 private:
  EventTimeTimers<K> heap_;
};

}  // namespace sluice
