#include "sluice/io/log/log_verifier.h"

#include <algorithm>
#include <filesystem>
#include <set>
#include <system_error>

#include "absl/strings/str_cat.h"
#include "sluice/io/log/log_partition.h"
#include "sluice/io/log/log_topic.h"
#include "sluice/io/log/partition_meta.h"
#include "sluice/io/log/segment_salvage.h"
#include "sluice/runtime/status_macros.h"

namespace sluice::log {
namespace {

namespace fs = std::filesystem;

// The settings to check a topic whose topic.meta is unreadable with: a partition's
// copy, else the defaults for as many partitions as there are directories.
LogConfig FallbackSettings(const std::string& topic_dir, const std::vector<int>& dirs) {
  for (int n : dirs) {
    auto meta = PartitionMeta::Read(absl::StrCat(topic_dir, "/partition-", n));
    if (meta.ok()) return meta->config;
  }
  LogConfig config;
  config.partitions = dirs.empty() ? 1 : dirs.back() + 1;
  return config;
}

// Files in a partition directory that only an unfinished or earlier repair leaves.
void NoteRepairLeftovers(const std::string& dir, std::vector<LogProblem>* problems) {
  std::error_code error;
  for (fs::directory_iterator it(dir, error); !error && it != fs::directory_iterator();
       it.increment(error)) {
    const std::string name = it->path().filename().string();
    if (name.find(SegmentSalvage::kStagingInfix) != std::string::npos) {
      problems->push_back(LogProblem{it->path().string(),
                                     -1,
                                     {},
                                     "left by a repair that did not finish: run "
                                     "sluice-log repair again"});
    }
  }
  const std::string damaged = absl::StrCat(dir, "/damaged");
  if (fs::is_directory(damaged, error)) {
    const auto count =
        std::distance(fs::directory_iterator(damaged, error), fs::directory_iterator());
    problems->push_back(LogProblem{damaged,
                                   -1,
                                   {},
                                   absl::StrCat("holds ", count,
                                                " file(s) an earlier sluice-log repair "
                                                "set aside (delete them when done)"),
                                   /*note=*/true});
  }
}

}  // namespace

bool LogVerifier::TopicReport::damaged() const {
  auto any = [](const std::vector<LogProblem>& problems) {
    return std::any_of(problems.begin(), problems.end(),
                       [](const LogProblem& p) { return !p.note; });
  };
  if (any(problems)) return true;
  return std::any_of(partitions.begin(), partitions.end(),
                     [&](const PartitionReport& p) { return any(p.problems); });
}

std::map<int, std::vector<OffsetRange>> LogVerifier::TopicReport::Lost() const {
  std::map<int, std::vector<OffsetRange>> lost;
  for (const PartitionReport& partition : partitions) {
    for (const LogProblem& problem : partition.problems) {
      if (!problem.note && !problem.lost.empty()) {
        lost[partition.partition].push_back(problem.lost);
      }
    }
    std::sort(lost[partition.partition].begin(), lost[partition.partition].end(),
              [](const OffsetRange& a, const OffsetRange& b) { return a.from < b.from; });
    if (lost[partition.partition].empty()) lost.erase(partition.partition);
  }
  return lost;
}

absl::StatusOr<std::vector<std::string>> LogVerifier::Topics(const std::string& root) {
  SLUICE_ASSIGN_OR_RETURN(std::vector<std::string> names, LogTopic::List(root));
  std::set<std::string> topics(names.begin(), names.end());
  std::error_code error;
  for (fs::directory_iterator it(root, error); !error && it != fs::directory_iterator();
       it.increment(error)) {
    if (!it->is_directory()) continue;
    auto dirs = LogTopic::ListPartitionDirs(it->path().string());
    if (dirs.ok() && !dirs->empty()) topics.insert(it->path().filename().string());
  }
  return std::vector<std::string>(topics.begin(), topics.end());
}

absl::StatusOr<LogVerifier::TopicReport> LogVerifier::VerifyTopic(
    const std::string& root, const std::string& name) {
  const std::string dir = absl::StrCat(root, "/", name);
  std::error_code error;
  if (!fs::is_directory(dir, error)) {
    return LogTopic::ReadConfig(root, name).status();  // names the topics there
  }
  TopicReport report;
  report.topic = name;
  SLUICE_ASSIGN_OR_RETURN(std::vector<int> dirs, LogTopic::ListPartitionDirs(dir));
  auto config = LogTopic::ReadConfig(root, name);
  if (!config.ok() && !absl::IsDataLoss(config.status()) &&
      !absl::IsNotFound(config.status())) {
    return config.status();
  }
  const bool settings_known = config.ok();
  if (!config.ok()) {
    report.problems.push_back(
        LogProblem{absl::StrCat(dir, "/topic.meta"),
                   -1,
                   {},
                   absl::IsNotFound(config.status())
                       ? "missing, though the topic has partition directories"
                       : std::string(config.status().message())});
    config = FallbackSettings(dir, dirs);
  }
  for (int n : dirs) {
    if (n >= config->partitions) {
      report.problems.push_back(LogProblem{
          absl::StrCat(dir, "/partition-", n),
          -1,
          {},
          absl::StrCat("is not one of the topic's ", config->partitions, " partitions")});
    }
  }
  for (int p = 0; p < config->partitions; ++p) {
    report.partitions.push_back(
        VerifyPartition(absl::StrCat(dir, "/partition-", p), p, *config, settings_known));
  }
  return report;
}

LogVerifier::PartitionReport LogVerifier::VerifyPartition(const std::string& dir,
                                                          int partition,
                                                          const LogConfig& config,
                                                          bool compare_settings) {
  PartitionReport report;
  report.partition = partition;
  report.dir = dir;
  auto opened = LogPartition::Open(
      dir, config, LogPartition::Access::kReadOnly, [](std::string_view) {},
      LogPartition::Check::kScanEverySegment);
  if (!opened.ok()) {
    report.problems.push_back(
        LogProblem{dir, -1, {}, std::string(opened.status().message())});
    return report;
  }
  const LogPartition& log = **opened;
  report.start_offset = log.start_offset();
  report.end_offset = log.end_offset();
  report.segments = log.segment_count();
  report.repaired = log.lost_offsets();
  report.problems = log.Problems();
  auto derived = log.CheckDerivedFiles();
  if (derived.ok()) {
    report.problems.insert(report.problems.end(), derived->begin(), derived->end());
  } else {
    report.problems.push_back(
        LogProblem{dir, -1, {}, std::string(derived.status().message())});
  }
  if (auto meta = PartitionMeta::Read(dir);
      meta.ok() && compare_settings && !(meta->config == config)) {
    report.problems.push_back(LogProblem{
        PartitionMeta::Path(dir),
        -1,
        {},
        "its copy of the topic's settings differs from topic.meta (sluice-log repair "
        "rewrites it)"});
  }
  NoteRepairLeftovers(dir, &report.problems);
  return report;
}

}  // namespace sluice::log
