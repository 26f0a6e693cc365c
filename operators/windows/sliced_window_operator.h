// Keyed tumbling and sliding windows over event time (sliced_windows.h).
//
// State is kept per slice, as the hand-written loop would: one hash map of key ->
// accumulator per open slice, so an event costs one lookup in a map holding only the
// keys of its slice. When the watermark passes a window's end, the slices it ends are
// sealed. A tumbling window is one slice: its map is emitted as it is. For sliding
// windows each key's sealed slices go to a per-key SlidingAggregator (amortised O(1)
// merges per slice), and every window end emits the aggregate of each key that has
// slices in it, so a window's cost does not grow with size / slide.
//
// Snapshots: state is per slice, so keyed_state() gathers it per key (its open slices,
// its sealed ones and, with lateness, its retained ones) into an InMemoryStateBackend
// and snapshots that by key group; a restore puts each key's slices back and
// resumes firing where the snapshot left off.
//
// Lateness: an event is late when every window it belongs to has ended more than the
// allowed lateness ago (window max timestamp + lateness <= watermark, saturating: a
// lateness of INT64_MAX keeps windows until the end of input); it is counted in the
// operator's late_records metric and dropped. With allowed lateness, sealed slices are
// kept until their last window expires, and a window that already fired fires again,
// with the updated value, for each event within the lateness.
//
// Window ends go up to INT64_MAX (sliced_windows.h), so the next window to fire is
// kept as its max timestamp (end - 1), leaving INT64_MAX free to mean "none"; an event
// that cannot be windowed fails the job (SlicedWindows::OutOfRange).
#pragma once

#include <algorithm>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <tuple>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "sluice/operators/require_event_time.h"
#include "sluice/operators/structures/sliding_aggregator.h"
#include "sluice/operators/windows/late_events.h"
#include "sluice/operators/windows/sliced_windows.h"
#include "sluice/operators/windows/time_window.h"
#include "sluice/operators/windows/window_pre_aggregate_operator.h"
#include "sluice/runtime/batch_pool.h"
#include "sluice/runtime/event_time/event_time.h"
#include "sluice/runtime/operator.h"
#include "sluice/runtime/operator_error.h"
#include "sluice/runtime/state/in_memory_state_backend.h"
#include "sluice/runtime/state/keyed_state_table.h"

namespace sluice {

// A: CreateAccumulator(), Add(Acc&, const T&), Merge(Acc& earlier, const Acc& later).
// Finisher: R operator()(const K&, const TimeWindow&, const Acc&).
// kPartialInput: the input is WindowPartial<K, Acc> from a WindowPreAggregateOperator
// (already keyed and sliced) rather than events.
template <class K, class T, class KeyFn, class A, class Finisher,
          bool kPartialInput = false>
class SlicedWindowOperator final : public Operator {
 public:
  using Acc = std::decay_t<decltype(std::declval<const A&>().CreateAccumulator())>;
  using In = std::conditional_t<kPartialInput, WindowPartial<K, Acc>, T>;
  using R = std::decay_t<
      std::invoke_result_t<const Finisher&, const K&, const TimeWindow&, const Acc&>>;
  using Result = WindowResult<K, R>;

  SlicedWindowOperator(KeyFn key_fn, A aggregate, Finisher finish, SlicedWindows windows,
                       int64_t allowed_lateness)
      : key_fn_(std::move(key_fn)),
        aggregate_(std::move(aggregate)),
        finish_(std::move(finish)),
        windows_(windows),
        slices_(windows),
        lateness_(allowed_lateness) {}

  absl::Status Open(const OperatorContext& context) override {
    metrics_ = context.metrics;
    key_group_count_ = context.max_key_groups;
    first_key_group_ =
        KeyGroups::RangeStart(context.instance, key_group_count_, context.parallelism);
    end_key_group_ = KeyGroups::RangeStart(context.instance + 1, key_group_count_,
                                           context.parallelism);
    return absl::OkStatus();
  }

  KeyedStateBackend* keyed_state() override { return &snapshots_; }

