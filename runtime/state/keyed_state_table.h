// Per-key state of an event-time operator, on absl::flat_hash_map. A key whose state
// becomes empty is not erased at once but swept later in bulk: erasing and
// re-inserting keys that come back every window fills the table with tombstones and
// forces repeated in-place rehashes (which cost more than the windows themselves),
// while a bulk sweep is amortised O(1) per key.
#pragma once

#include <cstddef>
#include <utility>

#include "absl/container/flat_hash_map.h"

namespace sluice {

// V: default-constructible, with bool empty() const.
template <class K, class V>
class KeyedStateTable {
 public:
  using Map = absl::flat_hash_map<K, V>;
  using iterator = typename Map::iterator;

  // The key's state, created empty if missing.
  V& operator[](const K& key) { return FindOrCreate(key)->second; }
  iterator FindOrCreate(const K& key) {
    auto [it, inserted] = map_.try_emplace(key);
    if (!inserted && it->second.empty() && empty_ > 0) --empty_;
    return it;
  }
  iterator find(const K& key) { return map_.find(key); }
  // Starts loading the key's slot into the cache, for a lookup a little later.
  void Prefetch(const K& key) const { map_.prefetch(key); }
  iterator end() { return map_.end(); }

  // The caller emptied the state at `it`: it will be swept. Iterators stay valid
  // until MaybeSweep.
  void Emptied(iterator it) {
    (void)it;
    ++empty_;
  }
  // Erases the emptied keys once they are many (more than half the table); call
  // where no iterator is held.
  void MaybeSweep() {
    if (empty_ > kSweepMin && empty_ * 2 > map_.size()) Sweep();
  }

  iterator begin() { return map_.begin(); }

  // Keys with state.
  size_t live() const { return map_.size() - empty_; }

 private:
  static constexpr size_t kSweepMin = 4096;

  void Sweep() {
    absl::erase_if(map_, [](const auto& entry) { return entry.second.empty(); });
    empty_ = 0;
  }

  Map map_;
  size_t empty_ = 0;  // entries whose state is empty, not yet swept
};

}  // namespace sluice
