// Key-group snapshots of (key, value) entries, shared by the state backends: sorts
// entries into key groups and encodes them (state_codec.h) inside the envelope of
// key_group_snapshot.h, and decodes such a snapshot back, checking the envelope, the
// types and that every key belongs to the key group it claims.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "sluice/runtime/key_groups.h"
#include "sluice/runtime/stable_hash.h"
#include "sluice/runtime/state/key_group_snapshot.h"
#include "sluice/runtime/state/state_codec.h"
#include "sluice/runtime/type_name.h"

namespace sluice {

template <class K, class V>
class KeyGroupCodec {
 public:
  static constexpr bool kEncodable = StateEncodable<K> && StateEncodable<V>;

  explicit KeyGroupCodec(int key_group_count) : key_group_count_(key_group_count) {}

  int key_group_count() const { return key_group_count_; }
  int KeyGroupOf(const K& key) const {
    return KeyGroups::ForHash(StableHash(key), key_group_count_);
  }

  // One snapshot per key group that has entries. `for_each(add)` calls
  // add(key, value) for every entry to include.
  template <class ForEach>
  std::vector<std::pair<int, std::string>> SnapshotAll(ForEach&& for_each) const {
    std::vector<std::string> blobs(key_group_count_);
    std::vector<uint64_t> counts(key_group_count_);
    for_each([&](const K& key, const V& value) {
      const int group = KeyGroupOf(key);
      Append(key, value, blobs[group]);
      ++counts[group];
    });
    std::vector<std::pair<int, std::string>> snapshots;
    for (int group = 0; group < key_group_count_; ++group) {
      if (counts[group] == 0) continue;
      snapshots.emplace_back(group, Envelope(group, counts[group], blobs[group]));
    }
    return snapshots;
  }

  // The snapshot of `group`, with the entries of `for_each` that belong to it.
  template <class ForEach>
  std::string SnapshotOne(int group, ForEach&& for_each) const {
    std::string blob;
    uint64_t count = 0;
    for_each([&](const K& key, const V& value) {
      if (KeyGroupOf(key) != group) return;
      Append(key, value, blob);
      ++count;
    });
    return Envelope(group, count, blob);
  }

  // Every entry of a snapshot taken by a codec of the same types and key group
  // count; a damaged or foreign snapshot is an error, with nothing returned.
  absl::StatusOr<std::vector<std::pair<K, V>>> Decode(std::string_view bytes) const {
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
    return entries;
  }

  // The envelope around `count` entries encoded as Append does, for an operator
  // that encodes its entries itself.
  std::string Envelope(int group, uint64_t count, std::string_view blob) const {
    std::string key_type = TypeName<K>();
    std::string state_type = TypeName<V>();
    return KeyGroupSnapshot::Encode(
        {group, key_group_count_, key_type, state_type, count}, blob);
  }

  static void Append(const K& key, const V& value, std::string& blob) {
    if constexpr (kEncodable) {
      StateWriter out(blob);
      EncodeState(key, out);
      EncodeState(value, out);
    }
  }

 private:
  int key_group_count_;
};

}  // namespace sluice
