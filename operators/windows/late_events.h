// The late events a window operator gathers while processing a batch, sent to its
// side output 1 (WindowedStream::SideOutputLateData) at the end of the batch.
#pragma once

#include <cstdint>

#include "sluice/runtime/batch_pool.h"
#include "sluice/runtime/output.h"

namespace sluice {

template <class T>
class LateEvents {
 public:
  void Add(const T& event, int64_t timestamp) {
    if (!batch_) batch_ = AcquireBatch<T>();
    BatchAs<T>(batch_).items.push_back(event);
    BatchAs<T>(batch_).timestamps.push_back(timestamp);
  }
  void Flush(Output& out) {
    if (batch_) out.EmitSide(1, std::move(batch_));
  }

 private:
  BatchPtr batch_;
};

}  // namespace sluice
