// The general keyed window operator, for what the sliced fast path
// (sliced_window_operator.h) does not do: triggers other than the watermark (early
// firings by count or processing time, count triggers), discarding panes, global
// windows, custom window assigners (window_assigners.h) and triggers on session
// windows (SessionWindowAssigner, whose windows merge). Each window of a key has
// its own accumulator (no slices shared between sliding windows), kept in the
// key-group state backend.
//
// Lateness as in the sliced operator: an element is late when every window it
// belongs to ended more than the allowed lateness ago; it is counted in metrics
// (late_records) and, when asked for, sent to side output 1. An element within the
// lateness fires its (already fired) window again at once.
#pragma once

#include <algorithm>
#include <cstdint>
#include <tuple>
#include <type_traits>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "sluice/operators/require_event_time.h"
#include "sluice/operators/structures/key_wakeups.h"
#include "sluice/operators/windows/late_events.h"
#include "sluice/operators/windows/session_merge.h"
#include "sluice/operators/windows/time_window.h"
#include "sluice/operators/windows/window_assigners.h"
#include "sluice/operators/windows/window_trigger.h"
#include "sluice/runtime/batch_pool.h"
#include "sluice/runtime/event_time/event_time.h"
#include "sluice/runtime/operator.h"
#include "sluice/runtime/processing_clock.h"
#include "sluice/runtime/state/in_memory_state_backend.h"

namespace sluice {

template <class K, class T, class KeyFn, class Assigner, class A, class Finisher>
class TriggeredWindowOperator final : public Operator {
 public:
  using Acc = std::decay_t<decltype(std::declval<const A&>().CreateAccumulator())>;
  using R = std::decay_t<
      std::invoke_result_t<const Finisher&, const K&, const TimeWindow&, const Acc&>>;
  using Result = WindowResult<K, R>;

  TriggeredWindowOperator(KeyFn key_fn, Assigner assigner, A aggregate, Finisher finish,
                          WindowTrigger trigger, int64_t allowed_lateness,
                          bool late_output)
      : key_fn_(std::move(key_fn)),
        assigner_(std::move(assigner)),
        aggregate_(std::move(aggregate)),
        finish_(std::move(finish)),
        trigger_(trigger),
        lateness_(allowed_lateness),
        late_output_(late_output) {}

  absl::Status Open(const OperatorContext& context) override {
    metrics_ = context.metrics;
    processing_ = context.processing_timers;
    if (trigger_.every_processing_ms > 0 && processing_ == nullptr) {
      return absl::FailedPreconditionError(
          "a processing-time trigger needs a processing clock, which this operator "
          "was not given");
    }
    state_.set_key_group_count(context.max_key_groups);
    state_.set_on_restore([this](const K& key, Entry& entry) {
      entry.wakeup = {};
      entry.dirty = false;
      Reschedule(key, entry);
      // Elements a processing-time firing still owes them.
      if (trigger_.every_processing_ms > 0 &&
          std::any_of(entry.panes.begin(), entry.panes.end(),
                      [](const Pane& p) { return p.pending > 0 && !p.fired; })) {
        MarkDirty(key, entry);
      }
    });
    return absl::OkStatus();
  }

  KeyedStateBackend* keyed_state() override { return &state_; }

  void ProcessBatch(int, BatchPtr batch, Output& out) override {
    const Batch<T>& in = BatchAs<T>(batch);
    RequireEventTime(in);
    uint64_t late = 0;
    for (size_t i = 0; i < in.items.size(); ++i) {
      if (!Add(in.items[i], in.timestamps[i])) {
        ++late;
        if (late_output_) late_events_.Add(in.items[i], in.timestamps[i]);
      }
    }
    if (late > 0 && metrics_ != nullptr) metrics_->late_records.Add(late);
    Flush(out);
    late_events_.Flush(out);
  }

  void ProcessWatermark(int64_t watermark, Output& out) override {
    if (watermark <= watermark_) return;
    watermark_ = watermark;
    wakeups_.PopDue(watermark_, keys(),
                    [&](typename Table::iterator it) { OnWatermark(it); });
    keys().MaybeSweep();
    Flush(out);
    out.EmitControl(ElementKind::kWatermark, watermark);
  }

  void OnProcessingTime(int64_t now_millis, Output& out) override {
    timer_pending_ = false;
    for (const K& key : dirty_) {
      auto it = keys().find(key);
      if (it == keys().end()) continue;
      it->second.dirty = false;
      for (Pane& pane : it->second.panes) {
        if (pane.pending > 0 && !pane.fired) Fire(key, pane);
      }
    }
    dirty_.clear();
    (void)now_millis;
    Flush(out);
  }

