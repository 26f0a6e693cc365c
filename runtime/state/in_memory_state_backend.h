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
#include "runtime/key_groups.h"
#include "runtime/stable_hash.h"
#include "runtime/state/key_group_snapshot.h"
#include "runtime/state/keyed_state_backend.h"
#include "runtime/state/keyed_state_table.h"
#include "runtime/state/state_codec.h"
#include "runtime/type_name.h"

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
    std::vector<std::string> blobs(key_group_count_);
    std::vector<uint64_t> counts(key_group_count_);
    for (auto& [key, value] : table_) {
      if (value.empty()) continue;
      int group = KeyGroupOf(key);
      Append(key, value, blobs[group]);
      ++counts[group];
    }
    std::vector<std::pair<int, std::string>> snapshots;
    for (int group = 0; group < key_group_count_; ++group) {
      if (counts[group] == 0) continue;
      snapshots.emplace_back(group, Envelope(group, counts[group], blobs[group]));
    }
    return snapshots;
  }

  absl::StatusOr<std::string> SnapshotKeyGroup(int key_group) override {
    if constexpr (!kEncodable) return NotEncodable();
    if (key_group < 0 || key_group >= key_group_count_) {
      return absl::OutOfRangeError(absl::StrCat(
          "key group ", key_group, " is not in [0, ", key_group_count_, ")"));
    }
    if (before_snapshot_) before_snapshot_();
    std::string blob;
    uint64_t count = 0;
    for (auto& [key, value] : table_) {
      if (value.empty() || KeyGroupOf(key) != key_group) continue;
      Append(key, value, blob);
      ++count;
    }
    return Envelope(key_group, count, blob);
  }

  absl::Status RestoreKeyGroup(std::string_view bytes) override {
    if constexpr (kEncodable) {
      return Restore(bytes);
    } else {
      return NotEncodable();
    }
  }

  int KeyGroupOf(const K& key) const {
    return KeyGroups::ForHash(StableHash(key), key_group_count_);
  }

  // The snapshot of key group `group` holding `count` entries encoded as Append
  // does, for an operator that encodes its entries without a table of its own.
  std::string Envelope(int group, uint64_t count, std::string_view blob) const {
    std::string key_type = TypeName<K>();
    std::string state_type = TypeName<V>();
    return KeyGroupSnapshot::Encode(
        {group, key_group_count_, key_type, state_type, count}, blob);
  }

 private:
  static constexpr bool kEncodable = StateEncodable<K> && StateEncodable<V>;

  static absl::Status NotEncodable() {
    return absl::FailedPreconditionError(
        absl::StrCat("state of type ", TypeName<V>(),
                     " cannot be snapshotted: give the process function's State a member "
                     "`auto Fields() { return std::tie(...); }` listing its members"));
  }

  absl::Status Restore(std::string_view bytes) {
    absl::StatusOr<KeyGroupSnapshot> snapshot = KeyGroupSnapshot::Decode(bytes);
    if (!snapshot.ok()) return snapshot.status();
    const KeyGroupSnapshot::Header& header = snapshot->header();
    if (header.key_group_count != key_group_count_ || header.key_group < 0 ||
        header.key_group >= key_group_count_) {
      return absl::FailedPreconditionError(
          absl::StrCat("key group snapshot is of key group ", header.key_group, " of ",
                       header.key_group_count, "; this operator has ", key_group_count_,
                       " key groups"));
    }
    if (header.key_type != TypeName<K>() || header.state_type != TypeName<V>()) {
      return absl::FailedPreconditionError(absl::StrCat(
          "key group snapshot holds keys ", std::string(header.key_type), " with state ",
          std::string(header.state_type), "; this operator keeps keys ", TypeName<K>(),
          " with state ", TypeName<V>()));
    }
    if (header.entry_count > snapshot->entries().size()) {
      return absl::DataLossError(absl::StrCat("key group ", header.key_group,
                                              " snapshot: more entries than bytes"));
    }
    // Decode everything before adding anything, so a damaged snapshot adds nothing.
    StateReader in(snapshot->entries());
    std::vector<std::pair<K, V>> entries;
    for (uint64_t i = 0; i < header.entry_count && !in.failed(); ++i) {
      auto& [key, value] = entries.emplace_back();
      DecodeState(in, key);
      DecodeState(in, value);
      if (!in.failed() && KeyGroupOf(key) != header.key_group) in.Fail();
    }
    if (in.failed() || !in.done() || entries.size() != header.entry_count) {
      return absl::DataLossError(
          absl::StrCat("key group ", header.key_group, " snapshot: entries are damaged"));
    }
    for (auto& [key, value] : entries) {
      auto it = table_.FindOrCreate(key);
      it->second = std::move(value);
      if (on_restore_) on_restore_(it->first, it->second);
      if (it->second.empty()) table_.Emptied(it);  // nothing left (expired, say)
    }
    table_.MaybeSweep();
    return absl::OkStatus();
  }

  static void Append(const K& key, const V& value, std::string& blob) {
    if constexpr (kEncodable) {
      StateWriter out(blob);
      EncodeState(key, out);
      EncodeState(value, out);
    }
  }

  int key_group_count_;
  Table table_;
  std::function<void(const K&, V&)> on_restore_;
  std::function<void()> before_snapshot_;
};

}  // namespace sluice
