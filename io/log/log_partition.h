// One partition of a topic in the embedded event log: a directory of segments
// (log_segment.h) holding records at consecutive offsets from 0. One writer appends;
// any number of readers read, in this process or (opened read-only) in another.
//
// Opening a partition checks the last segment batch by batch; sealed segments are
// trusted through their index, which is rebuilt if it is missing or incomplete.
// A torn tail (an append cut short by a crash) is cut by the writer, with a message.
// Other damage (bytes before an intact batch, missing or cut-short segments, a
// missing first segment, a damaged partition.meta) keeps the writer out: DataLoss
// pointing at `sluice-log repair`. Readers read every intact record and get DataLoss
// naming the file, position and lost offsets for the others; they pass over the
// offsets a repair recorded as lost (partition_meta.h).
#pragma once

#include <chrono>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "sluice/io/log/log_chunk.h"
#include "sluice/io/log/log_config.h"
#include "sluice/io/log/log_problem.h"
#include "sluice/io/log/log_segment.h"
#include "sluice/io/log/partition_meta.h"
#include "sluice/io/log/producer_table.h"
#include "sluice/io/log/record_batch.h"

namespace sluice::log {

class LogPartition {
 public:
  enum class Access { kReadOnly, kReadWrite };
  // kScanEverySegment: sealed segments are scanned too, not trusted through their
  // index (verification).
  enum class Check { kTrustIndexes, kScanEverySegment };

  // Opens the partition in `dir` (created if missing and writable). `warn` receives
  // recovery messages, and for a reader each problem. One writer at a time: a second
  // read-write open of the same directory fails (FailedPrecondition) while the first
  // is open. A damaged partition (Problems()) is not opened for writing (DataLoss);
  // read-only, even a missing directory opens (then every read fails).
  static absl::StatusOr<std::unique_ptr<LogPartition>> Open(
      std::string dir, const LogConfig& config, Access access, LogWarning warn,
      Check check = Check::kTrustIndexes);
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
  // least one batch when there is one), stopping before damage. At end_offset() the
  // chunk is empty. Thread-safe. OutOfRange if `offset` is before start_offset()
  // (deleted by retention) or after end_offset(); DataLoss naming the file, position
  // and lost offsets if the record at `offset` is in damaged bytes or missing
  // segments. Offsets a repair recorded as lost are passed over (LogChunk::lost()).
  absl::Status Read(int64_t offset, size_t max_bytes, LogChunk* chunk) const;
  // DataLoss if records after end_offset() are known to be lost (the directory or
  // the last segments are missing), so that the end is not the partition's end.
  absl::Status CheckEnd() const;
  // What is wrong with the partition as opened (every segment's damage only with
  // Check::kScanEverySegment), notes included.
  std::vector<LogProblem> Problems() const;
  // Check::kScanEverySegment: what is wrong with the sealed segments' .index files
  // and with the producer snapshots.
  absl::StatusOr<std::vector<LogProblem>> CheckDerivedFiles() const;
  // The offsets a repair recorded as lost.
  std::vector<OffsetRange> lost_offsets() const;

  // Read-only partitions: takes in what a writer in another process appended since.
  absl::Status Refresh();

  int64_t start_offset() const;
  int64_t end_offset() const;  // the next offset to be written
  uint64_t size_bytes() const;
  int segment_count() const;
  const std::string& dir() const { return dir_; }

 private:
  using Clock = std::chrono::steady_clock;
  LogPartition(std::string dir, const LogConfig& config, Access access, LogWarning warn,
               Check check)
      : dir_(std::move(dir)),
        config_(config),
        access_(access),
        check_(check),
        warn_(std::move(warn)) {}

  absl::Status Load();
  // Reads partition.meta into meta_ (absent: a log from an older build, where with
  // retention off the start is 0 and otherwise the first segment's).
  absl::Status LoadMeta(const std::vector<int64_t>& bases);
  // Opens the segments of `bases` at or after the start; removes older ones (their
  // deletion by retention was cut short) when writable.
  absl::Status OpenSegments(const std::vector<int64_t>& bases);
  // Segment files whose .log is gone (their .index or .producers is left) after the
  // last segment: the end is lost.
  void NoteMissingLastSegments(const std::vector<int64_t>& orphans);
  // A writable partition with problems: DataLoss naming the first.
  absl::Status RefuseDamaged() const;
  // `last_is_sealed`: the last segment so far is not the partition's last (its tail is
  // damage, not a torn append).
  std::vector<LogProblem> ProblemsLocked(bool last_is_sealed = false) const;
  // The damage and tail of segments_[i] (`last`: the partition's last segment).
  void SegmentProblems(size_t i, bool last, std::vector<LogProblem>* problems) const;
  // The offsets no segment holds before segments_[i] (from the start for the first).
  OffsetRange GapBefore(size_t i) const;
  // What lost them.
  LogProblem GapProblem(size_t i) const;
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
  // Where a read of `offset` starts: a segment, or a gap no segment holds.
  struct ReadStart {
    std::shared_ptr<LogSegment> segment;
    LogSegment::ScanStart at{0, 0};
    uint64_t end = 0;        // the segment's size
    int64_t end_offset = 0;  // its next offset
    int64_t offset = 0;      // the first offset wanted
  };
  absl::StatusOr<ReadStart> LocateLocked(int64_t offset, LogChunk* chunk) const;
  absl::Status ReadSegment(const ReadStart& start, size_t max_bytes,
                           LogChunk* chunk) const;
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
  const Check check_;
  const LogWarning warn_;
  mutable std::mutex mutex_;
  // Oldest first; the last one is written. Readers hold a segment while they read
  // it, so retention can drop it meanwhile.
  std::deque<std::shared_ptr<LogSegment>> segments_;
  // The start offset and the offsets a repair recorded as lost; config_ for settings.
  PartitionMeta meta_;
  bool meta_found_ = false;
  std::string meta_problem_;            // partition.meta is damaged: why
  std::string missing_;                 // the whole partition is gone: why
  std::optional<LogProblem> end_lost_;  // segments after the last one are missing
  Clock::time_point last_sync_ = Clock::now();
  bool unsynced_ = false;
  ProducerTable producers_;  // writable partitions only
  absl::Status failed_;      // set once an append, roll or sync failed
  PosixFile writer_lock_;    // holds flock() on <dir>/.lock while open for writing
};

}  // namespace sluice::log
