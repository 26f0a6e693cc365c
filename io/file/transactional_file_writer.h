// Exactly-once file output for one sink instance: text goes to an in-progress file;
// a checkpoint's pre-commit closes it as pending; when the checkpoint completes, its
// pending files are committed by atomic rename. Readers of the directory only ever
// see committed files, whole, and a committed file is never written again.
//
//   .part-<instance>-<seq>.<ext>.inprogress   being written
//   .part-<instance>-<seq>.<ext>.pending      closed, waiting for its checkpoint
//   part-<instance>-<seq>.<ext>               committed
//
// After a crash, Open with the state stored in the restored checkpoint commits the
// pending files it lists (the crash may have come between the checkpoint completing
// and their rename) and deletes this instance's other uncommitted files, whose data
// the restored job writes again. A bounded job without checkpoints commits
// everything when it finishes.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <tuple>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "sluice/runtime/storage/posix_file.h"

namespace sluice {

class TransactionalFileWriter {
 public:
  struct Options {
    std::string dir;
    int instance = 0;
    std::string extension = "txt";
    // A file rolls (becomes pending) past this size, or this long after it was
    // opened (none: only at checkpoints and the end).
    uint64_t roll_bytes = 128ull << 20;
    std::optional<std::chrono::milliseconds> roll_interval;
    // Written at the start of every file (a CSV header, say).
    std::string header;
  };
  // What a checkpoint stores for this instance.
  struct State {
    int64_t next_seq = 0;
    std::vector<std::string> pending;  // file names, committed once it completes
    auto Fields() { return std::tie(next_seq, pending); }
  };
  using Clock = std::chrono::steady_clock;

  // `restored`: the state of the checkpoint the job restarts from, or null on a
  // fresh start. `warn` receives what recovery did that a user should know.
  absl::Status Open(Options options, const State* restored,
                    std::function<void(std::string_view)> warn = nullptr);
  // After Open, for a restore at a lower parallelism: finishes what instance
  // `instance` of the checkpointed run left (commits its pending files, removes its
  // uncommitted ones). Its files keep their names; new ones are this instance's.
  absl::Status AdoptInstance(int instance, const State& state);
  // After Open and AdoptInstance, in a run of `parallelism` instances: removes the
  // uncommitted files of instances this run does not have (>= parallelism) that fall
  // to this instance (number % parallelism). Their data is written again from the
  // restored position; a checkpoint that held their pending files was adopted first.
  absl::Status RemoveOrphans(int parallelism);
  // Appends to the in-progress file, rolling it first if it is due.
  absl::Status Write(std::string_view text);
  // Checkpoint `checkpoint_id`'s barrier: the in-progress file becomes pending; the
  // returned state lists every file still pending (committed when this checkpoint,
  // or a later one, completes).
  absl::StatusOr<State> PreCommit(int64_t checkpoint_id);
  // Checkpoint `checkpoint_id` completed: commits the files pending for it and
  // for every checkpoint before it.
  absl::Status Commit(int64_t checkpoint_id);
  // The end of a bounded job: everything written is committed.
  absl::Status Finish();

  // Committed file names, for tests and metrics.
  int64_t committed_files() const { return committed_; }

  // What is committed in `dir`, for the error that refuses to start a job from
  // scratch over it ("sink directory <dir> holds 5 committed files (part-0-0.csv,
  // part-0-1.csv, part-1-0.csv, ...)"); empty if nothing (or no directory).
  static absl::StatusOr<std::string> DescribeCommitted(const std::string& dir);

 private:
  struct Pending {
    std::string name;         // the final name, without directory
    int64_t checkpoint = -1;  // -1 until a pre-commit takes it
  };

  std::string Path(std::string_view name) const {
    return options_.dir + "/" + std::string(name);
  }
  std::string FinalName(int64_t seq) const;
  absl::Status Recover(const State* restored);
  // Recover's work for the files of `instance`; returns the highest sequence number
  // in use (-1: none).
  absl::StatusOr<int64_t> RecoverInstance(int instance, const State* restored);
  absl::Status StartFile();
  // Closes the in-progress file (fsynced) and renames it to pending.
  absl::Status CloseCurrent();
  absl::Status CommitFile(const std::string& name);

  Options options_;
  std::function<void(std::string_view)> warn_;
  PosixFile lock_;  // flock held while open
  PosixFile current_;
  std::string current_name_;  // final name of the in-progress file, if any
  uint64_t current_bytes_ = 0;
  Clock::time_point current_opened_;
  int64_t next_seq_ = 0;
  std::vector<Pending> pending_;
  int64_t committed_ = 0;
};

}  // namespace sluice
