// One accumulator per key that each Add updates through an aggregate object (the
// window aggregates of operators/aggregates.h fit: CreateAccumulator(),
// Add(Acc&, const In&), Result(const Acc&) -> R); optionally with a time to live
// (refreshed by each Add).
//
//   using Avg = decltype(sluice::aggregates::Average([](const Txn& t) { return t.amount;
//   })); sluice::AggregatingState<Avg, Txn> average; ctx.state().average.Add(txn);
#pragma once

#include <optional>
#include <type_traits>
#include <utility>

#include "sluice/runtime/state/state_codec.h"
#include "sluice/runtime/state/state_ttl.h"
#include "sluice/runtime/state/value_state.h"

namespace sluice {

template <class A, class In>
class AggregatingState {
 public:
  using Acc = std::decay_t<decltype(std::declval<const A&>().CreateAccumulator())>;
  using Result =
      std::decay_t<decltype(std::declval<const A&>().Result(std::declval<const Acc&>()))>;

  AggregatingState() = default;
  explicit AggregatingState(StateTtl ttl, A aggregate = A{})
      : acc_(ttl), aggregate_(std::move(aggregate)) {}
  explicit AggregatingState(A aggregate) : aggregate_(std::move(aggregate)) {}

  void Add(const In& value) {
    if (acc_.Get() == nullptr) acc_.Set(aggregate_.CreateAccumulator());
    aggregate_.Add(acc_.Mutable(), value);
  }
  // The aggregate's result, or nullopt when nothing was added (or it expired).
  std::optional<Result> Get() {
    const Acc* acc = acc_.Get();
    if (acc == nullptr) return std::nullopt;
    return aggregate_.Result(*acc);
  }
  void Clear() { acc_.Clear(); }
  bool empty() const { return acc_.empty(); }
  int64_t Expire(int64_t now) { return acc_.Expire(now); }

  void EncodeTo(StateWriter& out) const { acc_.EncodeTo(out); }
  void DecodeFrom(StateReader& in) { acc_.DecodeFrom(in); }

 private:
  ValueState<Acc> acc_;
  [[no_unique_address]] A aggregate_;
};

}  // namespace sluice
