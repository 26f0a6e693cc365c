// The default keyed state backend: the keys of an operator instance in one
// KeyedStateTable (absl::flat_hash_map). Key groups are not separate maps, which
// would cost a second hash per event; a snapshot sorts entries into key groups in
// one pass instead.
#pragma once

#include <functional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "sluice/runtime/key_groups.h"
#include "sluice/runtime/stable_hash.h"
#include "sluice/runtime/state/key_group_codec.h"
#include "sluice/runtime/state/key_group_snapshot.h"
#include "sluice/runtime/state/keyed_state_backend.h"
#include "sluice/runtime/state/keyed_state_table.h"
#include "sluice/runtime/state/state_codec.h"
#include "sluice/runtime/type_name.h"

namespace sluice {

// V: default-constructible with bool empty() const (see KeyedStateTable); snapshots
// need K and V to be StateEncodable and fail with a message naming V otherwise.
template <class K, class V>
class InMemoryStateBackend final : public KeyedStateBackend {
 public:
  using Table = KeyedStateTable<K, V>;

  explicit InMemoryStateBackend(int key_group_count = KeyGroups::kDefaultCount)
      : key_group_count_(key_group_count) {}

  Table& table() { return table_; }
  // Set before any state is added (the operator learns it in Open).
  void set_key_group_count(int count) { key_group_count_ = count; }
  // Called for each restored key, e.g. to queue its timers again.
  void set_on_restore(std::function<void(const K&, V&)> fn) {
    on_restore_ = std::move(fn);
  }

  // Called before each snapshot, e.g. to move state kept outside the table into it.
  void set_before_snapshot(std::function<void()> fn) { before_snapshot_ = std::move(fn); }

  int key_group_count() const override { return key_group_count_; }
  size_t key_count() const override { return table_.live(); }

  absl::StatusOr<std::vector<std::pair<int, std::string>>> SnapshotKeyGroups() override {
    if constexpr (!kEncodable) return NotEncodable();
    if (before_snapshot_) before_snapshot_();
    return Codec().SnapshotAll([&](auto&& add) {
      for (auto& [key, value] : table_) {
        if (!value.empty()) add(key, value);
      }
    });
  }

  absl::StatusOr<std::string> SnapshotKeyGroup(int key_group) override {
    if constexpr (!kEncodable) return NotEncodable();
    if (key_group < 0 || key_group >= key_group_count_) {
      return absl::OutOfRangeError(absl::StrCat(
          "key group ", key_group, " is not in [0, ", key_group_count_, ")"));
    }
    if (before_snapshot_) before_snapshot_();
    return Codec().SnapshotOne(key_group, [&](auto&& add) {
      for (auto& [key, value] : table_) {
        if (!value.empty()) add(key, value);
      }
    });
  }

  absl::Status RestoreKeyGroup(std::string_view bytes) override {
    if constexpr (kEncodable) {
      // Decoded whole before anything is added, so a damaged snapshot adds nothing.
      auto entries = Codec().Decode(bytes);
      if (!entries.ok()) return entries.status();
      for (auto& [key, value] : *entries) {
        auto it = table_.FindOrCreate(key);
        it->second = std::move(value);
        if (on_restore_) on_restore_(it->first, it->second);
        if (it->second.empty()) table_.Emptied(it);  // nothing left (expired, say)
      }
      table_.MaybeSweep();
      return absl::OkStatus();
    } else {
      return NotEncodable();
    }
  }

  int KeyGroupOf(const K& key) const { return Codec().KeyGroupOf(key); }

  // The snapshot of key group `group` holding `count` entries encoded as
  // KeyGroupCodec::Append does, for an operator that encodes its entries itself.
  std::string Envelope(int group, uint64_t count, std::string_view blob) const {
    return Codec().Envelope(group, count, blob);
  }

 private:
  static constexpr bool kEncodable = KeyGroupCodec<K, V>::kEncodable;

  KeyGroupCodec<K, V> Codec() const { return KeyGroupCodec<K, V>(key_group_count_); }

  static absl::Status NotEncodable() {
    return absl::FailedPreconditionError(
        absl::StrCat("state of type ", TypeName<V>(),
                     " cannot be snapshotted: give the process function's State a member "
                     "`auto Fields() { return std::tie(...); }` listing its members"));
  }

  int key_group_count_;
  Table table_;
  std::function<void(const K&, V&)> on_restore_;
  std::function<void()> before_snapshot_;
};

}  // namespace sluice
