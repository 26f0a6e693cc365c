// The shapes of the functions event-time operators accept, as C++20 concepts; the
// fluent API static_asserts them with messages that list the accepted signatures.
#pragma once

#include <concepts>
#include <cstdint>
#include <type_traits>
#include <utility>
#include <vector>

#include "operators/time_window.h"

namespace sluice {

// ts_fn(const T&) -> an integer timestamp (milliseconds, see runtime/event_time.h).
template <class F, class T>
concept TimestampFunction = std::invocable<const F&, const T&> &&
    std::convertible_to<std::invoke_result_t<const F&, const T&>, int64_t>;

// A window aggregate: an accumulator per window (or per slice of one), updated by
// each element, merged with the accumulator of an adjacent slice or session (`into`
// is the earlier one), and turned into the window's value.
template <class A, class T>
concept WindowAggregateFunction = requires(const A& a, const T& value) {
  a.CreateAccumulator();
  a.Add(std::declval<std::decay_t<decltype(a.CreateAccumulator())>&>(), value);
  a.Merge(std::declval<std::decay_t<decltype(a.CreateAccumulator())>&>(),
          std::declval<const std::decay_t<decltype(a.CreateAccumulator())>&>());
  a.Result(std::declval<const std::decay_t<decltype(a.CreateAccumulator())>&>());
};

template <class A>
using WindowAccumulatorOf =
    std::decay_t<decltype(std::declval<const A&>().CreateAccumulator())>;

template <class A>
using WindowAggregateResult = std::decay_t<decltype(std::declval<const A&>().Result(
    std::declval<const WindowAccumulatorOf<A>&>()))>;

// fn(const K& key, const TimeWindow& window, const std::vector<T>& elements) -> R:
// sees every element of the window (in arrival order within each slice).
template <class F, class K, class T>
concept WindowProcessFunction = std::invocable < const F&,
        const K&, const TimeWindow&, const std::vector<T>
& > &&!std::is_void_v<std::invoke_result_t<const F&, const K&, const TimeWindow&,
                                           const std::vector<T>&>>;

}  // namespace sluice
