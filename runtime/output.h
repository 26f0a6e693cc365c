// Where an operator sends what it produces: the next operator in its fused chain,
// or an exchange that writes to channels. Operators never call each other directly.
#pragma once

#include "sluice/runtime/batch.h"
#include "sluice/runtime/element.h"

namespace sluice {

class Output {
 public:
  virtual ~Output() = default;
  // Takes ownership of a data batch. Empty batches are allowed and dropped cheaply.
  virtual void Emit(BatchPtr batch) = 0;
  // Takes a batch for side output `output` (>= 1) of the operator, such as a window's
  // late events. Dropped where nothing reads that output.
  virtual void EmitSide(int output, BatchPtr batch) {
    (void)output;
    (void)batch;
  }
  // Forwards a control element (watermark, barrier, end of input) downstream, after
  // everything emitted before it.
  virtual void EmitControl(ElementKind kind, int64_t value) = 0;
  // Pushes out partially filled buffers (called at the end of a task quantum so
  // buffering never adds more than one quantum of latency).
  virtual void Flush() {}
  // False when a downstream channel is full; the task stops taking input until then.
  virtual bool HasRoom() const { return true; }
};

}  // namespace sluice
