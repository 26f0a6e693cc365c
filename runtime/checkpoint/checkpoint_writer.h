// One checkpoint (or savepoint) being written: state files first, from any thread,
// then Commit writes the MANIFEST that makes it complete.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "absl/status/status.h"
#include "sluice/runtime/checkpoint/checkpoint_manifest.h"

namespace sluice {

class CheckpointWriter {
 public:
  // Writes into `dir`, which must exist and be empty. `on_finish(committed)` runs
  // once, after the MANIFEST of a Commit is in place or after an Abort (the storage's
  // bookkeeping); an error it returns after a commit is Commit's.
  CheckpointWriter(std::string dir, int64_t id, bool savepoint,
                   std::function<absl::Status(bool committed)> on_finish);
  ~CheckpointWriter();  // without Commit, the directory is removed
  CheckpointWriter(const CheckpointWriter&) = delete;
  CheckpointWriter& operator=(const CheckpointWriter&) = delete;

  int64_t id() const { return manifest_.checkpoint_id; }
  const std::string& dir() const { return dir_; }

  // Thread-safe. Writes one piece of state under a name unique in the checkpoint
  // (AlreadyExists otherwise) to its own file, fsynced. After a failed Put the
  // checkpoint cannot commit.
  absl::Status Put(std::string name, std::string_view bytes);
  // Thread-safe. Writes several pieces of state (a task's) to one file, fsynced
  // once; each is listed, and checked on load, on its own.
  absl::Status PutAll(const std::vector<std::pair<std::string, std::string>>& blobs);
  // Waits for Puts still writing, then writes the MANIFEST atomically (temporary
  // file, fsync, rename, directory fsync). Once it returns OK the checkpoint
  // survives a crash; before, it does not exist. An error of on_finish (the storage
  // recording the completion) comes after the MANIFEST is in place.
  absl::Status Commit();
  // Removes what was written. Safe to call twice, or after a failed Commit.
  void Abort();

 private:
  static absl::Status WriteStateFile(
      const std::string& path,
      const std::vector<std::pair<std::string, std::string>>& blobs);

  std::string dir_;
  std::function<absl::Status(bool)> on_finish_;
  std::mutex mutex_;
  std::condition_variable idle_;  // in_flight_ reached 0
  int in_flight_ = 0;             // Puts writing their file
  size_t next_file_ = 0;
  CheckpointManifest manifest_;
  absl::flat_hash_set<std::string> names_;
  absl::Status first_error_;  // of a Put: the checkpoint cannot commit
  bool committed_ = false;
  bool aborted_ = false;
};

// Removes a checkpoint directory so that no crash midway leaves it looking complete:
// its MANIFEST goes first.
void RemoveCheckpointDirectory(const std::string& dir);

}  // namespace sluice
