#include "sluice/runtime/checkpoint/checkpoint_manifest.h"

#include <cstring>

#include "absl/strings/str_cat.h"
#include "flatbuffers/flatbuffers.h"
#include "sluice/runtime/checkpoint/checkpoint_manifest_generated.h"
#include "sluice/runtime/storage/crc32c.h"

namespace sluice {
namespace {

// Only names the writer makes ("<digits>.state"), so a manifest cannot point
// outside its directory.
bool IsStateFileName(std::string_view name) {
  constexpr std::string_view kSuffix = ".state";
  if (name.size() <= kSuffix.size() || !name.ends_with(kSuffix)) return false;
  for (char c : name.substr(0, name.size() - kSuffix.size())) {
    if (c < '0' || c > '9') return false;
  }
  return true;
}

}  // namespace

std::string CheckpointManifest::Encode() const {
  flatbuffers::FlatBufferBuilder builder(1024);
  std::vector<flatbuffers::Offset<fb::CheckpointBlob>> blobs_built;
  for (const Blob& blob : blobs) {
    blobs_built.push_back(fb::CreateCheckpointBlob(
        builder, builder.CreateString(blob.name), builder.CreateString(blob.file),
        blob.length, blob.crc32c, blob.offset));
  }
  auto blob_vector = builder.CreateVector(blobs_built);
  fb::CheckpointManifestBuilder manifest(builder);
  manifest.add_format_version(kFormatVersion);
  manifest.add_checkpoint_id(checkpoint_id);
  manifest.add_created_unix_millis(created_unix_millis);
  manifest.add_savepoint(savepoint);
  manifest.add_blobs(blob_vector);
  builder.Finish(manifest.Finish(), fb::CheckpointManifestIdentifier());
  std::string bytes(reinterpret_cast<const char*>(builder.GetBufferPointer()),
                    builder.GetSize());
  AppendCrc32cTrailer(&bytes);
  return bytes;
}

absl::StatusOr<CheckpointManifest> CheckpointManifest::Decode(const std::string& path,
                                                              std::string bytes) {
  auto damaged = [&](absl::string_view why) {
    return absl::DataLossError(
        absl::StrCat("checkpoint manifest ", path, " is damaged: ", why));
  };
  if (!TakeCrc32cTrailer(&bytes)) return damaged("CRC mismatch or too short");
  flatbuffers::Verifier verifier(reinterpret_cast<const uint8_t*>(bytes.data()),
                                 bytes.size());
  if (!fb::VerifyCheckpointManifestBuffer(verifier)) {
    return damaged("not a checkpoint manifest");
  }
  const fb::CheckpointManifest* root = fb::GetCheckpointManifest(bytes.data());
  if (root->format_version() < kOldestReadableVersion ||
      root->format_version() > kFormatVersion) {
    return absl::FailedPreconditionError(absl::StrCat(
        "checkpoint manifest ", path, " has format version ", root->format_version(),
        "; this build reads versions ", kOldestReadableVersion, " to ", kFormatVersion));
  }
  CheckpointManifest manifest;
  manifest.checkpoint_id = root->checkpoint_id();
  manifest.created_unix_millis = root->created_unix_millis();
  manifest.savepoint = root->savepoint();
  if (root->blobs() != nullptr) {
    for (const fb::CheckpointBlob* blob : *root->blobs()) {
      if (blob->name() == nullptr || blob->file() == nullptr) {
        return damaged("a state entry without a name or file");
      }
      if (!IsStateFileName(blob->file()->string_view())) {
        return damaged(absl::StrCat("a state file named '", blob->file()->str(), "'"));
      }
      manifest.blobs.push_back(Blob{blob->name()->str(), blob->file()->str(),
                                    blob->length(), blob->crc32c(), blob->offset()});
    }
  }
  return manifest;
}

}  // namespace sluice
