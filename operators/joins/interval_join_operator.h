// Interval join of two keyed streams: for every pair (a, b) with the same key and
//   a.timestamp + lower <= b.timestamp <= a.timestamp + upper
// emits fn(a, b), timestamped max(a.timestamp, b.timestamp) (as Flink's interval
// join). Each side is buffered per key until no element still to come can match it:
// an a once the watermark reaches a.timestamp + upper, a b once it reaches
// b.timestamp - lower. Elements already behind the watermark when they arrive are
// late: counted in metrics (late_records), not joined.
#pragma once

#include <algorithm>
#include <cstdint>
#include <tuple>
#include <type_traits>
#include <utility>
#include <vector>

#include "sluice/operators/joins/keyed_join_operator.h"
#include "sluice/operators/require_event_time.h"
#include "sluice/operators/structures/key_wakeups.h"
#include "sluice/runtime/batch_pool.h"
#include "sluice/runtime/event_time/event_time.h"
#include "sluice/runtime/operator.h"
#include "sluice/runtime/state/in_memory_state_backend.h"

namespace sluice {

// The entry of a key: both sides' buffered elements.
template <class K, class A, class B>
struct IntervalJoinEntry {
  std::vector<std::pair<int64_t, A>> left;   // (timestamp, element)
  std::vector<std::pair<int64_t, B>> right;  // (timestamp, element)
  typename KeyWakeups<K>::Slot wakeup;
  bool empty() const { return left.empty() && right.empty(); }
  auto Fields() { return std::tie(left, right); }
};

template <class K, class A, class B, class KeyA, class KeyB, class F>
class IntervalJoinOperator final
    : public KeyedJoinOperator<
          IntervalJoinOperator<K, A, B, KeyA, KeyB, F>, K, KeyA, KeyB,
          IntervalJoinEntry<K, A, B>,
          std::decay_t<std::invoke_result_t<const F&, const A&, const B&>>> {
 public:
  using R = std::decay_t<std::invoke_result_t<const F&, const A&, const B&>>;

  IntervalJoinOperator(KeyA key_a, KeyB key_b, int64_t lower, int64_t upper, F fn)
      : Base(std::move(key_a), std::move(key_b)),
        lower_(lower),
        upper_(upper),
        fn_(std::move(fn)) {}

 private:
  using Entry = IntervalJoinEntry<K, A, B>;
  using Base = KeyedJoinOperator<IntervalJoinOperator, K, KeyA, KeyB, Entry, R>;
  using Table = typename Base::Table;
  using Base::keys;
  using Base::wakeups_;
  using Base::watermark_;
  friend Base;

  void Take(int port, const BatchPtr& batch, Batch<R>& joined) {
    if (port == 0) {
      TakeSide</*kLeft=*/true>(batch, joined);
    } else {
      TakeSide</*kLeft=*/false>(batch, joined);
    }
  }

  // Drops the elements that can no longer match.
  void OnWakeup(typename Table::iterator it, Batch<R>&) {
    Entry& entry = it->second;
    std::erase_if(entry.left,
                  [&](const auto& a) { return LeftExpiry(a.first) <= watermark_; });
    std::erase_if(entry.right,
                  [&](const auto& b) { return RightExpiry(b.first) <= watermark_; });
    ScheduleCleanup(it->first, entry);
    if (entry.empty()) keys().Emptied(it);
  }

  void Restored(const K& key, Entry& entry) { ScheduleCleanup(key, entry); }

  // When an element can no longer match anything still to come (saturating: one that
  // can match until the end of input is kept until then).
  int64_t LeftExpiry(int64_t ts) const { return SaturatingAdd(ts, upper_); }
  int64_t RightExpiry(int64_t ts) const { return SaturatingSub(ts, lower_); }

  template <bool kLeft>
  void TakeSide(const BatchPtr& batch, Batch<R>& joined) {
    using T = std::conditional_t<kLeft, A, B>;
    const Batch<T>& in = BatchAs<T>(batch);
    RequireEventTime(in);
    uint64_t late = 0;
    for (size_t i = 0; i < in.items.size(); ++i) {
      const int64_t ts = in.timestamps[i];
      if (ts <= watermark_) {
        ++late;
        continue;
      }
      const T& item = in.items[i];
      auto it = keys().FindOrCreate(this->template KeyOf<kLeft>(item));
      Entry& entry = it->second;
      if constexpr (kLeft) {
        MatchLeft(item, ts, entry, joined);
        wakeups_.Schedule(it->first, LeftExpiry(ts), entry.wakeup);
      } else {
        MatchRight(item, ts, entry, joined);
        wakeups_.Schedule(it->first, RightExpiry(ts), entry.wakeup);
      }
    }
    this->CountLate(late);
  }

  // The partner's timestamp range is computed once per element, exactly (in 128
  // bits), not per buffered partner.
  void MatchLeft(const A& a, int64_t ts, Entry& entry, Batch<R>& joined) {
    const __int128 low = __int128{ts} + lower_;
    const __int128 high = __int128{ts} + upper_;
    for (const auto& [tb, b] : entry.right) {
      if (tb >= low && tb <= high) {
        joined.items.push_back(fn_(a, b));
        joined.timestamps.push_back(std::max(ts, tb));
      }
    }
    entry.left.emplace_back(ts, a);
  }
  void MatchRight(const B& b, int64_t ts, Entry& entry, Batch<R>& joined) {
    const __int128 low = __int128{ts} - upper_;  // ta + lower <= ts <= ta + upper
    const __int128 high = __int128{ts} - lower_;
    for (const auto& [ta, a] : entry.left) {
      if (ta >= low && ta <= high) {
        joined.items.push_back(fn_(a, b));
        joined.timestamps.push_back(std::max(ta, ts));
      }
    }
    entry.right.emplace_back(ts, b);
  }

  // Wakes the key when its earliest element expires (after a clean-up or restore).
  void ScheduleCleanup(const K& key, Entry& entry) {
    if (entry.empty()) return;
    int64_t next = kMaxWatermark;
    for (const auto& a : entry.left) next = std::min(next, LeftExpiry(a.first));
    for (const auto& b : entry.right) next = std::min(next, RightExpiry(b.first));
    wakeups_.Schedule(key, next, entry.wakeup);
  }

  int64_t lower_;
  int64_t upper_;
  F fn_;
};

}  // namespace sluice
