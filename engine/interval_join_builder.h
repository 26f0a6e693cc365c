// left.KeyBy(ka).IntervalJoin(right.KeyBy(kb)).Between(lower, upper).Apply(fn):
// fn(const A&, const B&) -> R for every pair of the same key with
// a.timestamp + lower <= b.timestamp <= a.timestamp + upper. See
// operators/joins/interval_join_operator.h.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <type_traits>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "sluice/engine/stream.h"
#include "sluice/engine/two_input_node.h"
#include "sluice/operators/joins/interval_join_operator.h"
#include "sluice/runtime/event_time/event_time.h"

namespace sluice {

template <class K, class A, class KeyA, class B, class KeyB>
class IntervalJoinBuilder {
 public:
  explicit IntervalJoinBuilder(JoinInputs<A, KeyA, B, KeyB> inputs)
      : inputs_(std::move(inputs)) {}

  // The bounds, in event-time milliseconds (either may be negative; lower <= upper).
  IntervalJoinBuilder Between(int64_t lower, int64_t upper) const {
    IntervalJoinBuilder copy = *this;
    copy.lower_ = lower;
    copy.upper_ = upper;
    return copy;
  }
  template <class R1, class P1, class R2, class P2>
  IntervalJoinBuilder Between(std::chrono::duration<R1, P1> lower,
                              std::chrono::duration<R2, P2> upper) const {
    return Between(EventTimeSpan(lower), EventTimeSpan(upper));
  }

  template <class F>
  auto Apply(F fn) const {
    static_assert(std::is_invocable_v<const F&, const A&, const B&>,
                  "IntervalJoin(...).Apply(fn): fn must be callable as "
                  "fn(const Left&, const Right&) and return the joined value");
    using R = std::decay_t<std::invoke_result_t<const F&, const A&, const B&>>;
    KeyA key_a = inputs_.key_a;
    KeyB key_b = inputs_.key_b;
    int64_t lower = lower_;
    int64_t upper = upper_;
    return AddTwoInputNode<R>(
        "interval_join", inputs_,
        [=] {
          return std::make_unique<IntervalJoinOperator<K, A, B, KeyA, KeyB, F>>(
              key_a, key_b, lower, upper, fn);
        },
        [lower, upper] {
          // Bounds saturate when added to timestamps: any int64 but INT64_MIN works.
          absl::Status status =
              CheckTimeSpan("Between(lower)", lower, -kMaxWatermark, kMaxWatermark);
          if (status.ok()) {
            status =
                CheckTimeSpan("Between(upper)", upper, -kMaxWatermark, kMaxWatermark);
          }
          if (!status.ok()) return status;
          if (lower > upper) {
            return absl::InvalidArgumentError(
                absl::StrCat("interval join bounds: lower (", lower,
                             ") must be <= upper (", upper, ")"));
          }
          return absl::OkStatus();
        });
  }

 private:
  JoinInputs<A, KeyA, B, KeyB> inputs_;
  int64_t lower_ = 0;
  int64_t upper_ = 0;
};

}  // namespace sluice
