// Turns each event into zero or more events through a Collector.
#pragma once

#include <utility>

#include "sluice/operators/collector.h"
#include "sluice/runtime/batch_pool.h"
#include "sluice/runtime/operator.h"

namespace sluice {

template <class In, class Out, class F>
class FlatMapOperator final : public Operator {
 public:
  explicit FlatMapOperator(F fn) : fn_(std::move(fn)) {}

  absl::Status Open(const OperatorContext& context) override {
    batch_size_ = context.batch_size;
    return absl::OkStatus();
  }

  // Output batches keep the input's split, so the split markers pass on.
  bool KeepsSplits() const override { return true; }

  void ProcessBatch(int, BatchPtr batch, Output& out) override {
    const Batch<In>& in = BatchAs<In>(batch);
    const bool timed = in.has_timestamps();
    BatchPtr result = AcquireBatch<Out>();
    Batch<Out>* out_batch = &BatchAs<Out>(result);
    out_batch->split = in.split;
    for (size_t i = 0; i < in.items.size(); ++i) {
      Collector<Out> collector(&out_batch->items,
                               timed ? &out_batch->timestamps : nullptr,
                               timed ? in.timestamps[i] : 0);
      fn_(in.items[i], collector);
      // Cut oversized output so one exploding event cannot build an unbounded batch.
      if (out_batch->items.size() >= batch_size_) {
        out.Emit(std::move(result));
        result = AcquireBatch<Out>();
        out_batch = &BatchAs<Out>(result);
        out_batch->split = in.split;
      }
    }
    out.Emit(std::move(result));
  }

 private:
  F fn_;
  size_t batch_size_ = 1024;
};

}  // namespace sluice
