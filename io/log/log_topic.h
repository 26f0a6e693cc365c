// A topic of the embedded event log: `<root>/<name>/` holding `topic.meta` (its
// settings, see log_topic.fbs) and one directory per partition, `partition-<n>`.
// A topic's settings are fixed when it is created.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "sluice/io/log/log_config.h"
#include "sluice/io/log/log_partition.h"

namespace sluice::log {

// Writes recovery messages to stderr, prefixed "sluice log: ".
void WarnOnStderr(std::string_view message);

class LogTopic {
 public:
  // Creates the topic; AlreadyExists if it does. Names are 1 to 200 characters of
  // letters, digits, '.', '_' and '-' (not "." or "..").
  static absl::StatusOr<std::unique_ptr<LogTopic>> Create(const std::string& root,
                                                          const std::string& name,
                                                          const LogConfig& config,
                                                          LogWarning warn = WarnOnStderr);
  // NotFound names the topic and the topics that do exist.
  static absl::StatusOr<std::unique_ptr<LogTopic>> Open(const std::string& root,
                                                        const std::string& name,
                                                        LogPartition::Access access,
                                                        LogWarning warn = WarnOnStderr);
  // A topic's settings, from its metadata alone (no partition is opened).
  static absl::StatusOr<LogConfig> ReadConfig(const std::string& root,
                                              const std::string& name);
  // The topics under `root`, sorted.
  static absl::StatusOr<std::vector<std::string>> List(const std::string& root);
  // The numbers n of the "partition-<n>" directories in `topic_dir`, sorted.
  static absl::StatusOr<std::vector<int>> ListPartitionDirs(const std::string& topic_dir);
  // Writes topic.meta (for `sluice-log repair`, rebuilding a damaged one).
  static absl::Status WriteConfig(const std::string& root, const std::string& name,
                                  const LogConfig& config);

  const std::string& name() const { return name_; }
  const std::string& dir() const { return dir_; }
  const LogConfig& config() const { return config_; }
  int partition_count() const { return static_cast<int>(partitions_.size()); }
  LogPartition& partition(int i) { return *partitions_[static_cast<size_t>(i)]; }

  // The partition a record with `key` goes to: by a stable hash of the key, so a key
  // always lands in the same partition.
  int PartitionForKey(std::string_view key) const;

 private:
  LogTopic(std::string name, std::string dir, LogConfig config)
      : name_(std::move(name)), dir_(std::move(dir)), config_(config) {}
  // `creating`: partition directories may be made; otherwise each must exist.
  absl::Status OpenPartitions(LogPartition::Access access, const LogWarning& warn,
                              bool creating);

  std::string name_;
  std::string dir_;
  LogConfig config_;
  std::vector<std::unique_ptr<LogPartition>> partitions_;
};

}  // namespace sluice::log
