// Fuzzes reading a checkpoint's MANIFEST (runtime/checkpoint/checkpoint_manifest.h):
// every input as it is, and again with its CRC-32C trailer made right so the
// FlatBuffers verifier and the field checks behind it are reached. A manifest that
// decodes must encode and decode again to the same content.
#include <cstdint>
#include <string>

#include "sluice/runtime/checkpoint/checkpoint_manifest.h"
#include "sluice/runtime/storage/crc32c.h"
#include "sluice/tests/fuzz/invariant.h"

namespace {

using sluice::CheckpointManifest;

bool Same(const CheckpointManifest& a, const CheckpointManifest& b) {
  if (a.checkpoint_id != b.checkpoint_id || a.savepoint != b.savepoint ||
      a.created_unix_millis != b.created_unix_millis ||
      a.blobs.size() != b.blobs.size()) {
    return false;
  }
  for (size_t i = 0; i < a.blobs.size(); ++i) {
    const CheckpointManifest::Blob& x = a.blobs[i];
    const CheckpointManifest::Blob& y = b.blobs[i];
    if (x.name != y.name || x.file != y.file || x.length != y.length ||
        x.crc32c != y.crc32c || x.offset != y.offset) {
      return false;
    }
  }
  return true;
}

void Decode(std::string bytes) {
  absl::StatusOr<CheckpointManifest> manifest =
      CheckpointManifest::Decode("fuzz/MANIFEST", std::move(bytes));
  if (!manifest.ok()) return;
  absl::StatusOr<CheckpointManifest> again =
      CheckpointManifest::Decode("fuzz/MANIFEST", manifest->Encode());
  if (!again.ok() || !Same(*manifest, *again)) {
    sluice::fuzz::Broken("a manifest does not survive Encode and Decode");
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string bytes(reinterpret_cast<const char*>(data), size);
  Decode(bytes);
  if (bytes.size() >= 4) {
    bytes.resize(bytes.size() - 4);
    sluice::AppendCrc32cTrailer(&bytes);
    Decode(std::move(bytes));
  }
  return 0;
}
