// Built-in aggregates (sluice::aggregates::Count(), Sum<V>(fn), ...): each is a
// MergeableAggregate (operators/function_concepts.h) with a small accumulator, usable
// in keyed and window Aggregate alike, so sliding windows share them
// across slices. `fn` picks the value out of an event: [](const Bid& b) { return b.price;
// }.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "sluice/operators/function_concepts.h"
#include "sluice/operators/structures/hyper_log_log.h"
#include "sluice/operators/structures/kll_sketch.h"
#include "sluice/runtime/stable_hash.h"

namespace sluice::aggregates {

struct CountAggregate {
  int64_t CreateAccumulator() const { return 0; }
  template <class T>
  void Add(int64_t& count, const T&) const {
    ++count;
  }
  void Merge(int64_t& into, const int64_t& from) const { into += from; }
  int64_t Result(const int64_t& count) const { return count; }
};

template <class V, class F>
struct SumAggregate {
  F fn;
  V CreateAccumulator() const { return V{}; }
  template <class T>
  void Add(V& sum, const T& event) const {
    sum += static_cast<V>(fn(event));
  }
  void Merge(V& into, const V& from) const { into += from; }
  V Result(const V& sum) const { return sum; }
};

// Min and max: the accumulator remembers whether it saw anything, since a slice of a
// sliding window may be empty for a key.
template <class V, class F, bool kMax>
struct ExtremumAggregate {
  struct Acc {
    V value{};
    bool any = false;
  };
  F fn;
  Acc CreateAccumulator() const { return Acc{}; }
  template <class T>
  void Add(Acc& acc, const T& event) const {
    Take(acc, static_cast<V>(fn(event)));
  }
  void Merge(Acc& into, const Acc& from) const {
    if (from.any) Take(into, from.value);
  }
  V Result(const Acc& acc) const { return acc.value; }

 private:
  static void Take(Acc& acc, const V& v) {
    if (!acc.any || (kMax ? acc.value < v : v < acc.value)) acc.value = v;
    acc.any = true;
  }
};

template <class F>
struct AverageAggregate {
  struct Acc {
    double sum = 0;
    int64_t count = 0;
  };
  F fn;
  Acc CreateAccumulator() const { return Acc{}; }
  template <class T>
  void Add(Acc& acc, const T& event) const {
    acc.sum += static_cast<double>(fn(event));
    ++acc.count;
  }
  void Merge(Acc& into, const Acc& from) const {
    into.sum += from.sum;
    into.count += from.count;
  }
  double Result(const Acc& acc) const {
    return acc.count == 0 ? 0.0 : acc.sum / static_cast<double>(acc.count);
  }
};

// Keeps every element: the accumulator of full-window (Process) functions.
template <class T>
struct ListAggregate {
  std::vector<T> CreateAccumulator() const { return {}; }
  void Add(std::vector<T>& list, const T& event) const { list.push_back(event); }
  void Merge(std::vector<T>& into, const std::vector<T>& from) const {
    into.insert(into.end(), from.begin(), from.end());
  }
};

// Several aggregates over the same events, with one accumulator holding theirs: the
// result is std::tuple<R1, R2, ...>, or R{r1, r2, ...} for a struct R with a member
// per aggregate, in order. It merges when every part does, and passes the key to the
// parts that take one.
template <class R, class... A>
struct CombinedAggregate {
  using Acc = std::tuple<AccumulatorOf<A>...>;
  std::tuple<A...> parts;

  Acc CreateAccumulator() const {
    return std::apply([](const A&... a) { return Acc{a.CreateAccumulator()...}; }, parts);
  }
  template <class T>
  void Add(Acc& acc, const T& event) const {
    ForEach(
        [&](const auto& part, auto& part_acc, const auto&) { part.Add(part_acc, event); },
        acc, acc);
  }
  void Merge(Acc& into, const Acc& from) const requires(MergeableAggregate<A>&&...) {
    ForEach([](const auto& part, auto& part_into,
               const auto& part_from) { part.Merge(part_into, part_from); },
            into, from);
  }
  template <class K>
  auto Result(const K& key, const Acc& acc) const {
    return [&]<size_t... I>(std::index_sequence<I...>) {
      if constexpr (std::is_void_v<R>) {
        return std::tuple{
            AggregateResultFor(std::get<I>(parts), key, std::get<I>(acc))...};
      } else {
        return R{AggregateResultFor(std::get<I>(parts), key, std::get<I>(acc))...};
      }
    }
    (std::index_sequence_for<A...>{});
  }