 private:
  struct Pane {
    TimeWindow window;
    Acc acc{};
    int64_t pending = 0;  // elements since the last firing
    int64_t total = 0;    // elements in the accumulator
    int64_t max_timestamp = kMinWatermark;
    bool fired = false;  // the on-time firing is done (later ones are late firings)
    auto Fields() {
      return std::tie(window.start, window.end, acc, pending, total, max_timestamp,
                      fired);
    }
  };
  struct Entry {
    std::vector<Pane> panes;  // the key's open windows, few
    typename KeyWakeups<K>::Slot wakeup;
    bool dirty = false;  // in dirty_: has elements a processing-time firing owes
    bool empty() const { return panes.empty(); }
    auto Fields() { return std::tie(panes); }
  };
  using Table = typename InMemoryStateBackend<K, Entry>::Table;
  // Session windows merge (session_windows.h); other assigners' windows are fixed.
  static constexpr bool kMerging = requires { requires Assigner::kMerging; };

  Table& keys() { return state_.table(); }

  // When a window's state can go: `lateness` after its end (at the end of input when
  // that is past INT64_MAX); global windows at end of input.
  int64_t CleanupTime(const TimeWindow& w) const {
    return IsGlobal(w) ? kMaxWatermark : SaturatingAdd(w.max_timestamp(), lateness_);
  }
  int64_t FireTime(const TimeWindow& w) const {
    return IsGlobal(w) ? kMaxWatermark : w.max_timestamp();
  }

  // Adds one element to its windows; false when it is late for all of them.
  bool Add(const T& element, int64_t ts) {
    windows_.clear();
    assigner_.AssignWindows(element, ts, windows_);
    if constexpr (kMerging) {
      return !windows_.empty() && AddMerging(element, ts, windows_.front());
    }
    bool added = false;
    typename Table::iterator it;
    for (const TimeWindow& w : windows_) {
      if (!IsGlobal(w) && CleanupTime(w) <= watermark_) continue;
      if (!added) it = keys().FindOrCreate(key_fn_(element));
      added = true;
      Pane& pane = PaneFor(it->second, w);
      aggregate_.Add(pane.acc, element);
      Added(it, pane, ts);
    }
    return added;
  }

  // Merging windows (sessions, operators/windows/session_merge.h): the element's window
  // merges with every window of the key it overlaps into one pane, whose counts are
  // the sum of theirs. The element is late when the merged window is past its
  // lateness; the windows it touched then stay as they were.
  bool AddMerging(const T& element, int64_t ts, TimeWindow w) {
    auto window_of = [](const Pane& pane) { return pane.window; };
    auto acc_of = [](Pane& pane) -> Acc& { return pane.acc; };
    const K key = key_fn_(element);
    auto it = keys().find(key);
    SessionMerge merge{0, 0, w};
    if (it != keys().end()) merge = FindSessionMerge(it->second.panes, w, window_of);
    if (CleanupTime(merge.merged) <= watermark_) return false;
    // (A key emptied but not yet swept is found too; FindOrCreate counts it live.)
    if (it == keys().end() || it->second.empty()) it = keys().FindOrCreate(key);
    std::vector<Pane>& panes = it->second.panes;
    Acc acc =
        MergeSessionAccumulators(aggregate_, panes, merge, w.start, window_of, acc_of,
                                 [&](Acc& into) { aggregate_.Add(into, element); });
    const size_t first = merge.first;
    const size_t last = merge.last;
    if (!merge.merges()) panes.emplace(panes.begin() + first);
    Pane& pane = panes[first];
    // A merge that leaves a fired window's end where it was has fired on time already
    // (this holds below the watermark too: a restore at another parallelism can
    // lower it).
    bool fired = merge.merges() && pane.fired && pane.window.end == merge.merged.end;
    pane.window = merge.merged;
    pane.acc = std::move(acc);
    for (size_t i = first + 1; i < last; ++i) {
      fired = fired || (panes[i].fired && panes[i].window.end == merge.merged.end);
      pane.pending += panes[i].pending;
      pane.total += panes[i].total;
      pane.max_timestamp = std::max(pane.max_timestamp, panes[i].max_timestamp);
    }
    if (last > first + 1) panes.erase(panes.begin() + first + 1, panes.begin() + last);
    // A merged window that grew past the watermark fires on time later; one that
    // did not fires late now.
    pane.fired = fired || merge.merged.max_timestamp() <= watermark_;
    Added(it, pane, ts);
    return true;
  }

