// A sink that calls a user function for every event.
#pragma once

#include <utility>

#include "sluice/runtime/operator.h"

namespace sluice {

template <class T, class F>
class SinkFunctionOperator final : public Operator {
 public:
  explicit SinkFunctionOperator(F fn) : fn_(std::move(fn)) {}

  void ProcessBatch(int, BatchPtr batch, Output&) override {
    for (const T& item : BatchAs<T>(batch).items) fn_(item);
  }

 private:
  F fn_;
};

}  // namespace sluice