  void ProcessBatch(int, BatchPtr batch, Output& out) override {
    const Batch<In>& in = BatchAs<In>(batch);
    RequireEventTime(in);
    for (size_t i = 0; i < in.items.size(); ++i) Add(in.items[i], in.timestamps[i]);
    // Windows due here were skipped at their watermark (no key had data in them):
    // their first firing comes after their end.
    FireDue(PaneTiming::kLate);
    if (results_) out.Emit(std::move(results_));
    late_.Flush(out);
  }

  void ProcessWatermark(int64_t watermark, Output& out) override {
    if (watermark <= watermark_) return;
    watermark_ = watermark;
    FireDue(PaneTiming::kOnTime);
    PurgeRetained();
    if (results_) out.Emit(std::move(results_));
    if (metrics_ != nullptr) metrics_->SetStateEntries(StateEntries());
    out.EmitControl(ElementKind::kWatermark, watermark);
  }

 private:
  static constexpr int64_t kNone = kMaxWatermark;
  using SliceMap = absl::flat_hash_map<K, Acc>;

  // One key's state as a snapshot holds it: (slice start, accumulator) pairs, oldest
  // first, and how far the instance had fired.
  struct KeyWindows {
    std::vector<std::pair<int64_t, Acc>> open;
    std::vector<std::pair<int64_t, Acc>> sealed;    // sliding windows' sealed slices
    std::vector<std::pair<int64_t, Acc>> retained;  // kept for allowed lateness
    int64_t sealed_until = kMinWatermark;
    bool empty() const { return open.empty() && sealed.empty() && retained.empty(); }
    auto Fields() { return std::tie(open, sealed, retained, sealed_until); }
  };
  using KeyTable = InMemoryStateBackend<K, KeyWindows>;

  // The runtime's view of the state: gathered per key for each snapshot.
  class Snapshots final : public KeyedStateBackend {
   public:
    explicit Snapshots(SlicedWindowOperator* op) : op_(op) {}
    int key_group_count() const override { return op_->key_group_count_; }
    size_t key_count() const override { return op_->Gather()->key_count(); }
    absl::StatusOr<std::vector<std::pair<int, std::string>>> SnapshotKeyGroups()
        override {
      if constexpr (StateEncodable<K> && StateEncodable<Acc>) {
        if (op_->sliding_.live() == 0 && op_->retained_.empty()) {
          return op_->SnapshotOpenSlices();
        }
      }
      return op_->Gather()->SnapshotKeyGroups();
    }
    absl::StatusOr<std::string> SnapshotKeyGroup(int key_group) override {
      return op_->Gather()->SnapshotKeyGroup(key_group);
    }
    absl::Status RestoreKeyGroup(std::string_view snapshot) override {
      KeyTable keys(op_->key_group_count_);
      keys.set_on_restore(
          [this](const K& key, KeyWindows& w) { op_->RestoreKey(key, w); });
      absl::Status status = keys.RestoreKeyGroup(snapshot);
      op_->ResumeFiring();
      return status;
    }

   private:
    SlicedWindowOperator* op_;
  };

  std::unique_ptr<KeyTable> Gather() {
    auto keys = std::make_unique<KeyTable>(key_group_count_);
    auto& table = keys->table();
    for (const auto& [slice, map] : open_) {
      for (const auto& [key, acc] : map) table[key].open.emplace_back(slice, acc);
    }
    for (const auto& [key, state] : sliding_) {
      for (size_t i = 0; i < state.slices.size(); ++i) {
        const auto& slice = state.slices.at(i);
        table[key].sealed.emplace_back(slice.start, slice.acc);
      }
    }
    for (const auto& [slice, map] : retained_) {
      for (const auto& [key, acc] : map) table[key].retained.emplace_back(slice, acc);
    }
    for (auto& [key, windows] : table) windows.sealed_until = sealed_until_;
    return keys;
  }

