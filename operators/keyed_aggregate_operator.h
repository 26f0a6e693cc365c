// Rolling keyed aggregate: one accumulator per key; each event updates it and the
// aggregate's result for that key is emitted. With kAtEnd, nothing is emitted per
// event: when every input has ended, each key's final result is (without event time).
#pragma once

#include <cstddef>
#include <utility>

#include "absl/container/flat_hash_map.h"
#include "sluice/operators/emit_in_batches.h"
#include "sluice/operators/function_concepts.h"
#include "sluice/runtime/batch_pool.h"
#include "sluice/runtime/operator.h"
#include "sluice/runtime/state/hash_map_state_backend.h"

namespace sluice {

template <class K, class T, class KeyFn, class A, bool kAtEnd = false>
class KeyedAggregateOperator final : public Operator {
 public:
  using Acc = AccumulatorOf<A>;
  using Result = AggregateResult<A, K>;

  KeyedAggregateOperator(KeyFn key_fn, A aggregate)
      : key_fn_(std::move(key_fn)), aggregate_(std::move(aggregate)) {}

  absl::Status Open(const OperatorContext& context) override {
    backend_.set_key_group_count(context.max_key_groups);
    batch_size_ = context.batch_size;
    return absl::OkStatus();
  }
  KeyedStateBackend* keyed_state() override { return &backend_; }

  void ProcessBatch(int, BatchPtr batch, Output& out) override {
    if constexpr (kAtEnd) {
      for (const T& item : BatchAs<T>(batch).items)
        aggregate_.Add(AccumulatorFor(item), item);
      return;
    }
    BatchPtr result = AcquireBatch<Result>();
    auto& out_items = BatchAs<Result>(result).items;
    const auto& items = BatchAs<T>(batch).items;
    out_items.reserve(items.size());
    for (const T& item : items) {
      auto it = FindOrCreate(item);
      aggregate_.Add(it->second, item);
      out_items.push_back(AggregateResultFor(aggregate_, it->first, it->second));
    }
    // Each result takes the timestamp of the event that produced it.
    BatchAs<Result>(result).timestamps.swap(BatchAs<T>(batch).timestamps);
    out.Emit(std::move(result));
  }

  void Finish(Output& out) override {
    if constexpr (kAtEnd) {
      EmitInBatches<Result>(state_, batch_size_, out,
                            [this](const K& key, const Acc& acc) {
                              return AggregateResultFor(aggregate_, key, acc);
                            });
    }
  }

 private:
  // One hash and probe per event; the accumulator is only built for a new key.
  auto FindOrCreate(const T& item) {
    K key = key_fn_(item);
    return state_.lazy_emplace(key, [&](const auto& construct) {
      construct(key, aggregate_.CreateAccumulator());
    });
  }
  Acc& AccumulatorFor(const T& item) { return FindOrCreate(item)->second; }

  KeyFn key_fn_;
  A aggregate_;
  size_t batch_size_ = 1024;
  absl::flat_hash_map<K, Acc> state_;
  HashMapStateBackend<K, Acc> backend_{&state_};  // for checkpoints
};

}  // namespace sluice
