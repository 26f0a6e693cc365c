// Takes a job's checkpoints: asks the sources to inject barriers, collects each
// task's snapshot as its barrier passes, writes the state in the background (on the
// coordinator's thread, while the tasks process on), commits the checkpoint once
// every task has acknowledged it, and then tells the tasks it completed.
//
// One checkpoint is in flight at a time. A task that has finished acknowledges
// every later checkpoint with the snapshot it took when it finished: its input is
// consumed, and its consumers count its ended channel as aligned.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "sluice/runtime/checkpoint/checkpoint_storage.h"
#include "sluice/runtime/checkpoint/task_snapshot.h"

namespace sluice {

struct CheckpointStats {
  int64_t completed = 0;
  int64_t failed = 0;  // timed out or aborted
  int64_t last_id = 0;
  double last_duration_ms = 0;   // trigger to commit
  uint64_t last_size_bytes = 0;  // state written
  double last_alignment_ms = 0;  // the longest alignment of any task
  // The longest time one task spent taking its snapshot (processing stops for it).
  double last_sync_ms = 0;
  // Over every checkpoint so far.
  uint64_t largest_size_bytes = 0;
  double longest_sync_ms = 0;
};

class CheckpointCoordinator {
 public:
  struct Options {
    std::chrono::milliseconds interval = std::chrono::seconds(1);
    std::chrono::milliseconds timeout = std::chrono::minutes(10);
  };
  // `storage` outlives the coordinator. Ids start above `last_id`. `fail` fails the
  // job (a checkpoint that cannot be written); `warn` reports a checkpoint given up.
  CheckpointCoordinator(CheckpointStorage* storage, Options options, int64_t last_id,
                        std::function<void(absl::Status)> fail,
                        std::function<void(std::string_view)> warn);
  ~CheckpointCoordinator();

  // Before Start. `is_source[i]`: task i injects barriers.
  void SetParticipants(std::vector<CheckpointParticipant*> tasks,
                       std::vector<bool> is_source);
  // State written into every checkpoint as is (the job layout).
  void AddFixedBlob(std::string name, std::string bytes);

  // Starts taking a checkpoint every interval.
  void Start();
  // Stops the periodic checkpoints; a checkpoint in flight is given up; returns
  // once no checkpoint is being taken. Not from a task thread.
  void Stop();
  // Any thread: gives up the checkpoint in flight and takes no more, except one whose
  // tasks have all finished (the job failed or was cancelled).
  void Abandon();

  // Takes one checkpoint now, into `writer` (a savepoint, or the final checkpoint
  // of a finished job), and returns once it committed and the tasks were told.
  // `begin(id)` opens the writer (of a checkpoint or a savepoint) for the id it is
  // given. A `periodic` one is given up by Stop(); the others only by Abandon().
  using BeginFn =
      std::function<absl::StatusOr<std::unique_ptr<CheckpointWriter>>(int64_t id)>;
  absl::Status TakeCheckpoint(const BeginFn& begin, bool periodic = false);

  // From tasks: task `task` took its snapshot for checkpoint `id`.
  void Acknowledge(int task, int64_t id, TaskSnapshot snapshot);
  // From tasks: task `task` finished; `final_snapshot` stands for it from now on.
  void TaskFinished(int task, TaskSnapshot final_snapshot);

  CheckpointStats stats() const;

 private:
  using Clock = std::chrono::steady_clock;
  struct InFlight {
    // Declared so clang sees it is default-constructible where std::optional asks,
    // before the enclosing class is complete (default member initializers).
    InFlight() {}
    int64_t id = 0;
    std::vector<bool> acked;
    int remaining = 0;
    std::vector<TaskSnapshot> arrived;  // not yet written
  };
  void Loop();
  // Counts `task`'s ack (under mutex_).
  void AckLocked(int task, TaskSnapshot snapshot);
  // Runs one checkpoint; kDeadlineExceeded on timeout, kAborted when abandoned.
  absl::Status Run(CheckpointWriter& writer, bool periodic);
  struct Written {
    uint64_t bytes = 0;
    int64_t alignment_nanos = 0;
    int64_t sync_nanos = 0;
  };
  absl::Status WriteArrived(CheckpointWriter& writer, Written* written);

  CheckpointStorage* storage_;
  Options options_;
  std::function<void(absl::Status)> fail_;
  std::function<void(std::string_view)> warn_;
  std::vector<CheckpointParticipant*> tasks_;
  std::vector<bool> is_source_;
  std::vector<std::pair<std::string, std::string>> fixed_;

  std::mutex run_mutex_;  // one checkpoint at a time; guards next_id_
  int64_t next_id_;

  mutable std::mutex mutex_;
  std::condition_variable changed_;
  std::optional<InFlight> in_flight_;
  std::vector<std::optional<TaskSnapshot>> finished_;
  bool stopping_ = false;
  bool abandoned_ = false;
  CheckpointStats stats_;
  std::thread thread_;
};

}  // namespace sluice
