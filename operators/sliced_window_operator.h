// Keyed tumbling and sliding windows over event time (sliced_windows.h). Each event
// is added to its key's slice; when the watermark passes a window's end, the key's
// slices in that window are merged (in amortised O(1), sliding_aggregator.h) and the
// result is emitted. Work is driven by per-key timers, so a watermark costs nothing
// for keys with nothing due.
//
// Lateness: an event is late when every window it belongs to has ended more than the
// allowed lateness ago (window max timestamp + lateness <= watermark); it is counted
// in the operator's metrics and not added. With allowed lateness, a window that
// already fired fires again, with the updated value, for each event that arrives
// within the lateness.
#pragma once

#include <algorithm>
#include <cstdint>
#include <utility>
#include <vector>

#include "absl/container/btree_map.h"
#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"
#include "operators/sliced_windows.h"
#include "operators/sliding_aggregator.h"
#include "operators/time_window.h"
#include "runtime/batch_pool.h"
#include "runtime/event_time.h"
#include "runtime/operator.h"

namespace sluice {

// A: CreateAccumulator(), Add(Acc&, const T&), Merge(Acc& earlier, const Acc& later).
// Finisher: R operator()(const K&, const TimeWindow&, const Acc&).
template <class K, class T, class KeyFn, class A, class Finisher>
class SlicedWindowOperator final : public Operator {
 public:
  using Acc = std::decay_t<decltype(std::declval<const A&>().CreateAccumulator())>;
  using R = std::decay_t<
      std::invoke_result_t<const Finisher&, const K&, const TimeWindow&, const Acc&>>;
  using Result = WindowResult<K, R>;

  SlicedWindowOperator(KeyFn key_fn, A aggregate, Finisher finish, SlicedWindows windows,
                       int64_t allowed_lateness)
      : key_fn_(std::move(key_fn)),
        aggregate_(std::move(aggregate)),
        finish_(std::move(finish)),
        windows_(windows),
        lateness_(allowed_lateness) {}

  absl::Status Open(const OperatorContext& context) override {
    name_ = context.name;
    metrics_ = context.metrics;
    return absl::OkStatus();
  }

  void ProcessBatch(int, BatchPtr batch, Output& out) override {
    const Batch<T>& in = BatchAs<T>(batch);
    if (!in.has_timestamps() && !in.items.empty()) {
      throw OperatorError(absl::FailedPreconditionError(
          "the input stream has no event time: call AssignTimestamps before the window"));
    }
    bool fire_now = false;
    for (size_t i = 0; i < in.items.size(); ++i) {
      fire_now |= Add(in.items[i], in.timestamps[i]);
    }
    if (fire_now) FireDue();
    FlushResults(out);
    UpdateStateMetric();
  }

  void ProcessWatermark(int64_t watermark, Output& out) override {
    if (watermark <= watermark_) return;
    watermark_ = watermark;
    FireDue();
    FlushResults(out);
    UpdateStateMetric();
    out.EmitControl(ElementKind::kWatermark, watermark);
  }

  size_t key_count() const { return keys_.size(); }

 private:
  static constexpr int64_t kNone = kMaxWatermark;

  struct KeyState {
    // Slices whose windows have not fired yet, oldest first (usually one or two).
    std::vector<std::pair<int64_t, Acc>> open;
    // Slices of the windows being fired, for the sliding merge.
    SlidingAggregator<Acc, A> sealed;
    // With allowed lateness: every sealed slice still inside a window that can fire
    // again, for late firings.
    absl::btree_map<int64_t, Acc> retained;
    int64_t fired_until = kMinWatermark;  // end of the last window fired
    int64_t next_fire = kNone;            // window end of the pending timer
  };

  // Returns true if the event made a window due at the current watermark.
  bool Add(const T& item, int64_t timestamp) {
    const int64_t slice = windows_.SliceStart(timestamp);
    if (Expired(windows_.LastEnd(slice))) {
      if (metrics_ != nullptr) metrics_->late_records.Add(1);
      return false;
    }
    K key = key_fn_(item);
    KeyState& state = keys_[key];
    if (slice + windows_.slice() > state.fired_until) {
      AddToOpen(state, slice, item);
      // The first window holding the slice that has not expired.
      int64_t end = windows_.FirstEnd(slice);
      while (Expired(end)) end += windows_.slide();
      end = std::max(end, state.fired_until + windows_.slide());
      Schedule(key, state, end);
      return end - 1 <= watermark_;
    }
    AddLate(key, state, slice, item);
    return false;
  }

  void AddToOpen(KeyState& state, int64_t slice, const T& item) {
    auto& open = state.open;
    if (open.empty() || open.back().first < slice) {
      open.emplace_back(slice, aggregate_.CreateAccumulator());
      aggregate_.Add(open.back().second, item);
      return;
    }
    if (open.back().first == slice) {
      aggregate_.Add(open.back().second, item);
      return;
    }
    auto it = std::lower_bound(open.begin(), open.end(), slice,
                               [](const auto& s, int64_t t) { return s.first < t; });
    if (it == open.end() || it->first != slice) {
      it = open.emplace(it, slice, aggregate_.CreateAccumulator());
    }
    aggregate_.Add(it->second, item);
  }

