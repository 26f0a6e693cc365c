// left.KeyBy(ka).Join(right.KeyBy(kb)).Window(TumblingWindows(...)).Apply(fn):
// fn(const A&, const B&) -> R for every pair of the same key in the same window,
// when the window fires. See operators/joins/window_join_operator.h.
#pragma once

#include <memory>
#include <optional>
#include <type_traits>
#include <utility>

#include "absl/status/status.h"
#include "sluice/engine/stream.h"
#include "sluice/engine/two_input_node.h"
#include "sluice/operators/joins/window_join_operator.h"
#include "sluice/operators/windows/sliced_windows.h"

namespace sluice {

template <class K, class A, class KeyA, class B, class KeyB>
class WindowJoinBuilder {
 public:
  explicit WindowJoinBuilder(JoinInputs<A, KeyA, B, KeyB> inputs)
      : inputs_(std::move(inputs)) {}

  // TumblingWindows(size) or SlidingWindows(size, slide).
  WindowJoinBuilder Window(SlicedWindows windows) const {
    WindowJoinBuilder copy = *this;
    copy.windows_ = windows;
    return copy;
  }

  template <class F>
  auto Apply(F fn) const {
    static_assert(std::is_invocable_v<const F&, const A&, const B&>,
                  "Join(...).Window(w).Apply(fn): fn must be callable as "
                  "fn(const Left&, const Right&) and return the joined value");
    using R = std::decay_t<std::invoke_result_t<const F&, const A&, const B&>>;
    KeyA key_a = inputs_.key_a;
    KeyB key_b = inputs_.key_b;
    std::optional<SlicedWindows> windows = windows_;
    return AddTwoInputNode<R>(
        "window_join", inputs_,
        [=] {
          return std::make_unique<WindowJoinOperator<K, A, B, KeyA, KeyB, F>>(
              key_a, key_b, *windows, fn);
        },
        [windows] {
          if (!windows) {
            return absl::InvalidArgumentError(
                "window join without windows: call Window(TumblingWindows(...)) "
                "before Apply");
          }
          return windows->Validate();
        });
  }

 private:
  JoinInputs<A, KeyA, B, KeyB> inputs_;
  std::optional<SlicedWindows> windows_;
};

}  // namespace sluice
