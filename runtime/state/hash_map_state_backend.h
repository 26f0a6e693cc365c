// The keyed state of an operator that keeps one value per key in its own
// absl::flat_hash_map (rolling reduce and aggregate, for which a plain map is the
// fastest layout), seen by the runtime by key group for snapshots and restores.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "sluice/runtime/key_groups.h"
#include "sluice/runtime/state/key_group_codec.h"
#include "sluice/runtime/state/keyed_state_backend.h"
#include "sluice/runtime/type_name.h"

namespace sluice {

template <class K, class V>
class HashMapStateBackend final : public KeyedStateBackend {
 public:
  explicit HashMapStateBackend(absl::flat_hash_map<K, V>* map) : map_(map) {}

  // Set in the operator's Open (OperatorContext::max_key_groups).
  void set_key_group_count(int count) { key_group_count_ = count; }

  int key_group_count() const override { return key_group_count_; }
  size_t key_count() const override { return map_->size(); }

  absl::StatusOr<std::vector<std::pair<int, std::string>>> SnapshotKeyGroups() override {
    if constexpr (!kEncodable) {
      return NotEncodable();
    } else {
      return Codec().SnapshotAll([&](auto&& add) {
        for (const auto& [key, value] : *map_) add(key, value);
      });
    }
  }

  absl::StatusOr<std::string> SnapshotKeyGroup(int key_group) override {
    if constexpr (!kEncodable) {
      return NotEncodable();
    } else {
      if (key_group < 0 || key_group >= key_group_count_) {
        return absl::OutOfRangeError(absl::StrCat(
            "key group ", key_group, " is not in [0, ", key_group_count_, ")"));
      }
      return Codec().SnapshotOne(key_group, [&](auto&& add) {
        for (const auto& [key, value] : *map_) add(key, value);
      });
    }
  }

  absl::Status RestoreKeyGroup(std::string_view bytes) override {
    if constexpr (!kEncodable) {
      return NotEncodable();
    } else {
      auto entries = Codec().Decode(bytes);
      if (!entries.ok()) return entries.status();
      for (auto& [key, value] : *entries) {
        map_->insert_or_assign(std::move(key), std::move(value));
      }
      return absl::OkStatus();
    }
  }

 private:
  static constexpr bool kEncodable = KeyGroupCodec<K, V>::kEncodable;

  KeyGroupCodec<K, V> Codec() const { return KeyGroupCodec<K, V>(key_group_count_); }

  static absl::Status NotEncodable() {
    return absl::FailedPreconditionError(absl::StrCat(
        "keys of type ", TypeName<K>(), " with state of type ", TypeName<V>(),
        " cannot be snapshotted: give the one that is a struct a member `auto "
        "Fields() { return std::tie(...); }` listing its members (see "
        "runtime/state/state_codec.h)"));
  }

  absl::flat_hash_map<K, V>* map_;
  int key_group_count_ = KeyGroups::kDefaultCount;
};

}  // namespace sluice
