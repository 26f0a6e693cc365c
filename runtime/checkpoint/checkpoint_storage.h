// Checkpoints on the local file system: `<dir>/chk-<id>/`, each holding state files
// and, written last and atomically, its MANIFEST (checkpoint_manifest.h). The last
// `retain` complete checkpoints are kept; older ones, and directories left by
// checkpoints that never completed, are deleted after each commit.
//
// After each commit `<dir>/COMPLETED` records the newest complete checkpoint
// (checkpoint_completion_record.h), so that a checkpoint whose MANIFEST or directory
// was deleted is told apart from one a crash left unfinished.
//
// Restoring takes the newest complete checkpoint that verifies; a damaged one (a
// truncated, altered or missing file, a deleted MANIFEST) is skipped with a message
// naming it and what is wrong, for the one before it. When checkpoints completed
// here but none can be restored, that is an error, not a first start.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "sluice/runtime/checkpoint/checkpoint_writer.h"
#include "sluice/runtime/checkpoint/completed_checkpoint.h"

namespace sluice {

using CheckpointWarning = std::function<void(std::string_view)>;

class CheckpointStorage {
 public:
  // Creates `dir` if needed. `retain` >= 1.
  static absl::StatusOr<std::unique_ptr<CheckpointStorage>> Open(std::string dir,
                                                                 int retain);

  const std::string& dir() const { return dir_; }

  // Starts checkpoint `id`, which must be above every id in the directory.
  absl::StatusOr<std::unique_ptr<CheckpointWriter>> Begin(int64_t id);
  // A savepoint: the same format in a directory of the user's (created; it must not
  // exist), never deleted by retention.
  static absl::StatusOr<std::unique_ptr<CheckpointWriter>> BeginSavepoint(std::string dir,
                                                                          int64_t id);

  // The highest id of any checkpoint directory, complete or not, or recorded as
  // complete (0 when none): a new checkpoint must be numbered above it.
  absl::StatusOr<int64_t> HighestId() const;
  // The ids of the directories that have a MANIFEST, ascending (not yet verified).
  absl::StatusOr<std::vector<int64_t>> CompletedIds() const;
  // The newest checkpoint that verifies; older ones are tried in turn, each one
  // passed over reported through `warn` with why. NotFound when no checkpoint ever
  // completed here (a first start, or a process killed before its first checkpoint
  // completed); DataLoss listing each checkpoint and why it cannot be restored when
  // some completed (a MANIFEST is there, or the completion record) but none verifies.
  absl::StatusOr<CompletedCheckpoint> LoadLatest(const CheckpointWarning& warn) const;
  // Checkpoint `id`, with no fallback: a damaged one is an error.
  absl::StatusOr<CompletedCheckpoint> Load(int64_t id) const;

  std::string PathOf(int64_t id) const;

 private:
  // What writers still report to after the storage object is gone.
  struct Shared {
    std::string dir;
    int retain = 1;
    std::mutex mutex;
    std::set<int64_t> open;   // checkpoints being written: never pruned
    std::mutex record_mutex;  // orders writes of the completion record
  };
  explicit CheckpointStorage(std::shared_ptr<Shared> shared)
      : dir_(shared->dir), shared_(std::move(shared)) {}
  // Deletes complete checkpoints beyond the newest `retain`, and incomplete ones
  // (not being written) older than `newest`.
  static void Prune(Shared& shared, int64_t newest);
  // Writes the completion record for `id` unless it names a newer checkpoint.
  static absl::Status RecordCompletion(Shared& shared, int64_t id);
  // Checkpoint `id` as LoadLatest sees it: DataLoss (saying why) for a directory
  // without MANIFEST, or missing, given the id the completion record names.
  // `had_manifest`: whether the directory has a MANIFEST, damaged or not.
  absl::StatusOr<CompletedCheckpoint> LoadCandidate(int64_t id,
                                                    std::optional<int64_t> recorded,
                                                    bool* had_manifest) const;

  std::string dir_;
  std::shared_ptr<Shared> shared_;
};

}  // namespace sluice
