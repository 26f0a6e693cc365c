// Local pre-aggregation for keyed sliced windows (Flink calls it local or two-phase
// aggregation): before the key-hash exchange, events are folded into one partial
// accumulator per (key, slice), so the exchange moves a few partials instead of
// every event; moving every event between cores otherwise decides the speed of a
// two-thread window job.
//
// Partials are held across batches until the watermark is about to close the first
// window of their slice: they are flushed just before that watermark goes on, so
// downstream sees every partial of a window before the watermark that fires it, and
// lateness is judged as it would be without the fold. A partial whose window has
// already closed downstream (a late or allowed-late event) goes on at once. When
// folding does not at least halve what is sent (keys mostly distinct), the operator
// switches to wrapping each event as it comes.
#pragma once

#include <algorithm>
#include <cstdint>
#include <optional>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "sluice/operators/require_event_time.h"
#include "sluice/operators/windows/sliced_windows.h"
#include "sluice/runtime/batch_pool.h"
#include "sluice/runtime/operator.h"
#include "sluice/runtime/operator_error.h"

namespace sluice {

// The events of one key and one slice, folded.
template <class K, class Acc>
struct WindowPartial {
  K key{};
  int64_t slice = 0;  // the slice's start
  Acc acc{};
  uint32_t events = 0;  // how many events were folded (for the late-event count)
};

template <class K, class T, class KeyFn, class A>
class WindowPreAggregateOperator final : public Operator {
 public:
  using Acc = std::decay_t<decltype(std::declval<const A&>().CreateAccumulator())>;
  using Partial = WindowPartial<K, Acc>;

  WindowPreAggregateOperator(KeyFn key_fn, A aggregate, SlicedWindows windows)
      : key_fn_(std::move(key_fn)),
        aggregate_(std::move(aggregate)),
        windows_(windows),
        slices_(windows) {}

  void ProcessBatch(int, BatchPtr batch, Output& out) override {
    const Batch<T>& in = BatchAs<T>(batch);
    if (in.items.empty()) return;
    RequireEventTime(in);
    if (fold_) {
      Fold(in, out);
    } else {
      BatchPtr result = AcquireBatch<Partial>();
      Wrap(in, BatchAs<Partial>(result));
      Stamp(BatchAs<Partial>(result));
      out.Emit(std::move(result));
    }
  }

  void ProcessWatermark(int64_t watermark, Output& out) override {
    if (watermark >= first_due_) Flush(out);
    watermark_ = std::max(watermark_, watermark);
    out.EmitControl(ElementKind::kWatermark, watermark);
  }

  // An idle input no longer holds back downstream event time: what is held must go
  // before the windows it belongs to can fire without it.
  void ProcessIdleness(bool idle, Output& out) override {
    if (idle) Flush(out);
    out.EmitControl(ElementKind::kIdleness, idle ? 1 : 0);
  }

  void Finish(Output& out) override { Flush(out); }
  // Partials are not state of their own: they go downstream before the barrier,
  // into the window operator's snapshot.
  void PrepareSnapshotPreBarrier(int64_t, Output& out) override { Flush(out); }

 private:
  // Folding is worth it while it at least halves the partials; judged on the first
  // kSampleEvents events.
  static constexpr uint64_t kSampleEvents = 1 << 16;
  // Held partials are flushed when they reach this many, bounding memory.
  static constexpr size_t kMaxHeld = 1 << 16;
  static constexpr int64_t kNone = kMaxWatermark;

  void Fold(const Batch<T>& in, Output& out) {
    BatchPtr overdue;  // partials of windows already closed downstream
    for (size_t i = 0; i < in.items.size(); ++i) {
      const T& item = in.items[i];
      K key = key_fn_(item);
      const int64_t slice = SliceOf(in.timestamps[i]);
      if (slice != due_slice_) {  // consecutive events almost always share a slice
        due_slice_ = slice;
        due_ = windows_.FirstEnd(slice) - 1;
      }
      const int64_t due = due_;
      if (due <= watermark_) {
        if (!overdue) overdue = AcquireBatch<Partial>();
        Batch<Partial>& late = BatchAs<Partial>(overdue);
        late.items.push_back(
            Partial{std::move(key), slice, aggregate_.CreateAccumulator(), 1});
        aggregate_.Add(late.items.back().acc, item);
        continue;
      }
      if (!held_) held_ = AcquireBatch<Partial>();
      Batch<Partial>& held = BatchAs<Partial>(held_);
      auto [slot, inserted] = index_.try_emplace(std::make_pair(key, slice), 0);
      if (inserted) {
        slot->second = held.items.size();
        held.items.push_back(
            Partial{std::move(key), slice, aggregate_.CreateAccumulator(), 0});
        first_due_ = std::min(first_due_, due);
      }
      Partial& p = held.items[slot->second];
      aggregate_.Add(p.acc, item);
      ++p.events;
    }
    if (sampled_events_ < kSampleEvents) {
      sampled_events_ += in.items.size();
      if (sampled_events_ >= kSampleEvents) {
        fold_ = (sampled_partials_ + index_.size()) * 2 <= sampled_events_;
        if (!fold_) Flush(out);
      }
    }
    if (overdue) {
      Stamp(BatchAs<Partial>(overdue));
      out.Emit(std::move(overdue));
    }
    if (index_.size() >= kMaxHeld) Flush(out);
  }

  void Flush(Output& out) {
    first_due_ = kNone;
    if (!held_) return;
    if (sampled_events_ < kSampleEvents) sampled_partials_ += index_.size();
    index_.clear();
    Stamp(BatchAs<Partial>(held_));
    out.Emit(std::move(held_));
  }

  void Wrap(const Batch<T>& in, Batch<Partial>& partials) {
    partials.items.reserve(in.items.size());
    for (size_t i = 0; i < in.items.size(); ++i) {
      Partial p{key_fn_(in.items[i]), SliceOf(in.timestamps[i]),
                aggregate_.CreateAccumulator(), 1};
      aggregate_.Add(p.acc, in.items[i]);
      partials.items.push_back(std::move(p));
    }
  }

  // The slice of an event; one the windows cannot hold fails the job.
  int64_t SliceOf(int64_t timestamp) {
    std::optional<int64_t> slice = slices_.SliceStart(timestamp);
    if (!slice) throw OperatorError(windows_.OutOfRange(timestamp));
    return *slice;
  }

  // A partial's timestamp is its slice's start.
  static void Stamp(Batch<Partial>& partials) {
    partials.timestamps.reserve(partials.items.size());
    for (const Partial& p : partials.items) partials.timestamps.push_back(p.slice);
  }

  KeyFn key_fn_;
  A aggregate_;
  SlicedWindows windows_;
  SliceFinder slices_;
  bool fold_ = true;
  uint64_t sampled_events_ = 0;
  uint64_t sampled_partials_ = 0;  // flushed while sampling
  int64_t watermark_ = kMinWatermark;
  int64_t first_due_ = kNone;  // the earliest window end - 1 of a held partial
  int64_t due_slice_ = kNone;  // the last slice looked up, and its first end - 1
  int64_t due_ = kNone;
  BatchPtr held_;
  // (key, slice) -> index of its partial in held_.
  absl::flat_hash_map<std::pair<K, int64_t>, size_t> index_;
};

}  // namespace sluice
