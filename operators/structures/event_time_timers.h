// An operator's pending timers: (time, key) pairs popped in time order as the
// watermark (or processing time) passes them. Timers mostly come in time order (an
// in-order stream sets each key's timer at its latest event plus a constant), or as
// a few interleaved orders (each upstream instance's events are in order, and their
// batches interleave). So timers go to a handful of FIFO runs, each non-decreasing,
// which cost an append and a read; a timer that fits no run goes to a radix heap.
// Popping merges the runs and the heap. (A binary heap alone cost a session-window
// job two thirds of its time, in sift-downs that miss the cache.)
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <utility>

#include "sluice/operators/structures/ordered_runs.h"
#include "sluice/operators/structures/radix_timer_heap.h"

namespace sluice {

template <class K>
class EventTimeTimers {
 public:
  void Add(int64_t time, K key) {
    if (int run = runs_.RunFor(time); run >= 0) {
      runs_.Append(run, Timer{time, std::move(key)});
    } else {
      rest_.Add(time, std::move(key));
    }
  }
  bool empty() const { return runs_.empty() && rest_.empty(); }
  size_t size() const { return runs_.size() + rest_.size(); }
  // The earliest pending time; must not be empty.
  int64_t next_time() const {
    const int run = runs_.EarliestRun();
    if (run < 0) return rest_.MinTime();
    return rest_.empty() ? runs_.FrontTime(run)
                         : std::min(runs_.FrontTime(run), rest_.MinTime());
  }

  // Calls fn(key, time) for every timer with time <= `watermark`, earliest first.
  // `fn` may add timers; those that are due are popped in this call too.
  template <class Fn>
  void PopDue(int64_t watermark, Fn&& fn) {
    while (true) {
      const int run = runs_.EarliestRun();
      const bool rest_first =
          !rest_.empty() && (run < 0 || rest_.MinTime() < runs_.FrontTime(run));
      std::pair<int64_t, K> timer;
      if (rest_first) {
        if (rest_.MinTime() > watermark) break;
        timer = rest_.PopMin();
      } else {
        if (run < 0 || runs_.FrontTime(run) > watermark) break;
        timer = runs_.PopFront(run);
      }
      fn(timer.second, timer.first);
    }
  }

 private:
  using Timer = std::pair<int64_t, K>;
  struct TimeOf {
    int64_t operator()(const Timer& timer) const { return timer.first; }
  };

  OrderedRuns<Timer, TimeOf> runs_;
  RadixTimerHeap<K> rest_;
};

}  // namespace sluice
