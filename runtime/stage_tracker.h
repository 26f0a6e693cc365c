// Which stage of a chain is running, and the one place where what an operator throws
// becomes a Status that names the operator.
//
// Stages are numbered as in ChainTask: -1 is the source, 0..n-1 the chained operators,
// n the exchange past the last one. Calls nest (an operator emits into the next one
// from inside its own call), so At restores the caller's stage when a call returns.
// When a call throws, the stage is left as it was at the throw: the handler that
// catches the exception, however far up, names the operator that threw.
#pragma once

#include <functional>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>

#include "absl/status/status.h"

namespace sluice {

class StageTracker {
 public:
  // `describe(stage)` names a stage for messages, e.g. "operator 'parse' (instance 1
  // of 2)". Called only when something failed.
  explicit StageTracker(std::function<std::string(int)> describe)
      : describe_(std::move(describe)) {}

  int current() const { return current_; }
  std::string Describe(int stage) const { return describe_(stage); }

  // Runs `fn` as stage `stage`; returns what `fn` returns. Exceptions pass through.
  template <class Fn>
  decltype(auto) At(int stage, Fn&& fn) {
    const int caller = std::exchange(current_, stage);
    if constexpr (std::is_void_v<std::invoke_result_t<Fn>>) {
      fn();
      current_ = caller;
    } else {
      decltype(auto) result = fn();
      current_ = caller;
      return result;
    }
  }

  // Runs `fn` (returning absl::Status or nothing) as stage `stage`, catching what it
  // throws. `call` names the call for messages ("Open", "Close"). An error comes back
  // as "<operator>: <message>" with its code; an exception as in Failure.
  template <class Fn>
  absl::Status Guarded(int stage, std::string_view call, Fn&& fn) {
    try {
      if constexpr (std::is_void_v<std::invoke_result_t<Fn>>) {
        At(stage, std::forward<Fn>(fn));
        return absl::OkStatus();
      } else {
        return Named(stage, At(stage, std::forward<Fn>(fn)));
      }
    } catch (...) {
      return Failure(call);
    }
  }

  // `status` with the name of stage `stage` before its message (OK stays OK).
  absl::Status Named(int stage, const absl::Status& status) const;

  // Inside a catch block: the exception in flight as a Status naming the current
  // stage, the operator that threw. An OperatorError keeps its code and message; any
  // other exception is UNKNOWN with its what(), and "in <call>" when `call` is given:
  //   operator 'parse' (instance 1 of 2): threw in Open: <what>
  //   operator 'parse' (instance 1 of 2) threw: <what>
  absl::Status Failure(std::string_view call = {}) const;

 private:
  std::function<std::string(int)> describe_;
  int current_ = -1;
};

}  // namespace sluice
