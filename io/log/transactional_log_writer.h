// The exactly-once half of a log sink instance (LogSink in a job with
// checkpoints). Records are collected into batches marked with this instance's
// producer id and increasing sequence numbers, one transaction per checkpoint:
//
//   Add ...          the open transaction grows (nothing reaches the log)
//   PreCommit(n)     checkpoint n's barrier: the open transaction closes; the state
//                    returned (saved in checkpoint n) holds every closed one
//   Commit(n)        checkpoint n completed: the closed transactions up to n are
//                    appended, then the partitions they touched are fsynced
//   CommitRestored   a restore from checkpoint n appends the transactions saved in
//                    it again
//
// Appends are idempotent (LogPartition::AppendPrepared): a partition skips a batch
// of a producer whose sequence it took already, so a transaction appended again
// after a crash, wholly or partly appended before it, ends up in the log exactly
// once. Readers see a checkpoint's records once it completes.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <tuple>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "sluice/io/log/log_topic.h"
#include "sluice/io/log/record_batch.h"

namespace sluice {

class TransactionalLogWriter {
 public:
  // A batch is cut once its records take this many bytes.
  static constexpr size_t kBatchBytes = 1 << 20;

  // For a topic of `partition_count` partitions. The producer id is drawn at
  // random: each run of a job appends as new producers, while batches a restore
  // appends again keep the ids they were built with.
  explicit TransactionalLogWriter(int partition_count);

  // Fails (InvalidArgument) only for a record too large for a batch.
  absl::Status Add(int partition, std::string_view key, std::string_view value,
                   int64_t timestamp, std::span<const log::LogHeaderView> headers);
  absl::StatusOr<std::string> PreCommit(int64_t checkpoint_id);
  // Whether Commit(checkpoint_id) has anything to append.
  bool HasCommittable(int64_t checkpoint_id) const {
    return !closed_.empty() && closed_.front().checkpoint_id <= checkpoint_id;
  }
  // `topic`: the topic open for writing (the sink may have closed and reopened it
  // since the records came).
  absl::Status Commit(log::LogTopic& topic, int64_t checkpoint_id);
  // `state`: what PreCommit returned in the run that took the checkpoint; `what`
  // names it in errors.
  absl::Status CommitRestored(log::LogTopic& topic, std::string_view state,
                              const std::string& what);

  // What earlier runs appended exactly once to `topic` in `dir` (a batch with a
  // producer), for the error that refuses to start a job from scratch over it;
  // empty if nothing. Reads up to the first such batch of each partition: all of a
  // partition that holds only at-least-once appends.
  static absl::StatusOr<std::string> DescribeCommitted(const std::string& dir,
                                                       const std::string& topic);

  uint64_t producer_id() const { return producer_id_; }
  // Bytes of cut batches not yet committed (records still being batched are not
  // counted).
  size_t pending_bytes() const { return pending_bytes_; }

  // Restores: batches appended and batches the log had already.
  struct RestoreCounts {
    int64_t appended = 0;
    int64_t skipped = 0;
  };
  RestoreCounts restore_counts() const { return restore_counts_; }

  // One checkpoint's batches, prepared for LogPartition::AppendPrepared. PreCommit's
  // state is a std::vector<Transaction> in the state codec (state_codec.h).
  struct Transaction {
    int64_t checkpoint_id = 0;
    std::vector<std::pair<int32_t, std::string>> batches;  // (partition, batch)
    auto Fields() { return std::tie(checkpoint_id, batches); }
  };

 private:
  // Closes the batch being built for `partition` into the open transaction.
  absl::Status CutBatch(int partition);
  static absl::Status Append(log::LogTopic& topic, const Transaction& transaction,
                             std::vector<bool>* touched, RestoreCounts* counts);
  static absl::Status SyncTouched(log::LogTopic& topic, const std::vector<bool>& touched);

  uint64_t producer_id_;
  int64_t next_sequence_ = 1;
  std::vector<std::unique_ptr<log::RecordBatchBuilder>> builders_;  // per partition
  Transaction open_;
  std::vector<Transaction> closed_;  // by checkpoint id, not yet committed
  size_t pending_bytes_ = 0;
  RestoreCounts restore_counts_;
};

}  // namespace sluice