  // The common case at a checkpoint, tumbling windows (no sealed or retained
  // slices): each key's entries are its open slices, encoded straight from the
  // slices' maps as Gather's table would encode them, without building that table
  // (which cost about 400 ns a key). A key is written where its oldest slice is met.
  absl::StatusOr<std::vector<std::pair<int, std::string>>> SnapshotOpenSlices() {
    KeyTable keys(key_group_count_);  // key groups and the envelope, as Gather's
    std::vector<std::string> blobs(key_group_count_);
    std::vector<uint64_t> counts(key_group_count_);
    std::vector<std::pair<int64_t, const SliceMap*>> slices;
    size_t entries_total = 0;
    for (const auto& [start, map] : open_) {
      slices.emplace_back(start, &map);
      entries_total += map.size();
    }
    // Room for each owned group's share up front: growing the strings entry by entry
    // copied the whole snapshot about twice over.
    constexpr size_t kEntryBytes = sizeof(K) + 5 * sizeof(int64_t) + sizeof(Acc);
    const size_t owned =
        static_cast<size_t>(std::max(1, end_key_group_ - first_key_group_));
    for (int group = first_key_group_; group < end_key_group_; ++group) {
      blobs[group].reserve((entries_total / owned + 16) * kEntryBytes * 9 / 8);
    }
    std::vector<std::pair<int64_t, const Acc*>> entries;
    for (size_t i = 0; i < slices.size(); ++i) {
      for (const auto& [key, acc] : *slices[i].second) {
        bool seen = false;
        for (size_t j = 0; j < i && !seen; ++j) seen = slices[j].second->contains(key);
        if (seen) continue;
        entries.assign(1, {slices[i].first, &acc});
        for (size_t j = i + 1; j < slices.size(); ++j) {
          if (auto it = slices[j].second->find(key); it != slices[j].second->end()) {
            entries.emplace_back(slices[j].first, &it->second);
          }
        }
        const int group = keys.KeyGroupOf(key);
        StateWriter out(blobs[group]);
        EncodeState(key, out);
        out.Size(entries.size());  // KeyWindows: open, then sealed = retained = {}
        for (const auto& [start, value] : entries) {
          EncodeState(start, out);
          EncodeState(*value, out);
        }
        out.Size(0);
        out.Size(0);
        EncodeState(sealed_until_, out);
        ++counts[group];
      }
    }
    std::vector<std::pair<int, std::string>> snapshots;
    for (int group = 0; group < key_group_count_; ++group) {
      if (counts[group] == 0) continue;
      snapshots.emplace_back(group, keys.Envelope(group, counts[group], blobs[group]));
    }
    return snapshots;
  }

  void RestoreKey(const K& key, KeyWindows& windows) {
    sealed_until_ = std::max(sealed_until_, windows.sealed_until);
    for (auto& [slice, acc] : windows.open) open_[slice][key] = std::move(acc);
    if (!windows.sealed.empty()) {
      SlidingAggregator<Acc, A>& slices = sliding_[key].slices;
      slices.Clear();
      for (auto& [slice, acc] : windows.sealed)
        slices.Push(aggregate_, slice, std::move(acc));
    }
    for (auto& [slice, acc] : windows.retained) retained_[slice][key] = std::move(acc);
    windows =
        KeyWindows();  // moved into the operator: nothing stays in the scratch table
  }

  // After a restore: the next window to fire is the first one an open slice ends, or
  // the one after the last fired for sealed sliding slices.
  void ResumeFiring() {
    cached_slice_ = kNone;
    next_due_ = kNone;
    if (!open_.empty()) next_due_ = windows_.FirstEnd(open_.begin()->first) - 1;
    if (sliding_.live() > 0 && windows_.HasNextEnd(sealed_until_)) {
      next_due_ = std::min(next_due_, sealed_until_ + windows_.slide() - 1);
    }
  }

  // A key's sealed slices that later sliding windows still need.
  struct KeySlices {
    SlidingAggregator<Acc, A> slices;
    bool empty() const { return slices.empty(); }
  };

  bool Expired(int64_t window_end) const {
    return watermark_ != kMinWatermark &&
           SaturatingAdd(window_end - 1, lateness_) <= watermark_;
  }

