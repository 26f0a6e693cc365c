// The shapes of the functions event-time operators accept, as C++20 concepts; the
// fluent API static_asserts them with messages that list the accepted signatures.
#pragma once

#include <concepts>
#include <cstdint>
#include <type_traits>
#include <utility>
#include <vector>

#include "sluice/operators/windows/time_window.h"

namespace sluice {

// ts_fn(const T&) -> an integer timestamp (milliseconds, see
// runtime/event_time/event_time.h).
template <class F, class T>
concept TimestampFunction = std::invocable<const F&, const T&> &&
    std::convertible_to<std::invoke_result_t<const F&, const T&>, int64_t>;

// fn(const K& key, const TimeWindow& window, const std::vector<T>& elements) -> R:
// sees every element of the window (in arrival order within each slice).
template <class F, class K, class T>
concept WindowProcessFunction = std::invocable < const F&,
        const K&, const TimeWindow&, const std::vector<T>
& > &&!std::is_void_v<std::invoke_result_t<const F&, const K&, const TimeWindow&,
                                           const std::vector<T>&>>;

}  // namespace sluice
