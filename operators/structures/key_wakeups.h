// When a keyed two-input operator (a join) must next look at each key as event time
// advances: to fire, or to drop buffered elements that can no longer match. One
// wake-up time per key, kept in the key's own slot; lowering it pushes a heap entry,
// and entries a lower one made stale are skipped when popped.
//
// A wake-up may be at any time, INT64_MAX included (the end of input: a window kept
// until then, a join event at that timestamp). Callers only set times after the
// watermark they are at, so PopDue, which pops what they set while it runs, ends.
#pragma once

#include <algorithm>
#include <cstdint>

#include "sluice/operators/structures/event_time_timers.h"

namespace sluice {

template <class K>
class KeyWakeups {
 public:
  // A key's pending wake-up, kept in the key's entry (not snapshotted: a restore
  // schedules again).
  struct Slot {
    int64_t time = 0;
    bool pending = false;
  };

  // Wakes `key`, whose slot is `slot`, at `time` or earlier.
  void Schedule(const K& key, int64_t time, Slot& slot) {
    if (slot.pending && time >= slot.time) return;
    slot = Slot{time, true};
    heap_.Add(time, key);
  }

  // Calls fn(it) for every key of `table` due at `watermark`, with the key's table
  // iterator; the key's slot is its entry's `wakeup` member. The slot is cleared
  // before fn runs, so fn reschedules what is left (at times after `watermark`).
  // Keys gone from the table, and stale wake-ups, are skipped.
  template <class Table, class Fn>
  void PopDue(int64_t watermark, Table& table, Fn fn) {
    heap_.PopDue(watermark, [&](const K& key, int64_t time) {
      auto it = table.find(key);
      if (it == table.end()) return;
      Slot& slot = it->second.wakeup;
      if (!slot.pending || slot.time != time) return;
      slot = Slot{};
      fn(it);
    });
  }

  size_t pending() const { return heap_.size(); }

 private:
  EventTimeTimers<K> heap_;
};

}  // namespace sluice
