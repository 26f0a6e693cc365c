#include "sluice/io/log/log_repair.h"

#include <algorithm>
#include <filesystem>
#include <system_error>

#include "absl/strings/str_cat.h"
#include "sluice/io/log/log_partition.h"
#include "sluice/io/log/log_segment.h"
#include "sluice/io/log/log_topic.h"
#include "sluice/io/log/producer_table.h"
#include "sluice/io/log/segment_salvage.h"
#include "sluice/runtime/status_macros.h"
#include "sluice/runtime/storage/posix_file.h"

namespace sluice::log {
namespace {

namespace fs = std::filesystem;

bool RetentionOn(const LogConfig& config) {
  return config.retention_bytes >= 0 || config.retention_ms >= 0;
}

// The partition's writer lock, so that no writer opens it meanwhile.
absl::StatusOr<PosixFile> LockForRepair(const std::string& dir) {
  SLUICE_ASSIGN_OR_RETURN(
      PosixFile lock, PosixFile::Open(dir + "/.lock", PosixFile::Mode::kCreateOrOpen));
  if (!lock.TryLockExclusive().ok()) {
    return absl::FailedPreconditionError(absl::StrCat(
        "log partition ", dir, " is open for writing: stop its writer, then repair"));
  }
  return lock;
}

// Why topic.meta cannot be rebuilt, and the flags that would.
absl::Status NoSettings(const std::string& dir, const absl::Status& why,
                        const std::vector<int>& dirs) {
  return absl::FailedPreconditionError(absl::StrCat(
      why.message(),
      "; no partition.meta holds a copy of the topic's settings (the topic was written "
      "by an older build), so rerun repair with --settings_from_flags and the settings "
      "it was created with: --segment_bytes, --retention_bytes, --retention_ms, --fsync "
      "and --fsync_interval_ms (left out: the defaults of create) and --partitions "
      "(left out: one per partition directory; ",
      dirs.size(), " found in ", dir, ")"));
}

}  // namespace

bool LogRepair::Report::complete() const {
  return std::all_of(partitions.begin(), partitions.end(),
                     [](const PartitionReport& p) { return p.not_done.empty(); });
}

absl::StatusOr<LogRepair::Report> LogRepair::RepairTopic(const std::string& root,
                                                         const std::string& name,
                                                         const Options& options) {
  Report report;
  report.topic = name;
  SLUICE_ASSIGN_OR_RETURN(LogConfig config,
                          RepairTopicMeta(root, name, options, &report));
  for (int p = 0; p < config.partitions; ++p) {
    PartitionReport partition;
    partition.partition = p;
    SLUICE_RETURN_IF_ERROR(RepairPartition(
        absl::StrCat(root, "/", name, "/partition-", p), config, options, &partition));
    report.partitions.push_back(std::move(partition));
  }
  return report;
}

absl::StatusOr<LogConfig> LogRepair::RepairTopicMeta(const std::string& root,
                                                     const std::string& name,
                                                     const Options& options,
                                                     Report* report) {
  auto config = LogTopic::ReadConfig(root, name);
  const std::string dir = absl::StrCat(root, "/", name);
  std::error_code error;
  if (config.ok() || !fs::is_directory(dir, error)) return config;
  if (!absl::IsDataLoss(config.status()) && !absl::IsNotFound(config.status())) {
    return config.status();
  }
  SLUICE_ASSIGN_OR_RETURN(std::vector<int> dirs, LogTopic::ListPartitionDirs(dir));
  std::optional<LogConfig> rebuilt;
  std::string source;
  for (int n : dirs) {
    auto meta = PartitionMeta::Read(absl::StrCat(dir, "/partition-", n));
    if (!meta.ok()) continue;
    rebuilt = meta->config;
    source = absl::StrCat("the copy in ",
                          PartitionMeta::Path(absl::StrCat(dir, "/partition-", n)));
    break;
  }
  if (!rebuilt.has_value() && options.settings.has_value()) {
    rebuilt = *options.settings;
    if (rebuilt->partitions <= 0)
      rebuilt->partitions = dirs.empty() ? 1 : dirs.back() + 1;
    source = "the settings given";
  }
  if (!rebuilt.has_value()) return NoSettings(dir, config.status(), dirs);
  const std::string meta_path = absl::StrCat(dir, "/topic.meta");
  std::string line = absl::StrCat(meta_path, ": ", config.status().message());
  if (fs::exists(meta_path, error)) {
    SLUICE_ASSIGN_OR_RETURN(std::string aside, SegmentSalvage::SetAside(dir, meta_path));
    absl::StrAppend(&line, "; set aside as ", aside);
  }
  SLUICE_RETURN_IF_ERROR(LogTopic::WriteConfig(root, name, *rebuilt));
  absl::StrAppend(&line, "; rebuilt from ", source, " (", rebuilt->partitions,
                  " partition(s))");
  report->done.push_back(std::move(line));
  return *rebuilt;
}

absl::Status LogRepair::RepairPartition(const std::string& dir, const LogConfig& config,
                                        const Options& options, PartitionReport* report) {
  std::error_code error;
  if (!fs::is_directory(dir, error)) {
    SLUICE_ASSIGN_OR_RETURN(bool recreated, RecreateDirectory(dir, options, report));
    if (!recreated) return absl::OkStatus();
  }
  {
    SLUICE_ASSIGN_OR_RETURN(PosixFile lock, LockForRepair(dir));
    SLUICE_ASSIGN_OR_RETURN(std::vector<std::string> finished,
                            SegmentSalvage::FinishInterrupted(dir));
    report->done.insert(report->done.end(), finished.begin(), finished.end());
    SLUICE_ASSIGN_OR_RETURN(LogSegment::Files files, LogSegment::ListFiles(dir));
    SLUICE_ASSIGN_OR_RETURN(PartitionMeta meta,
                            RepairMeta(dir, config, files.bases, report));
    std::vector<OffsetRange> kept;
    SLUICE_RETURN_IF_ERROR(SalvageSegments(dir, config, files.bases, &kept, report));
    if (!report->not_done.empty()) return absl::OkStatus();
    SLUICE_ASSIGN_OR_RETURN(bool end_settled,
                            SettleEnd(dir, config, options, meta, &kept, report));
    RecordLost(kept, &meta, report);
    SLUICE_RETURN_IF_ERROR(meta.Write(dir));
    SLUICE_RETURN_IF_ERROR(SetAsideStrays(dir, end_settled, report));
  }
  if (!report->not_done.empty()) return absl::OkStatus();
  // The writer's open rebuilds the indexes removed and checks the result.
  std::vector<std::string> warnings;
  auto reopened =
      LogPartition::Open(dir, config, LogPartition::Access::kReadWrite,
                         [&](std::string_view m) { warnings.emplace_back(m); });
  if (!reopened.ok()) {
    report->not_done.push_back(std::string(reopened.status().message()));
  }
  report->done.insert(report->done.end(), warnings.begin(), warnings.end());
  return absl::OkStatus();
}

absl::StatusOr<bool> LogRepair::RecreateDirectory(const std::string& dir,
                                                  const Options& options,
                                                  PartitionReport* report) {
  if (!options.missing_partition_end.has_value()) {
    report->not_done.push_back(absl::StrCat(
        dir,
        " is missing: its records are lost and how many is unknown; rerun with "
        "--missing_partition_end=N (N past every offset a reader may have seen) "
        "to recreate it with offsets [0, N) recorded as lost"));
    return false;
  }
  std::error_code error;
  fs::create_directories(dir, error);
  if (error) {
    return absl::InternalError(
        absl::StrCat("cannot create ", dir, ": ", error.message()));
  }
  SLUICE_RETURN_IF_ERROR(SyncDirectory(fs::path(dir).parent_path().string()));
  report->done.push_back(absl::StrCat(dir, ": the missing directory was recreated"));
  return true;
}

absl::StatusOr<PartitionMeta> LogRepair::RepairMeta(const std::string& dir,
                                                    const LogConfig& config,
                                                    const std::vector<int64_t>& bases,
                                                    PartitionReport* report) {
  PartitionMeta meta;
  meta.config = config;
  auto read = PartitionMeta::Read(dir);
  if (read.ok()) {
    meta.start_offset = read->start_offset;
    meta.lost = read->lost;
    return meta;
  }
  if (!absl::IsNotFound(read.status()) && !absl::IsDataLoss(read.status())) {
    return read.status();
  }
  // Without retention nothing was ever deleted: the partition starts at 0.
  const bool retention = RetentionOn(config);
  meta.start_offset = retention && !bases.empty() ? bases.front() : 0;
  std::string line = PartitionMeta::Path(dir);
  if (absl::IsDataLoss(read.status())) {
    SLUICE_ASSIGN_OR_RETURN(std::string aside,
                            SegmentSalvage::SetAside(dir, PartitionMeta::Path(dir)));
    line = absl::StrCat(read.status().message(), "; set aside as ", aside);
  } else {
    absl::StrAppend(&line, ": missing");
  }
  absl::StrAppend(&line, "; written with start offset ", meta.start_offset,
                  retention ? " (the first segment's: with retention on, segments "
                              "deleted before it cannot be told from lost ones)"
                            : " (retention is off: nothing was ever deleted)");
  report->done.push_back(std::move(line));
  return meta;
}

absl::Status LogRepair::SalvageSegments(const std::string& dir, const LogConfig& config,
                                        const std::vector<int64_t>& bases,
                                        std::vector<OffsetRange>* kept,
                                        PartitionReport* report) {
  for (size_t i = 0; i < bases.size(); ++i) {
    SLUICE_ASSIGN_OR_RETURN(
        SegmentSalvage::Result salvaged,
        SegmentSalvage::Salvage(dir, bases[i], config.index_interval_bytes,
                                /*last=*/i + 1 == bases.size()));
    kept->insert(kept->end(), salvaged.kept.begin(), salvaged.kept.end());
    report->done.insert(report->done.end(), salvaged.done.begin(), salvaged.done.end());
  }
  std::sort(kept->begin(), kept->end(),
            [](const OffsetRange& a, const OffsetRange& b) { return a.from < b.from; });
  for (size_t i = 1; i < kept->size(); ++i) {
    if ((*kept)[i - 1].to > (*kept)[i].from) {
      report->not_done.push_back(absl::StrCat(
          dir, ": segments holding offsets ", (*kept)[i - 1].ToString(), " and ",
          (*kept)[i].ToString(),
          " overlap (a segment file was copied or renamed?): move the wrong one out of "
          "the directory, then repair again"));
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<bool> LogRepair::SettleEnd(const std::string& dir, const LogConfig& config,
                                          const Options& options,
                                          const PartitionMeta& meta,
                                          std::vector<OffsetRange>* kept,
                                          PartitionReport* report) {
  SLUICE_ASSIGN_OR_RETURN(LogSegment::Files files, LogSegment::ListFiles(dir));
  const int64_t last_base = files.bases.empty() ? -1 : files.bases.back();
  const bool orphan_after = std::any_of(files.orphans.begin(), files.orphans.end(),
                                        [&](int64_t base) { return base > last_base; });
  if (!files.bases.empty() && !orphan_after) return true;
  const int64_t end =
      kept->empty() ? meta.start_offset : std::max(kept->back().to, meta.start_offset);
  const std::string why =
      files.bases.empty()
          ? std::string("no segment file is left")
          : absl::StrCat("a segment after offset ", last_base,
                         " is missing: its .index or .producers file is left");
  if (!options.missing_partition_end.has_value()) {
    report->not_done.push_back(absl::StrCat(
        dir, ": the records after offset ", end, " are lost (", why,
        ") and how many is unknown; rerun with --missing_partition_end=N (N past every "
        "offset a reader may have seen) to record [",
        end, ", N) as lost and go on from N"));
    return false;
  }
  const int64_t resume = *options.missing_partition_end;
  if (resume < end) {
    report->not_done.push_back(absl::StrCat(dir, ": --missing_partition_end=", resume,
                                            " is below offset ", end,
                                            ", up to which the partition holds records"));
    return false;
  }
  if (last_base != resume) {
    SLUICE_RETURN_IF_ERROR(
        LogSegment::Create(dir, resume, config.index_interval_bytes, 0).status());
    SLUICE_RETURN_IF_ERROR(SyncDirectory(dir));
  }
  kept->push_back(OffsetRange{resume, resume});
  report->done.push_back(absl::StrCat(dir, ": the records after offset ", end,
                                      " were lost (", why, "); new records start at ",
                                      resume));
  return true;
}

void LogRepair::RecordLost(const std::vector<OffsetRange>& kept, PartitionMeta* meta,
                           PartitionReport* report) {
  int64_t at = meta->start_offset;
  for (const OffsetRange& range : kept) {
    if (range.from > at) {
      const OffsetRange gap{at, range.from};
      if (!meta->Covers(gap)) report->lost.push_back(gap);
      meta->AddLost(gap);
    }
    at = std::max(at, range.to);
  }
}

absl::Status LogRepair::SetAsideStrays(const std::string& dir, bool orphans,
                                       PartitionReport* report) {
  SLUICE_ASSIGN_OR_RETURN(LogSegment::Files files, LogSegment::ListFiles(dir));
  std::error_code error;
  for (int64_t base : orphans ? files.orphans : std::vector<int64_t>{}) {
    for (const char* suffix : {".index", ".producers"}) {
      const std::string path = LogSegment::FileStem(dir, base) + suffix;
      if (!fs::exists(path, error)) continue;
      SLUICE_ASSIGN_OR_RETURN(std::string aside, SegmentSalvage::SetAside(dir, path));
      report->done.push_back(
          absl::StrCat(path, ": its segment file is gone; set aside as ", aside));
    }
  }
  for (int64_t base : files.bases) {
    auto snapshot = ProducerTable::ReadSnapshot(dir, base);
    if (snapshot.ok() || absl::IsNotFound(snapshot.status())) continue;
    SLUICE_ASSIGN_OR_RETURN(
        std::string aside,
        SegmentSalvage::SetAside(dir, ProducerTable::SnapshotPath(dir, base)));
    report->done.push_back(absl::StrCat(snapshot.status().message(), "; set aside as ",
                                        aside, " (the writer rebuilds the table)"));
  }
  return absl::OkStatus();
}

}  // namespace sluice::log
