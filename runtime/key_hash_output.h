// Key partitioning: routes every event to the instance owning its key group, buffering
// per target so downstream still receives full batches.
#pragma once

#include <vector>

#include "runtime/batch_pool.h"
#include "runtime/channel_output.h"
#include "runtime/key_groups.h"
#include "runtime/stable_hash.h"

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
  }

  void Emit(BatchPtr batch) override {
    if (pending_.size() == 1) {
      // Every key belongs to the one consumer: pass the batch on whole.
      channels()[0]->Push(Element::Data(std::move(batch)));
      return;
    }
    Batch<T>& in = BatchAs<T>(batch);
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
  template <bool kTimed>
  void Route(Batch<T>& in) {
    // Locals, so the loop does not reload members through `this` for every event.
    const int* target_of_group = target_of_group_.data();
    const int group_count = key_group_count_;
    const size_t batch_size = batch_size_;
    T* items = in.items.data();
    const int64_t* timestamps = in.timestamps.data();
    const size_t count = in.items.size();
    for (size_t i = 0; i < count; ++i) {
      T& item = items[i];
      uint64_t hash = StableHash(key_fn_(std::as_const(item)));
      int target = target_of_group[KeyGroups::ForHash(hash, group_count)];
      BatchPtr& out = pending_[target];
      if (!out) {
        out = AcquireBatch<T>();
        BatchAs<T>(out).items.reserve(batch_size);
        if constexpr (kTimed) BatchAs<T>(out).timestamps.reserve(batch_size);
      }
      Batch<T>& out_batch = BatchAs<T>(out);
      out_batch.items.push_back(std::move(item));
      if constexpr (kTimed) out_batch.timestamps.push_back(timestamps[i]);
      if (out_batch.items.size() >= batch_size) {
        channels()[target]->Push(Element::Data(std::move(out)));
      }
    }
  }

  KeyFn key_fn_;
  int key_group_count_;
  size_t batch_size_;
  std::vector<int> target_of_group_;
  std::vector<BatchPtr> pending_;
};

}  // namespace sluice
