// What travels through a channel: a data batch or an in-band control element.
// Control elements stay in order with data, so a watermark or checkpoint barrier
// always separates the batches before it from those after it.
#pragma once

#include <cstdint>
#include <utility>

#include "sluice/runtime/batch.h"

namespace sluice {

enum class ElementKind : uint8_t {
  kBatch,
  kWatermark,   // value = event time: no later element has an earlier timestamp
  kBarrier,     // value = checkpoint id: snapshot state once every input has one
  kEndOfInput,  // the producer will send nothing more on this channel
  kIdleness,    // value 1: the producer's event time is idle (do not wait for its
                // watermark); value 0: it is active again
  kSplitEnd,    // value = split id: a source finished that split (within a chain
                // only: Operator::ProcessSplitEnd; never crosses a channel)
  kSplitStart,  // value = split id: a source will read that split (within a chain
                // only: Operator::ProcessSplitStart; never crosses a channel); plus
                // kSplitQueued for a split the source reads only after others
};

// Added to a kSplitStart's split id: the source will certainly read this split, but
// only once another has finished (a file waiting for a free slot), so it holds event
// time back and cannot go idle before its first batch.
inline constexpr int64_t kSplitQueued = int64_t{1} << 32;
// A kSplitStart value: split `split`, queued or not; and reading one back.
inline int64_t SplitStartValue(int32_t split, bool queued) {
  return split + (queued ? kSplitQueued : 0);
}
inline int32_t SplitIdOf(int64_t split_start) {
  return static_cast<int32_t>(split_start & (kSplitQueued - 1));
}
inline bool IsQueuedSplit(int64_t split_start) {
  return (split_start & kSplitQueued) != 0;
}

struct Element {
  ElementKind kind = ElementKind::kBatch;
  int64_t value = 0;
  BatchPtr batch;

  static Element Data(BatchPtr batch) {
    Element e;
    e.kind = ElementKind::kBatch;
    e.batch = std::move(batch);
    return e;
  }
  static Element Control(ElementKind kind, int64_t value = 0) {
    Element e;
    e.kind = kind;
    e.value = value;
    return e;
  }
  bool is_data() const { return kind == ElementKind::kBatch; }
};

}  // namespace sluice
