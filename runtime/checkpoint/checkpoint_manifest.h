// What a checkpoint directory holds, as its MANIFEST file records it
// (checkpoint_manifest.fbs).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"

namespace sluice {

struct CheckpointManifest {
  // Bumped when the layout of the manifest or of what operators write changes; a
  // build refuses versions it does not know, by name.
  // 2: several blobs may share a state file (Blob::offset). Version 1 is still read.
  static constexpr uint32_t kFormatVersion = 2;
  static constexpr uint32_t kOldestReadableVersion = 1;

  struct Blob {
    std::string name;
    std::string file;
    uint64_t length = 0;
    uint32_t crc32c = 0;
    uint64_t offset = 0;  // in the file, which may hold several blobs
  };

  int64_t checkpoint_id = 0;
  int64_t created_unix_millis = 0;
  bool savepoint = false;
  std::vector<Blob> blobs;

  std::string Encode() const;
  // `path` names the file in errors: DataLoss if damaged, FailedPrecondition for a
  // format version this build does not read.
  static absl::StatusOr<CheckpointManifest> Decode(const std::string& path,
                                                   std::string bytes);
};

}  // namespace sluice
