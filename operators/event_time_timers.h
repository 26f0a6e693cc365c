// A window operator's pending timers: (event time, key) pairs popped in time order as
// the watermark passes them. A binary heap in one vector: registering a timer costs
// a push, with no allocation per distinct time (a map from time to keys allocated a
// vector per time and cost a fifth of a session-window job).
#pragma once

#include <cstdint>
#include <functional>
#include <queue>
#include <utility>
#include <vector>

namespace sluice {

template <class K>
class EventTimeTimers {
 public:
  void Add(int64_t time, K key) { heap_.emplace(time, std::move(key)); }
  bool empty() const { return heap_.empty(); }
  size_t size() const { return heap_.size(); }
  // The earliest pending time; the heap must not be empty.
  int64_t next_time() const { return heap_.top().first; }

  // Calls fn(key, time) for every timer with time <= `watermark`, earliest first.
  // `fn` may add timers; those that are due are popped in this call too.
  template <class Fn>
  void PopDue(int64_t watermark, Fn&& fn) {
    while (!heap_.empty() && heap_.top().first <= watermark) {
      std::pair<int64_t, K> timer =
          std::move(const_cast<std::pair<int64_t, K>&>(heap_.top()));
      heap_.pop();
      fn(timer.second, timer.first);
    }
  }

 private:
  struct Later {
    bool operator()(const std::pair<int64_t, K>& a,
                    const std::pair<int64_t, K>& b) const {
      return a.first > b.first;
    }
  };
  std::priority_queue<std::pair<int64_t, K>, std::vector<std::pair<int64_t, K>>, Later>
      heap_;
};

}  // namespace sluice
