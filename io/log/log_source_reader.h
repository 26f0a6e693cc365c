// The running instance of a LogSource: reads its share of the topic's partitions in
// turn, one batch at a time, each batch tagged with its partition.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "sluice/io/log/log_source.h"
#include "sluice/io/log/log_topic.h"
#include "sluice/runtime/batch_sizer.h"
#include "sluice/runtime/operator.h"

namespace sluice {

class LogSourceReader final : public SourceOperator {
 public:
  explicit LogSourceReader(LogSource::Settings settings)
      : settings_(std::move(settings)) {}

  absl::Status Open(const OperatorContext& context) override;
  absl::StatusOr<SourceStep> Produce(Output& out) override;
  bool SupportsCheckpoints() const override { return true; }
  // The next offset of each of this instance's partitions.
  absl::StatusOr<std::string> SnapshotState() override;

 private:
  using Clock = std::chrono::steady_clock;
  struct Partition {
    int index;
    log::LogPartition* log;
    int64_t next;  // the next offset to emit
    int64_t end;   // bounded: stop here
    bool ended = false;
    log::LogChunk chunk;
  };

  absl::Status Start(Partition& partition);
  // A restore: the offsets every instance of the checkpointed run had reached, by
  // partition (partitions are shared out anew at this run's parallelism).
  absl::Status ReadRestoredOffsets(const std::vector<std::string>& states);
  // Emits up to `want` records of `partition`; returns how many.
  absl::StatusOr<size_t> EmitFrom(Partition& partition, size_t want, Output& out);
  absl::Status Refresh();

  LogSource::Settings settings_;
  std::unique_ptr<log::LogTopic> topic_;
  std::vector<std::unique_ptr<Partition>> partitions_;
  size_t turn_ = 0;  // the partition to try first
  BatchSizer sizer_;
  Clock::time_point last_refresh_;
  bool announced_ = false;  // the partitions were announced as splits
  std::optional<absl::flat_hash_map<int, int64_t>> restored_;  // partition -> next
};

}  // namespace sluice
