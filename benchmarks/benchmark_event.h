// The 32-byte event the benchmarks move, the per-event functions that both the engine
// pipelines and their hand-written baselines call, and the checksum a sink folds so
// that no work can be optimised away and a wrong engine cannot look fast.
#pragma once

#include <algorithm>
#include <cstdint>

#include "sluice/runtime/stable_hash.h"

namespace sluice::bench {

struct Event {
  uint64_t key;
  int64_t value;
  int64_t ts;
  // How many raw events were folded into this one: 1 for a generated event, the
  // running count for a keyed sum's output.
  int64_t count;
};
static_assert(sizeof(Event) == 32, "the benchmarks measure 32-byte events");

// Event `index` of a stream over `key_count` (< 2^32) keys: pseudo-random key (from
// the low 32 bits, mapped to [0, key_count) by a multiply rather than a division) and
// value (the top 24 bits).
inline Event GenerateEvent(uint64_t index, uint64_t key_count) {
  uint64_t bits = MixBits(index);
  uint64_t key = ((bits & 0xffffffffULL) * key_count) >> 32;
  return Event{key, static_cast<int64_t>(bits >> 40), static_cast<int64_t>(index), 1};
}

inline Event MapEvent(const Event& e) {
  return Event{e.key, e.value * 2 + 1, e.ts, e.count};
}

// Passes about one event in three (the values are uniformly spread).
inline bool KeepEvent(const Event& e) { return e.value % 3 == 0; }

// The keyed sum's reduce function.
inline Event SumEvents(const Event& accumulated, const Event& next) {
  return Event{accumulated.key, accumulated.value + next.value,
               std::max(accumulated.ts, next.ts), accumulated.count + next.count};
}

// What a sink folds from the events it receives. Instances fold separately and are
// merged, so every field is a commutative fold.
struct Totals {
  uint64_t events = 0;
  // Sum of the values received. For a keyed sum this depends on the order in which a
  // key's events were folded, so it is only comparable when that order is fixed (one
  // source instance).
  uint64_t value_sum = 0;
  // Sum over events of a hash of (key, count). For a rolling keyed sum each key emits
  // the counts 1..n exactly once in any order, so this checks the key partitioning
  // and exactly-once delivery at any parallelism.
  uint64_t key_count_hash = 0;

  void Fold(const Event& e) {
    ++events;
    value_sum += static_cast<uint64_t>(e.value);
    key_count_hash += MixBits(e.key ^ (static_cast<uint64_t>(e.count) << 40));
  }
  void Merge(const Totals& other) {
    events += other.events;
    value_sum += other.value_sum;
    key_count_hash += other.key_count_hash;
  }
};

}  // namespace sluice::bench
