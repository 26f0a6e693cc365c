// Emits one result per entry of an operator's keyed state, in batches of at most
// `batch_size`: how the "at end of input" keyed operators hand over their finals.
#pragma once

#include <cstddef>
#include <utility>

#include "sluice/runtime/batch_pool.h"
#include "sluice/runtime/output.h"

namespace sluice {

// to_result(const key&, const value&) -> R for every entry of `state`.
template <class R, class State, class ToResult>
void EmitInBatches(const State& state, size_t batch_size, Output& out,
                   const ToResult& to_result) {
  BatchPtr batch = AcquireBatch<R>();
  for (const auto& [key, value] : state) {
    BatchAs<R>(batch).items.push_back(to_result(key, value));
    if (BatchAs<R>(batch).items.size() < batch_size) continue;
    out.Emit(std::move(batch));
    batch = AcquireBatch<R>();
  }
  if (!BatchAs<R>(batch).items.empty()) out.Emit(std::move(batch));
}

}  // namespace sluice
