// Turns each event into zero or more events through a Collector.
#pragma once

#include <utility>

#include "operators/collector.h"
#include "runtime/batch_pool.h"
#include "runtime/operator.h"

namespace sluice {

template <class In, class Out, class F>
class FlatMapOperator final : public Operator {
 public:
  explicit FlatMapOperator(F fn) : fn_(std::move(fn)) {}

  absl::Status Open(const OperatorContext& context) override {
    batch_size_ = context.batch_size;
    return absl::OkStatus();
  }

  void ProcessBatch(int, BatchPtr batch, Output& out) override {
    BatchPtr result = AcquireBatch<Out>();
    auto* out_items = &BatchAs<Out>(result).items;
    for (const In& item : BatchAs<In>(batch).items) {
      Collector<Out> collector(out_items);
      fn_(item, collector);
      // Cut oversized output so one exploding event cannot build an unbounded batch.
      if (out_items->size() >= batch_size_) {
        out.Emit(std::move(result));
        result = AcquireBatch<Out>();
        out_items = &BatchAs<Out>(result).items;
      }
    }
    out.Emit(std::move(result));
  }

 private:
  F fn_;
  size_t batch_size_ = 1024;
};

}  // namespace sluice