  // An event for a slice that already fired for this key (out of order but not late).
  void AddLate(const K& key, KeyState& state, int64_t slice, const T& item) {
    // Windows still to fire see it through the sealed slices.
    const int64_t next_window_start =
        state.fired_until + windows_.slide() - windows_.size();
    if (slice >= next_window_start) {
      size_t index = state.sealed.Find(slice);
      if (index < state.sealed.size()) {
        aggregate_.Add(state.sealed.MutableSlice(index), item);
        state.sealed.SliceChanged(aggregate_, index);
      } else {
        Acc acc = aggregate_.CreateAccumulator();
        aggregate_.Add(acc, item);
        state.sealed.Insert(aggregate_, slice, std::move(acc));
      }
      Schedule(key, state, state.fired_until + windows_.slide());
    }
    if (lateness_ == 0) return;
    // Windows that fired and are within the allowed lateness fire again.
    auto [it, inserted] = state.retained.try_emplace(slice);
    if (inserted) it->second = aggregate_.CreateAccumulator();
    aggregate_.Add(it->second, item);
    int64_t last = std::min(windows_.LastEnd(slice), state.fired_until);
    for (int64_t end = windows_.FirstEnd(slice); end <= last; end += windows_.slide()) {
      if (!Expired(end)) EmitFromRetained(key, state, end);
    }
  }

  bool Expired(int64_t window_end) const {
    return watermark_ != kMinWatermark && window_end - 1 + lateness_ <= watermark_;
  }

  void Schedule(const K& key, KeyState& state, int64_t end) {
    if (end >= state.next_fire) return;
    state.next_fire = end;
    timers_[end].push_back(key);
  }

  // Fires every window whose end - 1 <= watermark, in time order.
  void FireDue() {
    while (!timers_.empty() && timers_.begin()->first - 1 <= watermark_) {
      auto node = timers_.extract(timers_.begin());
      const int64_t end = node.key();
      for (const K& key : node.mapped()) FireKey(key, end);
    }
    CleanUpDue();
  }

  void FireKey(const K& key, int64_t end) {
    auto it = keys_.find(key);
    if (it == keys_.end() || it->second.next_fire != end) return;  // stale timer
    KeyState& state = it->second;
    state.next_fire = kNone;
    const int64_t start = end - windows_.size();
    // Seal the slices this window ends; keep a copy for late firings.
    auto& open = state.open;
    size_t sealed = 0;
    while (sealed < open.size() && open[sealed].first + windows_.slice() <= end) {
      if (lateness_ > 0)
        state.retained.insert_or_assign(open[sealed].first, open[sealed].second);
      state.sealed.Push(aggregate_, open[sealed].first, std::move(open[sealed].second));
      ++sealed;
    }
    open.erase(open.begin(), open.begin() + sealed);
    while (!state.sealed.empty() && state.sealed.front().start < start) {
      state.sealed.PopFront(aggregate_);
    }
    if (!state.sealed.empty()) {
      Acc acc = state.sealed.Aggregate(aggregate_);
      EmitResult(key, TimeWindow{start, end}, acc);
    }
    state.fired_until = end;
    PurgeRetained(state);
    // The next window with anything in it.
    int64_t next = kNone;
    if (!state.sealed.empty() &&
        state.sealed.back().start >= end + windows_.slide() - windows_.size()) {
      next = end + windows_.slide();
    }
    if (!open.empty()) next = std::min(next, windows_.FirstEnd(open.front().first));
    if (next != kNone) {
      Schedule(key, state, next);
    } else if (state.retained.empty()) {
      keys_.erase(it);
    } else {
      // Nothing left to fire, but late events may still come: drop the key once
      // every window it has a slice in has expired.
      cleanup_[windows_.LastEnd(state.retained.rbegin()->first) - 1 + lateness_]
          .push_back(key);
    }
  }

  // Drops keys whose retained slices have all expired and that have nothing due.
  void CleanUpDue() {
    while (!cleanup_.empty() && cleanup_.begin()->first <= watermark_) {
      auto node = cleanup_.extract(cleanup_.begin());
      for (const K& key : node.mapped()) {
        auto it = keys_.find(key);
        if (it == keys_.end()) continue;
        PurgeRetained(it->second);
        if (it->second.next_fire == kNone && it->second.open.empty() &&
            it->second.retained.empty()) {
          keys_.erase(it);
        }
      }
    }
  }

  void PurgeRetained(KeyState& state) {
    while (!state.retained.empty() &&
           Expired(windows_.LastEnd(state.retained.begin()->first))) {
      state.retained.erase(state.retained.begin());
    }
  }

  void EmitFromRetained(const K& key, const KeyState& state, int64_t end) {
    const int64_t start = end - windows_.size();
    Acc acc = aggregate_.CreateAccumulator();
    for (auto it = state.retained.lower_bound(start);
         it != state.retained.end() && it->first < end; ++it) {
      aggregate_.Merge(acc, it->second);
    }
    EmitResult(key, TimeWindow{start, end}, acc);
  }

  void EmitResult(const K& key, const TimeWindow& window, const Acc& acc) {
    if (!results_) results_ = AcquireBatch<Result>();
    Batch<Result>& batch = BatchAs<Result>(results_);
    batch.items.push_back(
        Result{key, window.start, window.end, finish_(key, window, acc)});
    batch.timestamps.push_back(window.max_timestamp());
  }

  void FlushResults(Output& out) {
    if (results_) out.Emit(std::move(results_));
  }

  void UpdateStateMetric() {
    if (metrics_ != nullptr) metrics_->SetStateEntries(keys_.size());
  }

  KeyFn key_fn_;
  A aggregate_;
  Finisher finish_;
  SlicedWindows windows_;
  int64_t lateness_;
  std::string name_;
  OperatorMetrics* metrics_ = nullptr;
  int64_t watermark_ = kMinWatermark;
  absl::flat_hash_map<K, KeyState> keys_;
  absl::btree_map<int64_t, std::vector<K>> timers_;  // window end -> keys
  // watermark at which to drop -> keys (with allowed lateness only)
  absl::btree_map<int64_t, std::vector<K>> cleanup_;
  BatchPtr results_;
};

}  // namespace sluice
