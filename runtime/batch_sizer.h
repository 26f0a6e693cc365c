// Decides how many events a source puts in its next batch: the configured batch size,
// or, with a jitter seed, a pseudo-random size in [1, batch_size] so tests can show
// that results do not depend on where batches are cut.
#pragma once

#include <cstdint>

#include "sluice/runtime/operator_context.h"
#include "sluice/runtime/stable_hash.h"

namespace sluice {

class BatchSizer {
 public:
  BatchSizer() = default;
  explicit BatchSizer(const OperatorContext& context)
      : batch_size_(context.batch_size == 0 ? 1 : context.batch_size),
        state_(context.batch_jitter_seed == 0
                   ? 0
                   : MixBits(context.batch_jitter_seed + context.instance * 7919 + 1)) {}

  size_t Next() {
    if (state_ == 0) return batch_size_;
    state_ = MixBits(state_ + 0x9e3779b97f4a7c15ULL);
    return 1 + state_ % batch_size_;
  }
  size_t batch_size() const { return batch_size_; }

 private:
  size_t batch_size_ = 1024;
  uint64_t state_ = 0;
};

}  // namespace sluice
