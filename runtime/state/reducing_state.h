// One value per key that each Add folds in with a reduce function
// fn(const T& accumulated, const T& next) -> T; optionally with a time to live
// (refreshed by each Add).
//
//   sluice::ReducingState<int64_t, std::plus<>> total;
//   ctx.state().total.Add(txn.amount);
#pragma once

#include <utility>

#include "sluice/runtime/state/state_codec.h"
#include "sluice/runtime/state/state_ttl.h"
#include "sluice/runtime/state/value_state.h"

namespace sluice {

template <class T, class F>
class ReducingState {
 public:
  ReducingState() = default;
  explicit ReducingState(StateTtl ttl, F fn = F{}) : value_(ttl), fn_(std::move(fn)) {}

  void Add(const T& next) {
    const T* current = value_.Get();
    value_.Set(current == nullptr ? next : fn_(*current, next));
  }
  // The reduced value, or nullptr when nothing was added (or it expired).
  const T* Get() { return value_.Get(); }
  void Clear() { value_.Clear(); }
  bool empty() const { return value_.empty(); }
  int64_t Expire(int64_t now) { return value_.Expire(now); }

  void EncodeTo(StateWriter& out) const { value_.EncodeTo(out); }
  void DecodeFrom(StateReader& in) { value_.DecodeFrom(in); }

 private:
  ValueState<T> value_;
  [[no_unique_address]] F fn_;
};

}  // namespace sluice