  void Add(const In& item, int64_t timestamp) {
    int64_t slice;
    if constexpr (kPartialInput) {
      slice = item.slice;
    } else {
      std::optional<int64_t> found = slices_.SliceStart(timestamp);
      if (!found) throw OperatorError(windows_.OutOfRange(timestamp));
      slice = *found;
    }
    if (Expired(windows_.LastEnd(slice))) {
      if (metrics_ != nullptr) metrics_->late_records.Add(EventsIn(item));
      // Partials are folded events: only raw events can go to the side output.
      if constexpr (!kPartialInput) late_.Add(item, timestamp);
      return;
    }
    K key = KeyOf(item);
    if (slice + windows_.slice() > sealed_until_) {
      Acc& acc = OpenSlice(slice)
                     .lazy_emplace(key,
                                   [&](const auto& construct) {
                                     construct(key, aggregate_.CreateAccumulator());
                                   })
                     ->second;
      Accumulate(acc, item);
      return;
    }
    AddToSealed(key, slice, item);
  }

  K KeyOf(const In& item) const {
    if constexpr (kPartialInput) {
      return item.key;
    } else {
      return key_fn_(item);
    }
  }
  static uint64_t EventsIn(const In& item) {
    if constexpr (kPartialInput) {
      return item.events;
    } else {
      return 1;
    }
  }
  void Accumulate(Acc& acc, const In& item) const {
    if constexpr (kPartialInput) {
      aggregate_.Merge(acc, item.acc);
    } else {
      aggregate_.Add(acc, item);
    }
  }

  // The map of an open slice; the current slice is cached, since consecutive events
  // almost always share it.
  SliceMap& OpenSlice(int64_t slice) {
    if (slice == cached_slice_) return *cached_map_;
    auto [it, inserted] = open_.try_emplace(slice);
    if (inserted) {
      // The first window holding the slice that has not expired must fire; windows
      // before it ended before the event came. (The slice's last window has not
      // expired, or the event would be late.)
      int64_t end = windows_.FirstEnd(slice);
      while (Expired(end)) end += windows_.slide();
      next_due_ = std::min(next_due_, end - 1);
    }
    cached_slice_ = slice;
    cached_map_ = &it->second;
    return it->second;
  }

  // An event behind the watermark for a slice already sealed, but not late.
  void AddToSealed(const K& key, int64_t slice, const In& item) {
    const int64_t last_end = windows_.LastEnd(slice);
    if (!windows_.tumbling() && windows_.HasNextEnd(sealed_until_)) {
      // The first window holding the slice that has not fired yet (windows skipped
      // while empty count as not fired) and has not expired gets it, and so do the
      // windows after it, through the key's sealed slices.
      int64_t first =
          std::max(windows_.FirstEnd(slice), sealed_until_ + windows_.slide());
      bool open = first <= last_end;
      while (open && Expired(first)) open = windows_.StepEnd(first, last_end);
      if (open) {
        SlidingAggregator<Acc, A>& slices = sliding_[key].slices;
        size_t index = slices.Find(slice);
        if (index < slices.size()) {
          Accumulate(slices.MutableSlice(index), item);
          slices.SliceChanged(aggregate_);
        } else {
          Acc acc = aggregate_.CreateAccumulator();
          Accumulate(acc, item);
          slices.Insert(aggregate_, slice, std::move(acc));
        }
        next_due_ = std::min(next_due_, first - 1);
      }
    }
    if (lateness_ == 0) return;
    auto [it, inserted] = retained_[slice].try_emplace(key);
    if (inserted) it->second = aggregate_.CreateAccumulator();
    Accumulate(it->second, item);
    // Windows that fired and are within the allowed lateness fire again.
    const int64_t last = std::min(last_end, sealed_until_);
    int64_t end = windows_.FirstEnd(slice);
    if (end > last) return;
    do {
      if (!Expired(end)) EmitFromRetained(key, end);
    } while (windows_.StepEnd(end, last));
  }

  void FireDue(PaneTiming timing) {
    while (next_due_ != kNone && next_due_ <= watermark_)
      FireWindow(next_due_ + 1, timing);
  }

