// Repairs a topic of the embedded event log (`sluice-log repair`): keeps every intact
// batch, sets damaged bytes aside (in each partition's damaged/ directory, whole
// original files: nothing is deleted), records in partition.meta exactly which
// offsets are lost, and rebuilds indexes. Offsets are never renumbered: readers pass
// over the offsets recorded as lost (LogChunk::lost()), and the writer goes on after
// the last offset the partition holds. A damaged topic.meta is rebuilt from the copy
// of the settings each partition.meta keeps, or from settings the caller gives.
//
// Run it with no writer (a writer's lock makes it fail) and no reader on the topic
// (readers would see segment files move). Running it again after a crash, or on a
// repaired topic, is safe.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "sluice/io/log/log_config.h"
#include "sluice/io/log/offset_range.h"
#include "sluice/io/log/partition_meta.h"

namespace sluice::log {

class LogRepair {
 public:
  struct Options {
    // For a topic.meta whose settings no partition.meta has a copy of: the settings
    // the topic was created with (partitions <= 0: one per partition directory).
    std::optional<LogConfig> settings;
    // For partitions whose end offset is unknown (their directory or their last
    // segments are gone): the offsets from the last one still held up to this are
    // recorded as lost, and new records start here.
    std::optional<int64_t> missing_partition_end;
  };
  struct PartitionReport {
    int partition = 0;
    std::vector<OffsetRange> lost;      // newly recorded as lost, ascending
    std::vector<std::string> done;      // what was done, a line each
    std::vector<std::string> not_done;  // what is still wrong, and what it needs
  };
  struct Report {
    std::string topic;
    std::vector<std::string> done;
    std::vector<PartitionReport> partitions;
    bool complete() const;
  };

  // FailedPrecondition when topic.meta cannot be rebuilt (saying which settings to
  // give) or a writer has a partition open; NotFound without the topic directory.
  static absl::StatusOr<Report> RepairTopic(const std::string& root,
                                            const std::string& name,
                                            const Options& options);

 private:
  static absl::StatusOr<LogConfig> RepairTopicMeta(const std::string& root,
                                                   const std::string& name,
                                                   const Options& options,
                                                   Report* report);
  static absl::Status RepairPartition(const std::string& dir, const LogConfig& config,
                                      const Options& options, PartitionReport* report);
  // A missing partition directory, with --missing_partition_end; returns whether it
  // was recreated.
  static absl::StatusOr<bool> RecreateDirectory(const std::string& dir,
                                                const Options& options,
                                                PartitionReport* report);
  static absl::StatusOr<PartitionMeta> RepairMeta(const std::string& dir,
                                                  const LogConfig& config,
                                                  const std::vector<int64_t>& bases,
                                                  PartitionReport* report);
  // Salvages every segment; `kept` gets the offsets of the segments left.
  static absl::Status SalvageSegments(const std::string& dir, const LogConfig& config,
                                      const std::vector<int64_t>& bases,
                                      std::vector<OffsetRange>* kept,
                                      PartitionReport* report);
  // When the partition's end is unknown, goes on at --missing_partition_end; returns
  // whether the end is settled.
  static absl::StatusOr<bool> SettleEnd(const std::string& dir, const LogConfig& config,
                                        const Options& options, const PartitionMeta& meta,
                                        std::vector<OffsetRange>* kept,
                                        PartitionReport* report);
  // Records what no kept segment holds, from the start on, as lost.
  static void RecordLost(const std::vector<OffsetRange>& kept, PartitionMeta* meta,
                         PartitionReport* report);
  // Sets aside damaged producer snapshots and, with `orphans`, the .index and
  // .producers files of segments that are gone.
  static absl::Status SetAsideStrays(const std::string& dir, bool orphans,
                                     PartitionReport* report);
};

}  // namespace sluice::log
