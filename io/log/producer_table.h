// What a log partition remembers of each producer for idempotent appends
// (LogPartition::AppendPrepared): the last sequence number it appended, so that a
// batch appended again after a crash (a sink committing a checkpoint's output once
// more on restore) is recognised and skipped.
//
// The table is rebuilt when a partition opens for writing: from the snapshot taken
// when its last segment was started (`<base offset>.producers` beside the segment),
// then from the batches of that segment. Past kMaxProducers, the producers that
// appended longest ago are forgotten when a snapshot is written.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "sluice/io/log/record_batch.h"

namespace sluice::log {

class ProducerTable {
 public:
  // Every run of a sink instance is a new producer, so this is thousands of job
  // runs: a job restored from a checkpoint taken that many runs (of jobs writing to
  // the partition) ago may append its last committed output again. A count, not an
  // age: a finished job's producer must be remembered however long it was idle.
  static constexpr size_t kMaxProducers = 10'000;

  struct Entry {
    int64_t last_sequence = 0;
    int64_t last_offset = 0;  // the base offset of its last batch
    int64_t updated_ms = 0;   // wall-clock time of its last append (or of a rebuild)
  };

  // Whether `producer` appended this sequence or a later one already.
  bool IsDuplicate(BatchProducer producer) const;
  // A batch of `producer` was appended at `base_offset`. No-op for id 0.
  void Record(BatchProducer producer, int64_t base_offset, int64_t now_ms);
  // Keeps the kMaxProducers that appended last.
  void Evict();
  size_t size() const { return entries_.size(); }
  const Entry* Find(uint64_t id) const;

  // The snapshot file of the segment starting at `base_offset` in `dir`.
  static std::string SnapshotPath(const std::string& dir, int64_t base_offset);
  // Written through a temporary file, fsync and rename.
  absl::Status WriteSnapshot(const std::string& dir, int64_t base_offset) const;
  // NotFound when there is none; DataLoss naming the file when it is damaged.
  static absl::StatusOr<ProducerTable> ReadSnapshot(const std::string& dir,
                                                    int64_t base_offset);

  std::string Encode() const;
  static absl::StatusOr<ProducerTable> Decode(std::string_view bytes);

 private:
  absl::flat_hash_map<uint64_t, Entry> entries_;
};

}  // namespace sluice::log
