// Checks a topic of the embedded event log on disk, every byte of it: topic.meta, the
// partition directories, each partition.meta, every batch of every segment (its CRC
// and offsets), the offsets between segments, the sealed segments' indexes and the
// producer snapshots. It only reads, so it may run beside a writer (whose unfinished
// append is then a note). `sluice-log verify` prints what it finds.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "sluice/io/log/log_config.h"
#include "sluice/io/log/log_problem.h"
#include "sluice/io/log/offset_range.h"

namespace sluice::log {

class LogVerifier {
 public:
  struct PartitionReport {
    int partition = 0;
    std::string dir;
    int64_t start_offset = 0;
    int64_t end_offset = 0;
    int segments = 0;
    std::vector<OffsetRange> repaired;  // recorded as lost by an earlier repair
    std::vector<LogProblem> problems;   // notes included
  };
  struct TopicReport {
    std::string topic;
    std::vector<LogProblem> problems;  // the topic's own, notes included
    std::vector<PartitionReport> partitions;
    // Whether anything is damaged (notes are not damage).
    bool damaged() const;
    // The offsets lost to the damage found, by partition.
    std::map<int, std::vector<OffsetRange>> Lost() const;
  };

  // The topics under `root`: directories with a topic.meta, and those with partition
  // directories but no topic.meta (it was lost).
  static absl::StatusOr<std::vector<std::string>> Topics(const std::string& root);
  // NotFound if there is no such topic directory.
  static absl::StatusOr<TopicReport> VerifyTopic(const std::string& root,
                                                 const std::string& name);

 private:
  static PartitionReport VerifyPartition(const std::string& dir, int partition,
                                         const LogConfig& config, bool compare_settings);
};

}  // namespace sluice::log
