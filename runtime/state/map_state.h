// A map per key (user key -> value), optionally with a time to live per entry (see
// state_ttl.h), on absl::flat_hash_map.
//
//   sluice::MapState<std::string, int64_t> per_merchant;
//   ctx.state().per_merchant.Mutable(txn.merchant) += txn.amount;
#pragma once

#include <algorithm>
#include <cstdint>
#include <tuple>
#include <utility>

#include "absl/container/flat_hash_map.h"
#include "sluice/runtime/state/state_codec.h"
#include "sluice/runtime/state/state_ttl.h"

namespace sluice {

template <class UK, class V>
class MapState {
 public:
  MapState() = default;
  explicit MapState(StateTtl ttl) : ttl_(ttl) {}

  // The value at `key`, or nullptr when absent or expired.
  const V* Get(const UK& key) {
    auto it = map_.find(key);
    if (it == map_.end()) return nullptr;
    if (ttl_.enabled()) {
      int64_t now = StateTime::Now();
      if (now >= it->second.expires) {
        map_.erase(it);
        return nullptr;
      }
      if (ttl_.refresh_on_read()) it->second.expires = ttl_.ExpiryFrom(now);
    }
    return &it->second.value;
  }
  bool Contains(const UK& key) { return Get(key) != nullptr; }
  void Put(UK key, V value) { Mutable(std::move(key)) = std::move(value); }
  // The value at `key` for update in place, default-constructed if absent or
  // expired; counts as a write.
  V& Mutable(UK key) {
    auto [it, inserted] = map_.try_emplace(std::move(key));
    if (!inserted && ttl_.enabled() && StateTime::Now() >= it->second.expires) {
      it->second.value = V{};
    }
    it->second.expires =
        ttl_.enabled() ? ttl_.ExpiryFrom(StateTime::Now()) : kNeverExpires;
    return it->second.value;
  }
  void Remove(const UK& key) { map_.erase(key); }
  void Clear() { map_.clear(); }

  // Calls fn(const UK&, const V&) for every live entry, in no particular order.
  template <class Fn>
  void ForEach(Fn fn) {
    if (ttl_.enabled()) Expire(StateTime::Now());
    for (const auto& [key, slot] : map_) fn(key, slot.value);
  }
  // Live entries (removes the expired ones first).
  size_t size() {
    if (ttl_.enabled()) Expire(StateTime::Now());
    return map_.size();
  }

  // Whether nothing is stored (expired entries not yet removed still count).
  bool empty() const { return map_.empty(); }

  // Removes the entries expired by `now`; returns when the next one left expires.
  int64_t Expire(int64_t now) {
    if (!ttl_.enabled()) return kNeverExpires;
    int64_t next = kNeverExpires;
    absl::erase_if(map_, [&](const auto& entry) {
      if (now >= entry.second.expires) return true;
      next = std::min(next, entry.second.expires);
      return false;
    });
    return next;
  }

  void EncodeTo(StateWriter& out) const { EncodeState(map_, out); }
  void DecodeFrom(StateReader& in) { DecodeState(in, map_); }

 private:
  struct Slot {
    V value{};
    int64_t expires = kNeverExpires;
    auto Fields() { return std::tie(value, expires); }
  };

  absl::flat_hash_map<UK, Slot> map_;
  StateTtl ttl_;
};

}  // namespace sluice
