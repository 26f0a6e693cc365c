// Window join of two keyed streams: both are cut into the same event-time windows
// (tumbling or sliding), and when the watermark passes a window's end, fn(a, b) is
// emitted for every pair of a key's elements in that window, timestamped end - 1
// (as Flink's window join; an inner join: a window with one side empty emits
// nothing). Elements whose every window has already fired are late: counted in
// metrics (late_records), not joined. An element whose windows would reach past the
// int64 range of event time fails the job (SlicedWindows::OutOfRange).
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
#include "sluice/operators/windows/sliced_windows.h"
#include "sluice/runtime/batch_pool.h"
#include "sluice/runtime/event_time/event_time.h"
#include "sluice/runtime/operator.h"
#include "sluice/runtime/operator_error.h"
#include "sluice/runtime/state/in_memory_state_backend.h"

namespace sluice {

// A key's open windows, each with both sides' elements.
template <class K, class A, class B>
struct WindowJoinEntry {
  struct Pane {
    int64_t end = 0;
    std::vector<A> left;
    std::vector<B> right;
    auto Fields() { return std::tie(end, left, right); }
  };
  std::vector<Pane> panes;  // open windows, few per key
  typename KeyWakeups<K>::Slot wakeup;
  bool empty() const { return panes.empty(); }
  auto Fields() { return std::tie(panes); }
};

template <class K, class A, class B, class KeyA, class KeyB, class F>
class WindowJoinOperator final
    : public KeyedJoinOperator<
          WindowJoinOperator<K, A, B, KeyA, KeyB, F>, K, KeyA, KeyB,
          WindowJoinEntry<K, A, B>,
          std::decay_t<std::invoke_result_t<const F&, const A&, const B&>>> {
 public:
  using R = std::decay_t<std::invoke_result_t<const F&, const A&, const B&>>;

  WindowJoinOperator(KeyA key_a, KeyB key_b, SlicedWindows windows, F fn)
      : Base(std::move(key_a), std::move(key_b)), windows_(windows), fn_(std::move(fn)) {}

 private:
  using Entry = WindowJoinEntry<K, A, B>;
  using Pane = typename Entry::Pane;
  using Base = KeyedJoinOperator<WindowJoinOperator, K, KeyA, KeyB, Entry, R>;
  using Table = typename Base::Table;
  using Base::keys;
  using Base::wakeups_;
  using Base::watermark_;
  friend Base;

  // Buffers the elements in their windows; nothing is joined before a window fires.
  void Take(int port, const BatchPtr& batch, Batch<R>&) {
    if (port == 0) {
      TakeSide</*kLeft=*/true>(batch);
    } else {
      TakeSide</*kLeft=*/false>(batch);
    }
  }

  void Restored(const K& key, Entry& entry) {
    for (const Pane& pane : entry.panes) {
      wakeups_.Schedule(key, pane.end - 1, entry.wakeup);
    }
  }

  template <bool kLeft>
  void TakeSide(const BatchPtr& batch) {
    using T = std::conditional_t<kLeft, A, B>;
    const Batch<T>& in = BatchAs<T>(batch);
    RequireEventTime(in);
    uint64_t late = 0;
    for (size_t i = 0; i < in.items.size(); ++i) {
      if (!windows_.Representable(in.timestamps[i])) {
        throw OperatorError(windows_.OutOfRange(in.timestamps[i]));
      }
      const int64_t slice = windows_.SliceStart(in.timestamps[i]);
      const int64_t last_end = windows_.LastEnd(slice);
      if (last_end - 1 <= watermark_) {
        ++late;  // every window of this element has fired
        continue;
      }
      const T& item = in.items[i];
      auto it = keys().FindOrCreate(this->template KeyOf<kLeft>(item));
      Entry& entry = it->second;
      int64_t end = windows_.FirstEnd(slice);
      do {
        if (end - 1 <= watermark_) continue;  // fired already
        Pane& pane = PaneFor(entry, end);
        if constexpr (kLeft) {
          pane.left.push_back(item);
        } else {
          pane.right.push_back(item);
        }
        wakeups_.Schedule(it->first, end - 1, entry.wakeup);
      } while (windows_.StepEnd(end, last_end));
    }
    this->CountLate(late);
  }

  static Pane& PaneFor(Entry& entry, int64_t end) {
    for (Pane& pane : entry.panes) {
      if (pane.end == end) return pane;
    }
    Pane& pane = entry.panes.emplace_back();
    pane.end = end;
    return pane;
  }

  // Fires the key's windows that ended by the watermark, and drops them.
  void OnWakeup(typename Table::iterator it, Batch<R>& joined) {
    const K& key = it->first;
    Entry& entry = it->second;
    std::sort(entry.panes.begin(), entry.panes.end(),
              [](const Pane& x, const Pane& y) { return x.end < y.end; });
    size_t fired = 0;
    for (; fired < entry.panes.size() && entry.panes[fired].end - 1 <= watermark_;
         ++fired) {
      const Pane& pane = entry.panes[fired];
      for (const A& a : pane.left) {
        for (const B& b : pane.right) {
          joined.items.push_back(fn_(a, b));
          joined.timestamps.push_back(pane.end - 1);
        }
      }
    }
    entry.panes.erase(entry.panes.begin(),
                      entry.panes.begin() + static_cast<ptrdiff_t>(fired));
    if (entry.panes.empty()) {
      keys().Emptied(it);
    } else {
      wakeups_.Schedule(key, entry.panes.front().end - 1, entry.wakeup);
    }
  }

  SlicedWindows windows_;
  F fn_;
};

}  // namespace sluice
