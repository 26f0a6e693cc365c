// Rolling keyed reduce: keeps one value per key, folds each event into it and emits
// the updated value (Flink's rolling reduce semantics). With kAtEnd, nothing is
// emitted per event: when every input has ended, each key's final value is (without
// event time).
#pragma once

#include <cstddef>
#include <utility>

#include "absl/container/flat_hash_map.h"
#include "sluice/operators/emit_in_batches.h"
#include "sluice/runtime/batch_pool.h"
#include "sluice/runtime/operator.h"
#include "sluice/runtime/state/hash_map_state_backend.h"

namespace sluice {

template <class K, class T, class KeyFn, class F, bool kAtEnd = false>
class KeyedReduceOperator final : public Operator {
 public:
  KeyedReduceOperator(KeyFn key_fn, F fn)
      : key_fn_(std::move(key_fn)), fn_(std::move(fn)) {}

  absl::Status Open(const OperatorContext& context) override {
    backend_.set_key_group_count(context.max_key_groups);
    batch_size_ = context.batch_size;
    return absl::OkStatus();
  }
  KeyedStateBackend* keyed_state() override { return &backend_; }

  void ProcessBatch(int, BatchPtr batch, Output& out) override {
    auto& items = BatchAs<T>(batch).items;
    for (T& item : items) {
      auto [it, inserted] = state_.try_emplace(key_fn_(std::as_const(item)), item);
      if (!inserted) it->second = fn_(std::as_const(it->second), std::as_const(item));
      if constexpr (!kAtEnd) item = it->second;  // the batch is reused as the output
    }
    if constexpr (!kAtEnd) out.Emit(std::move(batch));
  }

  void Finish(Output& out) override {
    if constexpr (kAtEnd) {
      EmitInBatches<T>(state_, batch_size_, out,
                       [](const K&, const T& value) { return value; });
    }
  }

  size_t key_count() const { return state_.size(); }

 private:
  KeyFn key_fn_;
  F fn_;
  size_t batch_size_ = 1024;
  absl::flat_hash_map<K, T> state_;
  HashMapStateBackend<K, T> backend_{&state_};  // for checkpoints
};

}  // namespace sluice
