// Rolling keyed reduce: keeps one value per key, folds each event into it and emits
// the updated value (Flink's rolling reduce semantics).
#pragma once

#include <utility>

#include "absl/container/flat_hash_map.h"
#include "runtime/batch_pool.h"
#include "runtime/operator.h"
#include "runtime/state/hash_map_state_backend.h"

namespace sluice {

template <class K, class T, class KeyFn, class F>
class KeyedReduceOperator final : public Operator {
 public:
  KeyedReduceOperator(KeyFn key_fn, F fn)
      : key_fn_(std::move(key_fn)), fn_(std::move(fn)) {}

  absl::Status Open(const OperatorContext& context) override {
    backend_.set_key_group_count(context.max_key_groups);
    return absl::OkStatus();
  }
  KeyedStateBackend* keyed_state() override { return &backend_; }

  void ProcessBatch(int, BatchPtr batch, Output& out) override {
    auto& items = BatchAs<T>(batch).items;
    for (T& item : items) {
      auto [it, inserted] = state_.try_emplace(key_fn_(std::as_const(item)), item);
      if (!inserted) it->second = fn_(std::as_const(it->second), std::as_const(item));
      item = it->second;  // the batch is reused as the output batch
    }
    out.Emit(std::move(batch));
  }

  size_t key_count() const { return state_.size(); }

 private:
  KeyFn key_fn_;
  F fn_;
  absl::flat_hash_map<K, T> state_;
  HashMapStateBackend<K, T> backend_{&state_};  // for checkpoints
};

}  // namespace sluice
