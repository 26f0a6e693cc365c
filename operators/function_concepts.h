// The shapes of user functions each operator accepts, as C++20 concepts. The engine's
// fluent API static_asserts these with messages that list the accepted signatures.
#pragma once

#include <concepts>
#include <functional>
#include <type_traits>

#include "operators/collector.h"

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

// A rolling aggregate: an accumulator created per key, updated by each element, and
// turned into an output for that key.
template <class A, class K, class T>
concept AggregateFunction = requires(const A& a, const K& key, const T& value) {
  a.CreateAccumulator();
  a.Add(std::declval<std::decay_t<decltype(a.CreateAccumulator())>&>(), value);
  a.Result(key, std::declval<const std::decay_t<decltype(a.CreateAccumulator())>&>());
};

template <class A>
using AccumulatorOf =
    std::decay_t<decltype(std::declval<const A&>().CreateAccumulator())>;

template <class A, class K>
using AggregateResult = std::decay_t<decltype(std::declval<const A&>().Result(
    std::declval<const K&>(), std::declval<const AccumulatorOf<A>&>()))>;

}  // namespace sluice