  // Seals the slices that end by `end` and emits window [end - size, end).
  void FireWindow(int64_t end, PaneTiming timing) {
    const int64_t start = end - windows_.size();
    cached_slice_ = kNone;
    while (!open_.empty() && open_.begin()->first + windows_.slice() <= end) {
      auto node = open_.extract(open_.begin());
      if (windows_.tumbling()) {
        const TimeWindow window{node.key(), node.key() + windows_.size()};
        for (const auto& [key, acc] : node.mapped()) EmitResult(key, window, acc, timing);
      } else {
        for (auto& [key, acc] : node.mapped()) {
          sliding_[key].slices.Push(aggregate_, node.key(), acc);
        }
      }
      if (lateness_ > 0) retained_.emplace(node.key(), std::move(node.mapped()));
    }
    if (!windows_.tumbling()) EmitSliding(start, end, timing);
    sealed_until_ = end;
    next_due_ = kNone;
    if (sliding_.live() > 0) {
      // Sealed slices are in the next window, if one ends within int64.
      if (windows_.HasNextEnd(end)) next_due_ = end + windows_.slide() - 1;
    } else if (!open_.empty()) {
      // The first window of the next open slice: the next window if the slice starts
      // within it (windows are at least a slide long), else after an empty stretch.
      next_due_ = windows_.FirstEnd(open_.begin()->first) - 1;
    }
  }

  // Emits every key's aggregate over its slices in [start, end), dropping the slices
  // before `start`.
  void EmitSliding(int64_t start, int64_t end, PaneTiming timing) {
    for (auto it = sliding_.begin(); it != sliding_.end(); ++it) {
      SlidingAggregator<Acc, A>& slices = it->second.slices;
      if (slices.empty()) continue;
      while (!slices.empty() && slices.front().start < start) slices.PopFront(aggregate_);
      if (slices.empty()) {
        sliding_.Emptied(it);
        continue;
      }
      EmitResult(it->first, {start, end}, slices.Aggregate(aggregate_), timing);
    }
    sliding_.MaybeSweep();
  }

  void PurgeRetained() {
    while (!retained_.empty() && Expired(windows_.LastEnd(retained_.begin()->first))) {
      retained_.erase(retained_.begin());
    }
  }

  void EmitFromRetained(const K& key, int64_t end) {
    const int64_t start = end - windows_.size();
    Acc acc = aggregate_.CreateAccumulator();
    for (auto it = retained_.lower_bound(start); it != retained_.end() && it->first < end;
         ++it) {
      auto found = it->second.find(key);
      if (found != it->second.end()) aggregate_.Merge(acc, found->second);
    }
    EmitResult(key, TimeWindow{start, end}, acc, PaneTiming::kLate);
  }

  void EmitResult(const K& key, const TimeWindow& window, const Acc& acc,
                  PaneTiming timing = PaneTiming::kOnTime) {
    if (!results_) results_ = AcquireBatch<Result>();
    Batch<Result>& batch = BatchAs<Result>(results_);
    batch.items.push_back(
        Result{key, window.start, window.end, finish_(key, window, acc), timing});
    batch.timestamps.push_back(window.max_timestamp());
  }

  uint64_t StateEntries() const {
    uint64_t entries = sliding_.live();
    for (const auto& [start, map] : open_) entries += map.size();
    for (const auto& [start, map] : retained_) entries += map.size();
    return entries;
  }

  KeyFn key_fn_;
  A aggregate_;
  Finisher finish_;
  SlicedWindows windows_;
  SliceFinder slices_;
  int64_t lateness_;
  OperatorMetrics* metrics_ = nullptr;
  int key_group_count_ = KeyGroups::kDefaultCount;
  int first_key_group_ = 0;  // the key groups this instance owns: [first, end)
  int end_key_group_ = 0;
  Snapshots snapshots_{this};
  int64_t watermark_ = kMinWatermark;

  // Slices not yet sealed, by start (std::map: the cached pointer must stay valid).
  std::map<int64_t, SliceMap> open_;
  int64_t cached_slice_ = kNone;
  SliceMap* cached_map_ = nullptr;
  // Slices ending at or before this are sealed: the end of the last window fired.
  int64_t sealed_until_ = kMinWatermark;
  // The max timestamp (end - 1) of the next window to fire, if any slice is pending.
  int64_t next_due_ = kNone;
  // Sliding windows only: each key's sealed slices.
  KeyedStateTable<K, KeySlices> sliding_;
  // With allowed lateness: sealed slices until their last window expires.
  std::map<int64_t, SliceMap> retained_;
  BatchPtr results_;
  LateEvents<T> late_;
};

}  // namespace sluice
