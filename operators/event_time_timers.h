// An operator's pending timers: (time, key) pairs popped in time order as the
// watermark (or processing time) passes them. Timers mostly come in time order (an
// in-order stream sets each key's timer at its latest event plus a constant), so
// those go to a FIFO run, which costs an append and a read; the others (several
// upstream instances interleave their orders) go to a radix heap. Popping merges
// the two. (A binary heap alone cost a session-window job two thirds of its time,
// in sift-downs that miss the cache.)
#pragma once

#include <cstddef>
#include <cstdint>
#include <utility>
#include <vector>

#include "operators/radix_timer_heap.h"

namespace sluice {

template <class K>
class EventTimeTimers {
 public:
  void Add(int64_t time, K key) {
    if (fifo_head_ == fifo_.size() || time >= fifo_.back().first) {
      fifo_.emplace_back(time, std::move(key));
    } else {
      rest_.Add(time, std::move(key));
    }
  }
  bool empty() const { return fifo_head_ == fifo_.size() && rest_.empty(); }
  size_t size() const { return fifo_.size() - fifo_head_ + rest_.size(); }
  // The earliest pending time; must not be empty.
  int64_t next_time() const {
    if (fifo_head_ == fifo_.size()) return rest_.MinTime();
    if (rest_.empty()) return fifo_[fifo_head_].first;
    return std::min(fifo_[fifo_head_].first, rest_.MinTime());
  }

  // Calls fn(key, time) for every timer with time <= `watermark`, earliest first.
  // `fn` may add timers; those that are due are popped in this call too.
  template <class Fn>
  void PopDue(int64_t watermark, Fn&& fn) {
    while (true) {
      const bool fifo_due =
          fifo_head_ < fifo_.size() && fifo_[fifo_head_].first <= watermark;
      const bool rest_due = !rest_.empty() && rest_.MinTime() <= watermark;
      if (!fifo_due && !rest_due) break;
      std::pair<int64_t, K> timer;
      if (fifo_due && (!rest_due || fifo_[fifo_head_].first <= rest_.MinTime())) {
        timer = std::move(fifo_[fifo_head_++]);
      } else {
        timer = rest_.PopMin();
      }
      fn(timer.second, timer.first);
    }
    Compact();
  }

 private:
  // Drops the popped prefix of the FIFO once it is most of it.
  void Compact() {
    if (fifo_head_ == fifo_.size()) {
      fifo_.clear();
      fifo_head_ = 0;
    } else if (fifo_head_ > 4096 && fifo_head_ * 2 > fifo_.size()) {
      fifo_.erase(fifo_.begin(), fifo_.begin() + static_cast<ptrdiff_t>(fifo_head_));
      fifo_head_ = 0;
    }
  }

  std::vector<std::pair<int64_t, K>> fifo_;  // non-decreasing times from fifo_head_
  size_t fifo_head_ = 0;
  RadixTimerHeap<K> rest_;
};

}  // namespace sluice
