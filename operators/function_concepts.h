// The shapes of user functions each operator accepts, as C++20 concepts. The engine's
// fluent API static_asserts these with messages that list the accepted signatures.
#pragma once

#include <concepts>
#include <functional>
#include <type_traits>

#include "sluice/operators/collector.h"

namespace sluice {

template <class F, class T>
concept MapFunction = std::invocable<const F&, const T&> &&
    !std::is_void_v<std::invoke_result_t<const F&, const T&>>;

template <class F, class T>
using MapResult = std::decay_t<std::invoke_result_t<const F&, const T&>>;

template <class F, class T>
concept FilterFunction = std::invocable<const F&, const T&> &&
                         std::convertible_to < std::invoke_result_t<const F&, const T&>,
bool > ;

template <class F, class T, class U>
concept FlatMapFunction = std::invocable < const F&,
        const T&, Collector<U>
& > ;

template <class F, class T>
concept KeyFunction = MapFunction<F, T>;

template <class F, class T>
concept ReduceFunction = std::invocable<const F&, const T&, const T&> &&
    std::convertible_to<std::invoke_result_t<const F&, const T&, const T&>, T>;

template <class F, class T>
concept SinkFunction = std::invocable<F&, const T&>;

// One aggregate contract for keyed Aggregate (a rolling value per key) and window
// Aggregate (a value per key and window), so one aggregate serves both:
//   CreateAccumulator() -> Acc
//   Add(Acc&, const T&)
//   Result(const Acc&) -> R, or Result(const K& key, const Acc&) -> R
//   Merge(Acc& into, const Acc& from)   optional; windows need it (MergeableAggregate)
template <class A>
using AccumulatorOf =
    std::decay_t<decltype(std::declval<const A&>().CreateAccumulator())>;

template <class A, class K, class T>
concept AggregateFunction = requires(const A& a, const T& value) {
  a.CreateAccumulator();
  a.Add(std::declval<AccumulatorOf<A>&>(), value);
}
&&(
    requires(const A& a, const K& key) {
      a.Result(key, std::declval<const AccumulatorOf<A>&>());
    } ||
    requires(const A& a) { a.Result(std::declval<const AccumulatorOf<A>&>()); });

// An aggregate whose accumulators combine: `into` is the earlier one (an earlier slice
// of a sliding window, the earlier of two merging sessions).
template <class A>
concept MergeableAggregate = requires(const A& a) {
  a.Merge(std::declval<AccumulatorOf<A>&>(), std::declval<const AccumulatorOf<A>&>());
};

// a.Result(key, acc) when the aggregate takes the key, else a.Result(acc).
template <class A, class K, class Acc>
auto AggregateResultFor(const A& a, const K& key, const Acc& acc) {
  if constexpr (requires { a.Result(key, acc); }) {
    return a.Result(key, acc);
  } else {
    return a.Result(acc);
  }
}

template <class A, class K>
using AggregateResult = std::decay_t<decltype(AggregateResultFor(
    std::declval<const A&>(), std::declval<const K&>(),
    std::declval<const AccumulatorOf<A>&>()))>;

}  // namespace sluice
