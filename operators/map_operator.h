// Applies a function to every event. Same-type maps rewrite the batch in place.
#pragma once

#include <type_traits>
#include <utility>

#include "sluice/runtime/batch_pool.h"
#include "sluice/runtime/operator.h"

namespace sluice {

template <class In, class Out, class F>
class MapOperator final : public Operator {
 public:
  explicit MapOperator(F fn) : fn_(std::move(fn)) {}

  // Output batches keep the input's split, so the split markers pass on.
  bool KeepsSplits() const override { return true; }

  void ProcessBatch(int, BatchPtr batch, Output& out) override {
    auto& items = BatchAs<In>(batch).items;
    if constexpr (std::is_same_v<In, Out> && std::is_move_assignable_v<In>) {
      for (In& item : items) item = fn_(std::as_const(item));
      out.Emit(std::move(batch));
    } else {
      BatchPtr result = AcquireBatch<Out>();
      auto& out_items = BatchAs<Out>(result).items;
      out_items.reserve(items.size());
      for (const In& item : items) out_items.push_back(fn_(item));
      BatchAs<Out>(result).timestamps.swap(BatchAs<In>(batch).timestamps);
      BatchAs<Out>(result).split = BatchAs<In>(batch).split;
      out.Emit(std::move(result));
    }
  }

 private:
  F fn_;
};

}  // namespace sluice
