// A complete checkpoint or savepoint, its manifest read and every state file checked
// (length and CRC-32C) when it was loaded: what a job restores from.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "sluice/runtime/checkpoint/checkpoint_manifest.h"

namespace sluice {

class CompletedCheckpoint {
 public:
  // Reads `dir`'s MANIFEST and checks every state file it lists. DataLoss names the
  // file and what is wrong (missing, wrong length, CRC mismatch).
  static absl::StatusOr<CompletedCheckpoint> Load(std::string dir);

  int64_t id() const { return manifest_.checkpoint_id; }
  bool savepoint() const { return manifest_.savepoint; }
  const std::string& dir() const { return dir_; }
  int64_t created_unix_millis() const { return manifest_.created_unix_millis; }
  std::vector<std::string> names() const;
  bool Has(const std::string& name) const;

  // The state stored under `name` (NotFound if none), checked again as it is read.
  absl::StatusOr<std::string> Read(const std::string& name) const;

 private:
  CompletedCheckpoint(std::string dir, CheckpointManifest manifest)
      : dir_(std::move(dir)), manifest_(std::move(manifest)) {}
  absl::StatusOr<std::string> ReadBlob(const CheckpointManifest::Blob& blob) const;

  std::string dir_;
  CheckpointManifest manifest_;
  absl::flat_hash_map<std::string, uint64_t> file_sizes_;  // what the blobs cover
};

}  // namespace sluice
