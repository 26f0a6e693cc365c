// Fuzzes reading a checkpoint's state: keyed state by key group (KeyGroupCodec over
// the FlatBuffers envelope, for a few kinds of key and state) and the job layout.
// Each input is read as a whole snapshot, and its bytes also as the entries inside a
// well-formed envelope, so the entry decoding behind the envelope's checks is
// reached. Whatever decodes must encode and decode to the same entries.
#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <tuple>
#include <vector>

#include "sluice/engine/job_layout.h"
#include "sluice/runtime/state/key_group_codec.h"
#include "sluice/tests/fuzz/fuzz_types.h"
#include "sluice/tests/fuzz/invariant.h"

namespace {

constexpr int kKeyGroups = 128;

template <class K, class V>
void Decode(std::string_view bytes, uint8_t group, uint8_t count) {
  sluice::KeyGroupCodec<K, V> codec(kKeyGroups);
  (void)codec.Decode(bytes);
  const std::string wrapped = codec.Envelope(group % kKeyGroups, count, bytes);
  absl::StatusOr<std::vector<std::pair<K, V>>> entries = codec.Decode(wrapped);
  if (!entries.ok()) return;
  std::string again = codec.SnapshotOne(group % kKeyGroups, [&](auto&& add) {
    for (const auto& [key, value] : *entries) add(key, value);
  });
  absl::StatusOr<std::vector<std::pair<K, V>>> decoded = codec.Decode(again);
  if (!decoded.ok() || decoded->size() != entries->size()) {
    sluice::fuzz::Broken("key group state does not survive a snapshot and a restore");
  }
}

void DecodeLayout(std::string_view bytes) {
  absl::StatusOr<sluice::JobLayout> layout = sluice::JobLayout::Decode(bytes, "fuzz");
  if (!layout.ok()) return;
  absl::StatusOr<sluice::JobLayout> again =
      sluice::JobLayout::Decode(layout->Encode(), "fuzz");
  if (!again.ok() || again->nodes.size() != layout->nodes.size() ||
      again->max_key_groups != layout->max_key_groups) {
    sluice::fuzz::Broken("a job layout does not survive Encode and Decode");
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 3) return 0;
  // Two bytes choose the key group and entry count of the wrapped form; one the types.
  const uint8_t group = data[0], count = data[1], kind = data[2];
  const std::string_view bytes(reinterpret_cast<const char*>(data + 3), size - 3);
  switch (kind % 4) {
    case 0:
      Decode<std::string, std::vector<std::string>>(bytes, group, count);
      break;
    case 1:
      Decode<int64_t, sluice::fuzz::Accumulator>(bytes, group, count);
      break;
    case 2:
      Decode<uint64_t, std::map<std::string, int64_t>>(bytes, group, count);
      break;
    default:
      DecodeLayout(bytes);
  }
  return 0;
}
