// Local pre-aggregation for keyed sliced windows (Flink calls it local or two-phase
// aggregation): before the key-hash exchange, each batch's events are folded into
// one partial accumulator per (key, slice), so the exchange moves a few partials
// instead of every event. With 100 keys a 1,024-event batch becomes at most about
// 100 partials; moving every event between cores otherwise decides the speed of a
// two-thread window job.
//
// Partials stay within one batch (nothing is held back, so no latency is added and
// watermarks keep their place). When batches hold mostly distinct keys, folding
// gains nothing, and the operator switches to wrapping each event as it comes.
#pragma once

#include <cstdint>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "operators/require_event_time.h"
#include "operators/sliced_windows.h"
#include "runtime/batch_pool.h"
#include "runtime/operator.h"

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
    BatchPtr result = AcquireBatch<Partial>();
    Batch<Partial>& partials = BatchAs<Partial>(result);
    if (fold_) {
      Fold(in, partials);
    } else {
      Wrap(in, partials);
    }
    partials.timestamps.reserve(partials.items.size());
    for (const Partial& p : partials.items) partials.timestamps.push_back(p.slice);
    out.Emit(std::move(result));
  }

 private:
  // Folding is worth it while batches shrink to at most half; judged on the first
  // kSampleBatches batches.
  static constexpr int kSampleBatches = 16;

  void Fold(const Batch<T>& in, Batch<Partial>& partials) {
    // The index outlives the batch: entries from earlier batches are recognised by
    // their generation and reused, because clearing a hash map frees its storage.
    ++generation_;
    if (index_.size() > 8 * in.items.size() + 1024) index_.clear();
    for (size_t i = 0; i < in.items.size(); ++i) {
      const T& item = in.items[i];
      K key = key_fn_(item);
      int64_t slice = slices_.SliceStart(in.timestamps[i]);
      Slot& slot = index_[std::make_pair(key, slice)];
      if (slot.generation != generation_) {
        slot = Slot{generation_, partials.items.size()};
        partials.items.push_back(
            Partial{std::move(key), slice, aggregate_.CreateAccumulator(), 0});
      }
      Partial& p = partials.items[slot.index];
      aggregate_.Add(p.acc, item);
      ++p.events;
    }
    if (sampled_ < kSampleBatches) {
      ++sampled_;
      sampled_events_ += in.items.size();
      sampled_partials_ += partials.items.size();
      if (sampled_ == kSampleBatches) fold_ = sampled_partials_ * 2 <= sampled_events_;
    }
  }

  void Wrap(const Batch<T>& in, Batch<Partial>& partials) {
    partials.items.reserve(in.items.size());
    for (size_t i = 0; i < in.items.size(); ++i) {
      Partial p{key_fn_(in.items[i]), slices_.SliceStart(in.timestamps[i]),
                aggregate_.CreateAccumulator(), 1};
      aggregate_.Add(p.acc, in.items[i]);
      partials.items.push_back(std::move(p));
    }
  }

  KeyFn key_fn_;
  A aggregate_;
  SlicedWindows windows_;
  SliceFinder slices_;
  bool fold_ = true;
  int sampled_ = 0;
  uint64_t sampled_events_ = 0;
  uint64_t sampled_partials_ = 0;
  struct Slot {
    uint64_t generation = 0;
    size_t index = 0;
  };
  uint64_t generation_ = 0;
  absl::flat_hash_map<std::pair<K, int64_t>, Slot> index_;
};

}  // namespace sluice
