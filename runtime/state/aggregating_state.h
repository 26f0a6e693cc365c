// One accumulator per key that each Add updates through an aggregate object: any
// aggregate of operators/aggregates.h, or your own with CreateAccumulator(),
// Add(Acc&, const In&) and Result(const Acc&) -> R or Result(const K&, const Acc&) -> R
// (read the latter with Get(key)); optionally with a time to live (refreshed by each
// Add).
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

  AggregatingState() = default;
  explicit AggregatingState(StateTtl ttl, A aggregate = A{})
      : acc_(ttl), aggregate_(std::move(aggregate)) {}
  explicit AggregatingState(A aggregate) : aggregate_(std::move(aggregate)) {}

  void Add(const In& value) {
    if (acc_.Get() == nullptr) acc_.Set(aggregate_.CreateAccumulator());
    aggregate_.Add(acc_.Mutable(), value);
  }
  // The aggregate's result, or nullopt when nothing was added (or it expired).
  auto Get() {
    static_assert(
        requires(const A& a, const Acc& acc) { a.Result(acc); },
        "AggregatingState::Get(): this aggregate's Result takes the key "
        "(Result(const K&, const Acc&)); call Get(key) with the current key, "
        "e.g. Get(ctx.key())");
    using R = std::decay_t<decltype(aggregate_.Result(std::declval<const Acc&>()))>;
    const Acc* acc = acc_.Get();
    return acc == nullptr ? std::nullopt : std::optional<R>(aggregate_.Result(*acc));
  }
  // The same for any aggregate, passing `key` to one whose Result takes it (the one
  // aggregate contract of operators/function_concepts.h).
  template <class K>
  auto Get(const K& key) {
    auto result = [&](const Acc& acc) {
      if constexpr (requires { aggregate_.Result(key, acc); }) {
        return aggregate_.Result(key, acc);
      } else {
        return aggregate_.Result(acc);
      }
    };
    using R = std::decay_t<decltype(result(std::declval<const Acc&>()))>;
    const Acc* acc = acc_.Get();
    return acc == nullptr ? std::nullopt : std::optional<R>(result(*acc));
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
