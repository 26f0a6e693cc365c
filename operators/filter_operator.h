// Keeps the events a predicate accepts, compacting the batch in place.
#pragma once

#include <cstdint>
#include <type_traits>
#include <utility>
#include <vector>

#include "sluice/runtime/operator.h"

namespace sluice {

template <class T, class F>
class FilterOperator final : public Operator {
 public:
  explicit FilterOperator(F fn) : fn_(std::move(fn)) {}

  // Output batches keep the input's split, so the split markers pass on.
  bool KeepsSplits() const override { return true; }

  void ProcessBatch(int, BatchPtr batch, Output& out) override {
    Batch<T>& in = BatchAs<T>(batch);
    if (in.has_timestamps()) {
      Compact<true>(in);
    } else {
      Compact<false>(in);
    }
    out.Emit(std::move(batch));
  }

 private:
  // kTimed: each kept event's timestamp moves along with it.
  template <bool kTimed>
  void Compact(Batch<T>& batch) {
    auto& items = batch.items;
    int64_t* timestamps = batch.timestamps.data();
    size_t kept = 0;
    if constexpr (std::is_trivially_copyable_v<T>) {
      // Branch-free: always copy, advance only on a match. A filter passing a third of
      // the events is unpredictable, and mispredictions cost more than the copies.
      for (size_t i = 0; i < items.size(); ++i) {
        T item = items[i];
        items[kept] = item;
        if constexpr (kTimed) timestamps[kept] = timestamps[i];
        kept += static_cast<bool>(fn_(std::as_const(item)));
      }
    } else {
      for (size_t i = 0; i < items.size(); ++i) {
        if (fn_(std::as_const(items[i]))) {
          if (kept != i) {
            items[kept] = std::move(items[i]);
            if constexpr (kTimed) timestamps[kept] = timestamps[i];
          }
          ++kept;
        }
      }
    }
    items.resize(kept);
    if constexpr (kTimed) batch.timestamps.resize(kept);
  }

  F fn_;
};

}  // namespace sluice