  // Counts an element just added to `pane`, fires what the trigger says and
  // schedules the key's next wake-up.
  void Added(typename Table::iterator it, Pane& pane, int64_t ts) {
    ++pane.pending;
    ++pane.total;
    pane.max_timestamp = std::max(pane.max_timestamp, ts);
    if (pane.fired) {
      Fire(it->first, pane);  // a late firing
    } else if (trigger_.every_count > 0 && pane.pending >= trigger_.every_count) {
      Fire(it->first, pane);
    } else if (trigger_.every_processing_ms > 0) {
      MarkDirty(it->first, it->second);
    }
    const TimeWindow& w = pane.window;
    int64_t when = pane.fired ? CleanupTime(w) : FireTime(w);
    if (when > watermark_) wakeups_.Schedule(it->first, when, it->second.wakeup);
  }

  Pane& PaneFor(Entry& entry, const TimeWindow& w) {
    for (Pane& pane : entry.panes) {
      if (pane.window == w) return pane;
    }
    Pane& pane = entry.panes.emplace_back();
    pane.window = w;
    pane.acc = aggregate_.CreateAccumulator();
    // A window whose end the watermark passed already fired (or would have).
    pane.fired = !IsGlobal(w) && w.max_timestamp() <= watermark_;
    return pane;
  }

  void MarkDirty(const K& key, Entry& entry) {
    if (!entry.dirty) {
      entry.dirty = true;
      dirty_.push_back(key);
    }
    if (!timer_pending_) {
      timer_pending_ = true;
      processing_->Register(
          SaturatingAdd(processing_->NowMillis(), trigger_.every_processing_ms));
    }
  }

  void Fire(const K& key, Pane& pane) {
    if (!results_) results_ = AcquireBatch<Result>();
    Batch<Result>& out = BatchAs<Result>(results_);
    // (The on-time firing comes before the pane is marked fired.)
    const PaneTiming timing = pane.fired                            ? PaneTiming::kLate
                              : FireTime(pane.window) <= watermark_ ? PaneTiming::kOnTime
                                                                    : PaneTiming::kEarly;
    out.items.push_back(Result{key, pane.window.start, pane.window.end,
                               finish_(key, pane.window, pane.acc), timing});
    out.timestamps.push_back(IsGlobal(pane.window) ? pane.max_timestamp
                                                   : pane.window.max_timestamp());
    pane.pending = 0;
    if (trigger_.discarding) {
      pane.acc = aggregate_.CreateAccumulator();
      pane.total = 0;
    }
  }

  // The watermark reached the key's wake-up: fire windows that ended, drop those
  // past their lateness.
  void OnWatermark(typename Table::iterator it) {
    const K& key = it->first;
    Entry& entry = it->second;
    for (Pane& pane : entry.panes) {
      if (pane.fired || FireTime(pane.window) > watermark_) continue;
      // Fire what is new; an accumulating on-watermark trigger also re-emits the
      // whole window on time after early firings. A count trigger's leftover
      // elements fire here too: a window never closes on unemitted elements.
      bool fire = pane.pending > 0 ||
                  (trigger_.on_watermark && !trigger_.discarding && pane.total > 0);
      if (fire) Fire(key, pane);
      pane.fired = true;
    }
    std::erase_if(entry.panes, [&](const Pane& pane) {
      return CleanupTime(pane.window) <= watermark_;
    });
    Reschedule(key, entry);
    if (entry.empty()) keys().Emptied(it);
  }

  void Reschedule(const K& key, Entry& entry) {
    for (const Pane& pane : entry.panes) {
      int64_t when = pane.fired ? CleanupTime(pane.window) : FireTime(pane.window);
      if (when > watermark_) wakeups_.Schedule(key, when, entry.wakeup);
    }
  }

  void Flush(Output& out) {
    if (results_) out.Emit(std::move(results_));
    if (metrics_ != nullptr) metrics_->SetStateEntries(keys().live());
  }

  KeyFn key_fn_;
  Assigner assigner_;
  A aggregate_;
  Finisher finish_;
  WindowTrigger trigger_;
  int64_t lateness_;
  bool late_output_;
  OperatorMetrics* metrics_ = nullptr;
  ProcessingTimers* processing_ = nullptr;
  int64_t watermark_ = kMinWatermark;
  InMemoryStateBackend<K, Entry> state_;
  KeyWakeups<K> wakeups_;
  std::vector<TimeWindow> windows_;  // scratch for AssignWindows
  std::vector<K> dirty_;             // keys owed a processing-time firing
  bool timer_pending_ = false;
  BatchPtr results_;
  LateEvents<T> late_events_;
};

}  // namespace sluice
