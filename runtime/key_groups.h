// Keys hash to a fixed number of key groups; contiguous ranges of key groups map to
// parallel instances. State is kept per key group, so a job can later be restored at
// a different parallelism by moving whole key groups (as Flink does).
#pragma once

#include <cstdint>

namespace sluice {

struct KeyGroups {
  static constexpr int kDefaultCount = 128;

  // Multiply-shift maps the hash onto [0, key_group_count) without a division (a
  // 64-bit division per event was the largest cost of key routing). The hash's high
  // bits decide; StableHash mixes every input bit into them.
  static int ForHash(uint64_t hash, int key_group_count) {
    return static_cast<int>(
        (static_cast<unsigned __int128>(hash) * static_cast<uint64_t>(key_group_count)) >>
        64);
  }
  // The instance that owns `key_group` when `parallelism` instances share
  // `key_group_count` groups.
  static int InstanceFor(int key_group, int key_group_count, int parallelism) {
    return static_cast<int>(static_cast<int64_t>(key_group) * parallelism /
                            key_group_count);
  }
  // First key group owned by `instance` (inclusive); the range ends at
  // RangeStart(instance + 1).
  static int RangeStart(int instance, int key_group_count, int parallelism) {
    return static_cast<int>(
        (static_cast<int64_t>(instance) * key_group_count + parallelism - 1) /
        parallelism);
  }
};

}  // namespace sluice
