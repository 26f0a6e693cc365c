// Event-time operators need timestamps on their input; this stops the job with a
// message that says how to give them, instead of reading a missing array.
#pragma once

#include "absl/status/status.h"
#include "sluice/runtime/batch.h"
#include "sluice/runtime/operator_error.h"

namespace sluice {

template <class T>
void RequireEventTime(const Batch<T>& batch) {
  if (!batch.has_timestamps() && !batch.items.empty()) {
    throw OperatorError(absl::FailedPreconditionError(
        "the input stream has no event time: call AssignTimestamps before the window"));
  }
}

}  // namespace sluice
