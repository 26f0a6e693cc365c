// One partition of a topic in the embedded event log: a directory of segments
// (log_segment.h) holding records at consecutive offsets from 0. One writer appends;
// any number of readers read, in this process or (opened read-only) in another.
//
// Opening a partition for writing checks the last segment batch by batch and cuts a
// torn or damaged tail, with a message; sealed segments are trusted through their
// index, which is rebuilt if it is missing or incomplete. Damage found by a reader
// fails the read (DataLoss, naming the file and position); it never yields records.
#pragma once

#include <chrono>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "io/log/log_chunk.h"
#include "io/log/log_config.h"
#include "io/log/log_segment.h"
#include "io/log/producer_table.h"
#include "io/log/record_batch.h"

namespace sluice::log {

class LogPartition {
 public:
  enum class Access { kReadOnly, kReadWrite };

  // Opens the partition in `dir` (created if missing and writable). `warn` receives
  // recovery messages. One writer at a time: a second read-write open of the same
  // directory fails (FailedPrecondition) while the first is open.
  static absl::StatusOr<std::unique_ptr<LogPartition>> Open(std::string dir,
                                                            const LogConfig& config,
                                                            Access access,
                                                            LogWarning warn);
  ~LogPartition();

  // Appends the builder's records as one batch; returns the first record's offset.
  // Thread-safe. Syncs as the fsync policy says. The caller clears the builder. After
  // a failed write, roll or fsync, every later append fails until the partition is
  // reopened (which recovers from what reached the disk). A builder with a producer
  // whose sequence was appended already fails with AlreadyExists.
  absl::StatusOr<int64_t> Append(RecordBatchBuilder& batch);

  // Idempotent appends: a batch built earlier (RecordBatchBuilder::FinishToString)
  // with a producer. It is appended unless the partition already took this
  // producer's sequence or a later one (then `duplicate` is set and nothing is
  // written), so a writer that appends the same batches again after a crash adds
  // each once. The producer table survives reopening (producer_table.h).
  struct AppendResult {
    int64_t base_offset = -1;  // -1 for a duplicate
    bool duplicate = false;
  };
  absl::StatusOr<AppendResult> AppendPrepared(std::string_view batch);
  // The last sequence taken from producer `id`, if any (for tests and tools).
  std::optional<int64_t> LastSequence(uint64_t id) const;
  // Flushes appended batches to disk now, whatever the policy.
  absl::Status Sync();
  // Deletes sealed segments past the retention limits; `now_ms` is wall-clock time in
  // milliseconds since the epoch. Also done on every roll.
  absl::Status EnforceRetention(int64_t now_ms);

  // Reads whole batches from the one holding `offset`, about `max_bytes` of them (at
  // least one batch when there is one). At end_offset() the chunk is empty.
  // Thread-safe. OutOfRange if `offset` is before start_offset() (deleted by
  // retention) or after end_offset().
  absl::Status Read(int64_t offset, size_t max_bytes, LogChunk* chunk) const;

  // Read-only partitions: takes in what a writer in another process appended since.
  absl::Status Refresh();

  int64_t start_offset() const;
  int64_t end_offset() const;  // the next offset to be written
  uint64_t size_bytes() const;
  int segment_count() const;
  const std::string& dir() const { return dir_; }

 private:
  using Clock = std::chrono::steady_clock;
  LogPartition(std::string dir, const LogConfig& config, Access access, LogWarning warn)
      : dir_(std::move(dir)), config_(config), access_(access), warn_(std::move(warn)) {}

  absl::Status Load();
  // Rebuilds producers_ (writable partitions): the last segment's snapshot, else the
  // newest older one and the segments after it, then the last segment's batches.
  absl::Status LoadProducers();
  absl::Status ScanProducers(const LogSegment& segment);
  absl::StatusOr<AppendResult> AppendLocked(char* header,
                                            std::span<const std::string_view> body,
                                            BatchProducer producer);
  absl::Status OpenSegmentsFrom(const std::vector<int64_t>& bases, size_t first);
  absl::Status RollLocked();
  absl::Status SyncAfterAppendLocked();
  absl::Status EnforceRetentionLocked(int64_t now_ms);
  absl::Status ReadSegment(const LogSegment& segment, uint64_t from, uint64_t end,
                           int64_t offset, size_t max_bytes, LogChunk* chunk) const;
  // One read's walk over the batches of a segment.
  struct BatchWalk {
    const std::string& path;
    int64_t offset;          // the first offset wanted
    size_t max_bytes;        // stop once this much is consumed
    int64_t next_base = -1;  // the base offset the next batch must have
    absl::Status Take(std::string_view bytes, uint64_t from, LogChunk* chunk);
    absl::Status Damaged(uint64_t position, absl::string_view why) const;
  };
  // The size a segment can reach: a batch may start just under segment_bytes.
  uint64_t MaxSegmentSize() const {
    return config_.segment_bytes + batch_format::kHeaderSize +
           batch_format::kMaxBodyBytes;
  }
  absl::Status CreateDirectoryAndLock();
  absl::Status CheckWritable() const;
  absl::Status Fail(absl::Status error);

  const std::string dir_;
  const LogConfig config_;
  const Access access_;
  const LogWarning warn_;
  mutable std::mutex mutex_;
  // Oldest first; the last one is written. Readers hold a segment while they read
  // it, so retention can drop it meanwhile.
  std::deque<std::shared_ptr<LogSegment>> segments_;
  Clock::time_point last_sync_ = Clock::now();
  bool unsynced_ = false;
  ProducerTable producers_;  // writable partitions only
  absl::Status failed_;      // set once an append, roll or sync failed
  PosixFile writer_lock_;    // holds flock() on <dir>/.lock while open for writing
};

}  // namespace sluice::log
