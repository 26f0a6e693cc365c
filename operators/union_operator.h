// Merges several inputs of the same type into one stream.
#pragma once

#include <utility>

#include "sluice/runtime/operator.h"

namespace sluice {

class UnionOperator final : public Operator {
 public:
  void ProcessBatch(int, BatchPtr batch, Output& out) override {
    out.Emit(std::move(batch));
  }
};

}  // namespace sluice
