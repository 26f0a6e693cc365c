// An operator's pending timers: (time, key) pairs popped in time order as the
// watermark (or processing time) passes them. Timers mostly come in time order (an
// in-order stream sets each key's timer at its latest event plus a constant), or as
// a few interleaved orders (each upstream instance's events are in order, and their
// batches interleave). So timers go to a handful of FIFO runs, each non-decreasing,
// which cost an append and a read; a timer that fits no run goes to a radix heap.
// Popping merges the runs and the heap. (A binary heap alone cost a session-window
// job two thirds of its time, in sift-downs that miss the cache.)
#pragma once

#include <array>
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
    // The common case: in order, at or after every run's last time; the run ending
    // latest is then the best fit.
    if (latest_ != nullptr && !latest_->empty() && time >= latest_->back()) {
      latest_->timers.emplace_back(time, std::move(key));
      ++size_;
      return;
    }
    Run* best = nullptr;
    Run* idle = nullptr;
    for (Run& run : runs_) {
      if (run.empty()) {
        if (idle == nullptr) idle = &run;
      } else if (time >= run.back() && (best == nullptr || run.back() > best->back())) {
        best = &run;  // best fit: the run whose last time is closest below
      }
    }
    if (best == nullptr) best = idle;
    if (best != nullptr) {
      best->timers.emplace_back(time, std::move(key));
      latest_ = nullptr;
      for (Run& run : runs_) {
        if (!run.empty() && (latest_ == nullptr || run.back() > latest_->back()))
          latest_ = &run;
      }
    } else {
      rest_.Add(time, std::move(key));
    }
    ++size_;
  }
  bool empty() const { return size_ == 0; }
  size_t size() const { return size_; }
  // The earliest pending time; must not be empty.
  int64_t next_time() const {
    int64_t next = rest_.empty() ? kEnd : rest_.MinTime();
    for (const Run& run : runs_) {
      if (!run.empty()) next = std::min(next, run.front());
    }
    return next;
  }

  // Calls fn(key, time) for every timer with time <= `watermark`, earliest first.
  // `fn` may add timers; those that are due are popped in this call too.
  template <class Fn>
  void PopDue(int64_t watermark, Fn&& fn) {
    while (size_ > 0) {
      Run* from = nullptr;
      for (Run& run : runs_) {
        if (!run.empty() && (from == nullptr || run.front() < from->front())) from = &run;
      }
      const bool rest_first =
          !rest_.empty() && (from == nullptr || rest_.MinTime() < from->front());
      std::pair<int64_t, K> timer;
      if (rest_first) {
        if (rest_.MinTime() > watermark) break;
        timer = rest_.PopMin();
      } else {
        if (from->front() > watermark) break;
        timer = std::move(from->timers[from->head++]);
      }
      --size_;
      fn(timer.second, timer.first);
    }
    for (Run& run : runs_) run.Compact();
  }

 private:
  static constexpr int64_t kEnd = INT64_MAX;
  static constexpr size_t kRuns = 4;

  struct Run {
    std::vector<std::pair<int64_t, K>> timers;  // non-decreasing times from head
    size_t head = 0;

    bool empty() const { return head == timers.size(); }
    int64_t front() const { return timers[head].first; }
    int64_t back() const { return timers.back().first; }
    // Drops the popped prefix once it is most of the run.
    void Compact() {
      if (empty()) {
        timers.clear();
        head = 0;
      } else if (head > 4096 && head * 2 > timers.size()) {
        timers.erase(timers.begin(), timers.begin() + static_cast<ptrdiff_t>(head));
        head = 0;
      }
    }
  };

  std::array<Run, kRuns> runs_;
  // The non-empty run with the latest last time, as of the last Add (runs only
  // empty between Adds, and an empty one is not trusted).
  Run* latest_ = nullptr;
  RadixTimerHeap<K> rest_;
  size_t size_ = 0;
};

}  // namespace sluice
