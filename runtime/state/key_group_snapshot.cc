#include "sluice/runtime/state/key_group_snapshot.h"

#include <cstring>

#include "absl/strings/str_cat.h"
#include "flatbuffers/flatbuffers.h"
#include "sluice/runtime/state/key_group_snapshot_generated.h"

namespace sluice {

std::string KeyGroupSnapshot::Encode(const Header& header, std::string_view entries) {
  flatbuffers::FlatBufferBuilder builder(entries.size() + 256);
  auto key_type = builder.CreateString(header.key_type.data(), header.key_type.size());
  auto state_type =
      builder.CreateString(header.state_type.data(), header.state_type.size());
  auto blob = builder.CreateVector(reinterpret_cast<const uint8_t*>(entries.data()),
                                   entries.size());
  fb::KeyGroupSnapshotBuilder snapshot(builder);
  snapshot.add_format_version(kFormatVersion);
  snapshot.add_key_group(header.key_group);
  snapshot.add_key_group_count(header.key_group_count);
  snapshot.add_key_type(key_type);
  snapshot.add_state_type(state_type);
  snapshot.add_entry_count(header.entry_count);
  snapshot.add_entries(blob);
  builder.Finish(snapshot.Finish(), fb::KeyGroupSnapshotIdentifier());
  return std::string(reinterpret_cast<const char*>(builder.GetBufferPointer()),
                     builder.GetSize());
}

absl::StatusOr<KeyGroupSnapshot> KeyGroupSnapshot::Decode(std::string_view bytes) {
  KeyGroupSnapshot snapshot;
  if (!bytes.empty() &&
      reinterpret_cast<uintptr_t>(bytes.data()) % alignof(uint64_t) != 0) {
    snapshot.aligned_ =
        std::make_shared<std::vector<uint64_t>>((bytes.size() + 7) / 8, 0);
    std::memcpy(snapshot.aligned_->data(), bytes.data(), bytes.size());
    bytes = std::string_view(reinterpret_cast<const char*>(snapshot.aligned_->data()),
                             bytes.size());
  }
  const auto* data = reinterpret_cast<const uint8_t*>(bytes.data());
  flatbuffers::Verifier verifier(data, bytes.size());
  if (bytes.size() < 8 || !fb::KeyGroupSnapshotBufferHasIdentifier(data) ||
      !fb::VerifyKeyGroupSnapshotBuffer(verifier)) {
    return absl::DataLossError(absl::StrCat("not a valid key group snapshot (",
                                            bytes.size(), " bytes fail verification)"));
  }
  const fb::KeyGroupSnapshot* root = fb::GetKeyGroupSnapshot(data);
  if (root->format_version() != kFormatVersion) {
    return absl::FailedPreconditionError(absl::StrCat(
        "key group snapshot format version ", root->format_version(),
        " is not supported (this build reads version ", kFormatVersion, ")"));
  }
  auto view = [](const flatbuffers::String* s) {
    return s == nullptr ? std::string_view() : std::string_view(s->data(), s->size());
  };
  snapshot.header_.key_group = root->key_group();
  snapshot.header_.key_group_count = root->key_group_count();
  snapshot.header_.key_type = view(root->key_type());
  snapshot.header_.state_type = view(root->state_type());
  snapshot.header_.entry_count = root->entry_count();
  if (root->entries() != nullptr) {
    snapshot.entries_ = std::string_view(
        reinterpret_cast<const char*>(root->entries()->data()), root->entries()->size());
  }
  return snapshot;
}

}  // namespace sluice
