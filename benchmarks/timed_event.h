// Events with event time for the window benchmarks: GenerateEvent's key and value,
// and a timestamp that advances `events_per_ms` events per millisecond, pulled back
// by up to kDisorderMs - 1 so the stream is out of order (never late under a
// BoundedOutOfOrderness(kDisorderMs) watermark).
#pragma once

#include <cstdint>

#include "sluice/benchmarks/benchmark_event.h"
#include "sluice/runtime/stable_hash.h"

namespace sluice::bench {

inline constexpr int64_t kDisorderMs = 100;

inline Event TimedEvent(uint64_t index, uint64_t key_count, uint64_t events_per_ms) {
  Event e = GenerateEvent(index, key_count);
  uint64_t jitter = (MixBits(index ^ 0x5bd1e995ULL) >> 16) % kDisorderMs;
  e.ts = static_cast<int64_t>(index / events_per_ms) - static_cast<int64_t>(jitter);
  return e;
}

// The watermark the engine's source emits after each 1024-event batch, which the
// baselines emulate: a window fires once max timestamp - bound - 1 reaches its end - 1.
inline int64_t WatermarkAfter(int64_t max_timestamp) {
  return max_timestamp - kDisorderMs - 1;
}

inline int64_t FloorTo(int64_t x, int64_t m) {
  int64_t r = x % m;
  return r < 0 ? x - r - m : x - r;
}

}  // namespace sluice::bench
