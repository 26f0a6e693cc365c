// A radix heap of (time, key) timers (Ahuja, Mehlhorn, Orlin, Tarjan): timers pop in
// non-decreasing time, so each sits in the bucket of the highest bit where its time
// differs from the last time popped; adding is an append, and a timer moves between
// buckets a few times at most before it pops. Unlike a binary heap it does not
// sift through memory on every operation, which is what made timers that arrive
// almost in order slow. Timers for times already popped past (rare: a process
// function registering a time behind the watermark) wait in a small binary heap, so
// every timer pops in time order. Part of EventTimeTimers.
#pragma once

#include <array>
#include <bit>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <queue>
#include <utility>
#include <vector>

namespace sluice {

template <class K>
class RadixTimerHeap {
 public:
  void Add(int64_t time, K key) {
    if (Bias(time) < last_) {
      overdue_.emplace(time, std::move(key));
      ++size_;
      return;
    }
    const uint64_t order = OrderOf(time);
    const int b = BucketOf(order);
    buckets_[b].emplace_back(time, std::move(key));
    if (order < mins_[b]) mins_[b] = order;
    if (b > 0) nonempty_ |= uint64_t{1} << (b - 1);
    ++size_;
  }
  bool empty() const { return size_ == 0; }
  size_t size() const { return size_; }
  // The time the next timer pops at (for an overdue timer, the last time popped);
  // must not be empty.
  int64_t MinTime() const {
    if (!overdue_.empty()) return overdue_.top().first;  // behind everything else
    if (!buckets_[0].empty()) return TimeOf(last_);
    return TimeOf(mins_[std::countr_zero(nonempty_) + 1]);
  }
  // Removes and returns the next timer; must not be empty.
  std::pair<int64_t, K> PopMin() {
    if (!overdue_.empty()) {
      std::pair<int64_t, K> timer =
          std::move(const_cast<std::pair<int64_t, K>&>(overdue_.top()));
      overdue_.pop();
      --size_;
      return timer;
    }
    if (buckets_[0].empty()) Redistribute(std::countr_zero(nonempty_) + 1);
    std::pair<int64_t, K> timer = std::move(buckets_[0].back());
    buckets_[0].pop_back();
    --size_;
    if (buckets_[0].empty()) mins_[0] = kNoOrder;
    return timer;
  }

 private:
  static constexpr uint64_t kNoOrder = std::numeric_limits<uint64_t>::max();

  // Times as unsigned integers in the same order.
  static uint64_t Bias(int64_t time) {
    return static_cast<uint64_t>(time) ^ (uint64_t{1} << 63);
  }
  static int64_t TimeOf(uint64_t order) {
    return static_cast<int64_t>(order ^ (uint64_t{1} << 63));
  }
  // The order a timer pops in: its time, or the last time popped if that is later.
  uint64_t OrderOf(int64_t time) const { return std::max(Bias(time), last_); }
  int BucketOf(uint64_t order) const {
    return order == last_ ? 0 : 64 - std::countl_zero(order ^ last_);
  }

  // Pops past the smallest time of bucket `b`: it becomes the last time popped, and
  // the bucket's timers move to lower buckets (those at that time to bucket 0).
  void Redistribute(int b) {
    last_ = mins_[b];
    std::vector<std::pair<int64_t, K>> moving;
    moving.swap(buckets_[b]);
    mins_[b] = kNoOrder;
    nonempty_ &= ~(uint64_t{1} << (b - 1));
    for (auto& timer : moving) {
      const uint64_t order = OrderOf(timer.first);
      const int to = BucketOf(order);
      buckets_[to].push_back(std::move(timer));
      if (order < mins_[to]) mins_[to] = order;
      if (to > 0) nonempty_ |= uint64_t{1} << (to - 1);
    }
    moving.clear();
    buckets_[b].swap(moving);  // keep the capacity
  }

  // buckets_[0]: timers popping at last_; buckets_[b]: those whose order first
  // differs from last_ in bit b - 1.
  std::array<std::vector<std::pair<int64_t, K>>, 65> buckets_;
  std::array<uint64_t, 65> mins_ = MakeMins();
  uint64_t nonempty_ = 0;  // bit b - 1 set: buckets_[b] holds timers (b >= 1)
  uint64_t last_ = 0;      // the order last popped past
  size_t size_ = 0;
  struct Later {
    bool operator()(const std::pair<int64_t, K>& a,
                    const std::pair<int64_t, K>& b) const {
      return a.first > b.first;
    }
  };
  // Timers added behind last_ (each earlier than everything in the buckets).
  std::priority_queue<std::pair<int64_t, K>, std::vector<std::pair<int64_t, K>>, Later>
      overdue_;

  static std::array<uint64_t, 65> MakeMins() {
    std::array<uint64_t, 65> mins;
    mins.fill(kNoOrder);
    return mins;
  }
};

}  // namespace sluice
