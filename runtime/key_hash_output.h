// Key partitioning: routes every event to the instance owning its key group, buffering
// per target so downstream still receives full batches.
#pragma once

#include <algorithm>
#include <cstdint>
#include <vector>

#include "sluice/runtime/batch_pool.h"
#include "sluice/runtime/channel_output.h"
#include "sluice/runtime/key_groups.h"
#include "sluice/runtime/operator_error.h"
#include "sluice/runtime/stable_hash.h"

namespace sluice {

template <class T, class KeyFn>
class KeyHashOutput final : public ChannelOutput {
 public:
  KeyHashOutput(KeyFn key_fn, std::vector<Channel*> channels, int key_group_count,
                size_t batch_size)
      : ChannelOutput(Partitioning::kKeyHash, std::move(channels)),
        key_fn_(std::move(key_fn)),
        key_group_count_(key_group_count),
        batch_size_(batch_size) {
    int targets = static_cast<int>(this->channels().size());
    target_of_group_.resize(key_group_count);
    for (int group = 0; group < key_group_count; ++group) {
      target_of_group_[group] = KeyGroups::InstanceFor(group, key_group_count, targets);
    }
    pending_.resize(targets);
    counts_.resize(targets);
    item_cursor_.resize(targets);
    time_cursor_.resize(targets);
  }

  void Emit(BatchPtr batch) override {
    if (pending_.size() == 1) {
      // Every key belongs to the one consumer: pass the batch on whole.
      channels()[0]->Push(Element::Data(std::move(batch)));
      return;
    }
    Batch<T>& in = BatchAs<T>(batch);
    if (in.items.empty()) return;
    CheckEventTime(in.has_timestamps());
    if (in.has_timestamps()) {
      Route<true>(in);
    } else {
      Route<false>(in);
    }
  }

  void Flush() override {
    for (size_t target = 0; target < pending_.size(); ++target) {
      if (pending_[target] && pending_[target]->size() > 0) {
        channels()[target]->Push(Element::Data(std::move(pending_[target])));
      }
    }
  }

 private:
  // A pending batch holds events from several input batches, so they must agree on
  // having event time: mixed, the timestamps would fall out of step with the items.
  void CheckEventTime(bool timed) {
    if (timed_ == Timed::kUnknown) timed_ = timed ? Timed::kYes : Timed::kNo;
    if (timed != (timed_ == Timed::kYes)) {
      throw OperatorError(absl::InvalidArgumentError(
          "key-by: the stream mixes events with and without event time (a Union of a "
          "stream with AssignTimestamps and one without?); assign timestamps on every "
          "input or on none"));
    }
  }

  // Two passes: compute every event's target and count per target, then grow each
  // target's pending batch once and copy the events in through plain pointers. This
  // keeps vector bookkeeping out of the per-event loop (push_back reloaded the
  // vector's end and capacity for every event). A pending batch may grow past the
  // batch size by less than one input batch before it is sent.
  template <bool kTimed>
  void Route(Batch<T>& in) {
    const size_t count = in.items.size();
    T* items = in.items.data();
    const int64_t* timestamps = in.timestamps.data();
    targets_.resize(count);
    std::fill(counts_.begin(), counts_.end(), 0);
    {
      // Locals, so the loop does not reload members through `this` for every event.
      const int* target_of_group = target_of_group_.data();
      const int group_count = key_group_count_;
      uint32_t* targets = targets_.data();
      size_t* counts = counts_.data();
      for (size_t i = 0; i < count; ++i) {
        uint64_t hash = StableHash(key_fn_(std::as_const(items[i])));
        uint32_t target =
            static_cast<uint32_t>(target_of_group[KeyGroups::ForHash(hash, group_count)]);
        targets[i] = target;
        ++counts[target];
      }
    }
    for (size_t t = 0; t < pending_.size(); ++t) {
      if (counts_[t] == 0) continue;
      BatchPtr& out = pending_[t];
      if (!out) out = AcquireBatch<T>();
      Batch<T>& out_batch = BatchAs<T>(out);
      size_t old = out_batch.items.size();
      out_batch.items.resize(old + counts_[t]);
      item_cursor_[t] = out_batch.items.data() + old;
      if constexpr (kTimed) {
        out_batch.timestamps.resize(old + counts_[t]);
        time_cursor_[t] = out_batch.timestamps.data() + old;
      }
    }
    T** item_cursor = item_cursor_.data();
    int64_t** time_cursor = time_cursor_.data();
    const uint32_t* targets = targets_.data();
    for (size_t i = 0; i < count; ++i) {
      const uint32_t t = targets[i];
      *item_cursor[t]++ = std::move(items[i]);
      if constexpr (kTimed) *time_cursor[t]++ = timestamps[i];
    }
    for (size_t t = 0; t < pending_.size(); ++t) {
      if (pending_[t] && pending_[t]->size() >= batch_size_) {
        channels()[t]->Push(Element::Data(std::move(pending_[t])));
      }
    }
  }

  enum class Timed { kUnknown, kYes, kNo };

  KeyFn key_fn_;
  Timed timed_ = Timed::kUnknown;
  int key_group_count_;
  size_t batch_size_;
  std::vector<int> target_of_group_;
  std::vector<BatchPtr> pending_;
  // Scratch for Route, sized once.
  std::vector<uint32_t> targets_;
  std::vector<size_t> counts_;
  std::vector<T*> item_cursor_;
  std::vector<int64_t*> time_cursor_;
};

}  // namespace sluice
