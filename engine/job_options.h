// Settings for running a dataflow. The defaults suit a demo on one machine.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include "absl/status/status.h"
#include "sluice/io/http/http_server_options.h"
#include "sluice/runtime/processing_clock.h"

namespace sluice {

// Exactly-once checkpoints (docs/CHECKPOINTS.md).
struct CheckpointOptions {
  // Where checkpoints are written (chk-<id>/ directories). Empty: none are taken.
  std::string dir;
  // From the end of one checkpoint to the start of the next; 0: only the final one
  // (when the job ends) and savepoints.
  std::chrono::milliseconds interval = std::chrono::seconds(1);
  // Complete checkpoints kept; older ones are deleted.
  int retain = 3;
  // A checkpoint not acknowledged by every task by then is given up (with a warning).
  std::chrono::milliseconds timeout = std::chrono::minutes(10);
  // Where the job starts: empty, from scratch; "latest", from the newest complete
  // checkpoint in `dir` that verifies (from scratch when none ever completed);
  // otherwise the directory of a checkpoint or savepoint.
  std::string restore_from;
  // Lets the job start from scratch when that would commit again what was committed
  // before: an exactly-once sink already holds committed output, or (with "latest")
  // `dir` holds checkpoints none of which can be restored. Such a start is otherwise
  // refused, naming what was found (docs/CHECKPOINTS.md).
  bool allow_start_from_scratch = false;
};

struct JobOptions {
  // The largest values Job::Create accepts (larger ones fail it, naming the option).
  static constexpr int kMaxThreads = 1024;
  // Also the most instances of one operator: each exchange between two operators has
  // a channel per pair of instances.
  static constexpr int kMaxParallelism = 1024;
  static constexpr size_t kMaxBatchSize = size_t{1} << 20;        // events
  static constexpr size_t kMaxChannelCapacity = size_t{1} << 16;  // batches
  static constexpr int kMaxKeyGroups = 1 << 15;                   // as Flink's

  // Worker threads in the job's task arena. 0: one per hardware thread.
  int threads = 0;
  // Parallel instances of operators that do not set their own Parallelism().
  int parallelism = 1;
  // Events per batch produced by sources and exchanges.
  size_t batch_size = 1024;
  // Batches a channel holds before its producer is parked (backpressure).
  size_t channel_capacity = 8;
  // Key groups: the unit of keyed-state placement; caps keyed parallelism.
  int max_key_groups = 128;
  // Non-zero: sources cut batches at random sizes in [1, batch_size] (for tests).
  uint64_t batch_jitter_seed = 0;
  // Fuse forward chains into one task (turn off to debug per-operator behaviour).
  bool chaining = true;
  // Print the per-operator metrics table to stderr when the job ends (a library prints
  // nothing unless asked; the examples ask).
  bool print_metrics = false;
  // Processing time for timers. Null: the system clock (runtime/scheduler_clock.h).
  // Tests pass a ManualClock.
  std::shared_ptr<ProcessingClock> clock;
  CheckpointOptions checkpoints;
  // The job's HTTP server (docs/HTTP.md): started only if an endpoint (HttpSource)
  // needs it, on loopback and a free port unless `http.listen` says otherwise.
  HttpServerOptions http;
};

// Checks that threads, parallelism, batch_size, channel_capacity and max_key_groups
// lie in their ranges (Job::Create); the message names the option and its value.
absl::Status ValidateJobOptions(const JobOptions& options);

}  // namespace sluice