 private:
  // fn(part, its accumulator in `acc`, its accumulator in `other`) for every part.
  template <class Fn>
  void ForEach(Fn fn, Acc& acc, const Acc& other) const {
    [&]<size_t... I>(std::index_sequence<I...>) {
      (fn(std::get<I>(parts), std::get<I>(acc), std::get<I>(other)), ...);
    }
    (std::index_sequence_for<A...>{});
  }
};

inline CountAggregate Count() { return {}; }
template <class V, class F>
SumAggregate<V, F> Sum(F fn) {
  return {std::move(fn)};
}
template <class V, class F>
ExtremumAggregate<V, F, false> Min(F fn) {
  return {std::move(fn)};
}
template <class V, class F>
ExtremumAggregate<V, F, true> Max(F fn) {
  return {std::move(fn)};
}
template <class F>
AverageAggregate<F> Average(F fn) {
  return {std::move(fn)};
}

// Count and sum in one window: Combined(Count(), Sum<double>(fn)) gives a
// std::tuple<int64_t, double>; Combined<Stats>(Count(), Sum<double>(fn)) gives
// Stats{count, sum}, which a RecordSchema can name.
template <class R = void, class... A>
CombinedAggregate<R, A...> Combined(A... parts) {
  static_assert(sizeof...(A) > 0, "Combined(): pass at least one aggregate");
  return {std::tuple<A...>(std::move(parts)...)};
}

// Approximate distinct count of fn(event) over the window: a HyperLogLog sketch per
// accumulator, whose merge is exact, so slices and parallel partials combine with no
// loss beyond the sketch's own (~1.04 / sqrt(2^precision) relative standard error).
template <class F>
struct ApproxDistinctAggregate {
  F fn;
  int precision = HyperLogLog::kDefaultPrecision;
  HyperLogLog CreateAccumulator() const { return HyperLogLog(precision); }
  template <class T>
  void Add(HyperLogLog& sketch, const T& event) const {
    sketch.Add(StableHash(fn(event)));
  }
  void Merge(HyperLogLog& into, const HyperLogLog& from) const { into.Merge(from); }
  int64_t Result(const HyperLogLog& sketch) const {
    return std::llround(sketch.Estimate());
  }
};

// Approximate quantiles of fn(event) over the window, one value per entry of
// `quantiles`: a KLL sketch per accumulator, merged across slices and partials.
template <class V, class F>
struct ApproxQuantilesAggregate {
  F fn;
  std::vector<double> quantiles;
  int k = KllSketch<V>::kDefaultK;
  KllSketch<V> CreateAccumulator() const { return KllSketch<V>(k); }
  template <class T>
  void Add(KllSketch<V>& sketch, const T& event) const {
    sketch.Add(static_cast<V>(fn(event)));
  }
  void Merge(KllSketch<V>& into, const KllSketch<V>& from) const { into.Merge(from); }
  // A window fires only once it holds an element, so the sketch is not empty unless
  // every value was NaN; then there is no quantile to give and the result is empty.
  std::vector<V> Result(const KllSketch<V>& sketch) const {
    if (sketch.empty()) return {};
    return sketch.Quantiles(quantiles);
  }
};

// fn(event) must be StablyHashable (runtime/stable_hash.h): the estimate then does not
// depend on the process or run. Throws std::invalid_argument unless precision is in
// [HyperLogLog::kMinPrecision, HyperLogLog::kMaxPrecision].
template <class F>
ApproxDistinctAggregate<F> ApproxDistinct(
    F fn, int precision = HyperLogLog::kDefaultPrecision) {
  static_cast<void>(HyperLogLog(precision));  // validates while the dataflow is built
  return {std::move(fn), precision};
}

// Throws std::invalid_argument if `quantiles` is empty or holds a value outside
// [0, 1], or if k is too small for a KllSketch: a mistake is reported while the
// dataflow is built, not when the first window fires.
template <class V, class F>
ApproxQuantilesAggregate<V, F> ApproxQuantiles(F fn, std::vector<double> quantiles,
                                               int k = KllSketch<V>::kDefaultK) {
  if (quantiles.empty()) {
    throw std::invalid_argument("ApproxQuantiles: no quantiles requested");
  }
  for (double q : quantiles) {
    if (!(q >= 0.0 && q <= 1.0)) {
      throw std::invalid_argument("ApproxQuantiles: quantile " + std::to_string(q) +
                                  " is outside [0, 1]");
    }
  }
  static_cast<void>(KllSketch<V>(k));  // validates k
  return {std::move(fn), std::move(quantiles), k};
}

}  // namespace sluice::aggregates
