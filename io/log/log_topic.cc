#include "sluice/io/log/log_topic.h"

#include <algorithm>
#include <charconv>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <system_error>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "flatbuffers/flatbuffers.h"
#include "sluice/io/log/log_topic_generated.h"
#include "sluice/runtime/stable_hash.h"
#include "sluice/runtime/status_macros.h"
#include "sluice/runtime/storage/crc32c.h"
#include "sluice/runtime/storage/posix_file.h"

namespace sluice::log {
namespace {

namespace fs = std::filesystem;

constexpr uint32_t kMetaFormatVersion = 1;
constexpr char kMetaFile[] = "topic.meta";
constexpr uint64_t kMaxMetaBytes = 1 << 16;

absl::Status CheckName(const std::string& name) {
  const bool valid_chars = std::all_of(name.begin(), name.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           c == '.' || c == '_' || c == '-';
  });
  if (name.empty() || name.size() > 200 || !valid_chars || name == "." || name == "..") {
    return absl::InvalidArgumentError(absl::StrCat(
        "invalid topic name '", name,
        "': use 1 to 200 letters, digits, '.', '_' or '-' (not '.' or '..')"));
  }
  return absl::OkStatus();
}

std::string EncodeMeta(const LogConfig& config) {
  flatbuffers::FlatBufferBuilder builder(256);
  fb::TopicMetaBuilder meta(builder);
  meta.add_format_version(kMetaFormatVersion);
  meta.add_partitions(config.partitions);
  meta.add_segment_bytes(config.segment_bytes);
  meta.add_index_interval_bytes(config.index_interval_bytes);
  meta.add_retention_bytes(config.retention_bytes);
  meta.add_retention_ms(config.retention_ms);
  meta.add_fsync(config.fsync == FsyncPolicy::kEveryBatch ? fb::Fsync_EveryBatch
                 : config.fsync == FsyncPolicy::kInterval ? fb::Fsync_Interval
                                                          : fb::Fsync_None);
  meta.add_fsync_interval_ms(config.fsync_interval_ms);
  builder.Finish(meta.Finish(), fb::TopicMetaIdentifier());
  std::string bytes(reinterpret_cast<const char*>(builder.GetBufferPointer()),
                    builder.GetSize());
  AppendCrc32cTrailer(&bytes);
  return bytes;
}

absl::StatusOr<LogConfig> DecodeMeta(const std::string& path, std::string bytes) {
  auto damaged = [&](absl::string_view why) {
    return absl::DataLossError(
        absl::StrCat("topic metadata ", path, " is damaged: ", why));
  };
  if (!TakeCrc32cTrailer(&bytes)) return damaged("CRC mismatch or too short");
  flatbuffers::Verifier verifier(reinterpret_cast<const uint8_t*>(bytes.data()),
                                 bytes.size());
  if (!fb::VerifyTopicMetaBuffer(verifier)) return damaged("not a topic metadata record");
  const fb::TopicMeta* meta = fb::GetTopicMeta(bytes.data());
  if (meta->format_version() != kMetaFormatVersion) {
    return absl::FailedPreconditionError(absl::StrCat(
        "topic metadata ", path, " has format version ", meta->format_version(),
        "; this build reads version ", kMetaFormatVersion));
  }
  LogConfig config;
  config.partitions = meta->partitions();
  config.segment_bytes = meta->segment_bytes();
  config.index_interval_bytes = meta->index_interval_bytes();
  config.retention_bytes = meta->retention_bytes();
  config.retention_ms = meta->retention_ms();
  config.fsync = meta->fsync() == fb::Fsync_EveryBatch ? FsyncPolicy::kEveryBatch
                 : meta->fsync() == fb::Fsync_Interval ? FsyncPolicy::kInterval
                                                       : FsyncPolicy::kNone;
  config.fsync_interval_ms = meta->fsync_interval_ms();
  if (absl::Status s = config.Validate(); !s.ok()) return damaged(s.message());
  return config;
}

}  // namespace

void WarnOnStderr(std::string_view message) {
  std::fprintf(stderr, "sluice log: %.*s\n", static_cast<int>(message.size()),
               message.data());
}

absl::StatusOr<std::unique_ptr<LogTopic>> LogTopic::Create(const std::string& root,
                                                           const std::string& name,
                                                           const LogConfig& config,
                                                           LogWarning warn) {
  if (absl::Status s = CheckName(name); !s.ok()) return s;
  if (absl::Status s = config.Validate(); !s.ok()) return s;
  const std::string dir = absl::StrCat(root, "/", name);
  const std::string meta_path = absl::StrCat(dir, "/", kMetaFile);
  std::error_code error;
  fs::create_directories(dir, error);
  if (error) {
    return absl::InternalError(
        absl::StrCat("cannot create topic directory ", dir, ": ", error.message()));
  }
  // A directory without metadata is a creation that did not finish: finish it.
  if (fs::exists(meta_path, error)) {
    return absl::AlreadyExistsError(
        absl::StrCat("topic '", name, "' already exists in ", root));
  }
  if (absl::Status s = SyncDirectory(root); !s.ok()) return s;
  // Partitions first: the metadata file, written last and atomically, is what makes
  // the topic exist.
  std::unique_ptr<LogTopic> topic(new LogTopic(name, dir, config));
  if (absl::Status s = topic->OpenPartitions(LogPartition::Access::kReadWrite, warn,
                                             /*creating=*/true);
      !s.ok()) {
    return s;
  }
  if (absl::Status s = WriteFileAtomically(dir, meta_path, EncodeMeta(config)); !s.ok()) {
    return s;
  }
  return topic;
}

absl::StatusOr<LogConfig> LogTopic::ReadConfig(const std::string& root,
                                               const std::string& name) {
  if (absl::Status s = CheckName(name); !s.ok()) return s;
  const std::string meta_path = absl::StrCat(root, "/", name, "/", kMetaFile);
  auto bytes = ReadWholeFile(meta_path, kMaxMetaBytes);
  if (absl::IsNotFound(bytes.status())) {
    auto topics = List(root);
    return absl::NotFoundError(absl::StrCat(
        "no topic '", name, "' in ", root, "; topics there: ",
        topics.ok() && !topics->empty() ? absl::StrJoin(*topics, ", ") : "none"));
  }
  if (!bytes.ok()) return bytes.status();
  auto config = DecodeMeta(meta_path, std::move(*bytes));
  if (absl::IsDataLoss(config.status())) {
    return absl::DataLossError(absl::StrCat(
        config.status().message(), " (`sluice-log repair --dir=", root, " --topic=", name,
        "` rebuilds it from the copy of the settings each partition keeps)"));
  }
  return config;
}

absl::StatusOr<std::unique_ptr<LogTopic>> LogTopic::Open(const std::string& root,
                                                         const std::string& name,
                                                         LogPartition::Access access,
                                                         LogWarning warn) {
  auto config = ReadConfig(root, name);
  if (!config.ok()) return config.status();
  std::unique_ptr<LogTopic> topic(
      new LogTopic(name, absl::StrCat(root, "/", name), *config));
  if (absl::Status s = topic->OpenPartitions(access, warn, /*creating=*/false); !s.ok()) {
    return s;
  }
  return topic;
}

absl::Status LogTopic::OpenPartitions(LogPartition::Access access, const LogWarning& warn,
                                      bool creating) {
  for (int i = 0; i < config_.partitions; ++i) {
    const std::string dir = absl::StrCat(dir_, "/partition-", i);
    std::error_code error;
    // Read-only, a missing partition opens as one whose reads fail.
    if (!creating && access == LogPartition::Access::kReadWrite &&
        !fs::is_directory(dir, error)) {
      return absl::DataLossError(absl::StrCat(
          "topic '", name_, "' has ", config_.partitions, " partitions but ", dir,
          " is missing, so the topic is not opened for writing: its records are lost "
          "and its end offset is unknown (`sluice-log repair` recreates it, recording "
          "offsets below the --missing_partition_end you give as lost)"));
    }
    auto partition = LogPartition::Open(dir, config_, access, warn);
    if (!partition.ok()) return partition.status();
    partitions_.push_back(std::move(*partition));
  }
  return absl::OkStatus();
}

absl::StatusOr<std::vector<std::string>> LogTopic::List(const std::string& root) {
  std::vector<std::string> names;
  std::error_code error;
  fs::directory_iterator it(root, error);
  for (; !error && it != fs::directory_iterator(); it.increment(error)) {
    std::error_code missing;
    if (fs::exists(it->path() / kMetaFile, missing))
      names.push_back(it->path().filename());
  }
  if (error) {
    return absl::NotFoundError(
        absl::StrCat("cannot list log directory ", root, ": ", error.message()));
  }
  std::sort(names.begin(), names.end());
  return names;
}

absl::StatusOr<std::vector<int>> LogTopic::ListPartitionDirs(
    const std::string& topic_dir) {
  std::vector<int> numbers;
  std::error_code error;
  fs::directory_iterator it(topic_dir, error);
  for (; !error && it != fs::directory_iterator(); it.increment(error)) {
    const std::string name = it->path().filename().string();
    constexpr std::string_view kPrefix = "partition-";
    if (!name.starts_with(kPrefix) || !it->is_directory()) continue;
    int n = -1;
    const char* digits = name.data() + kPrefix.size();
    auto [end, ec] = std::from_chars(digits, name.data() + name.size(), n);
    if (ec == std::errc() && end == name.data() + name.size() && n >= 0 &&
        absl::StrCat(n) == std::string_view(digits, end - digits)) {
      numbers.push_back(n);
    }
  }
  if (error) {
    return absl::NotFoundError(
        absl::StrCat("cannot list topic directory ", topic_dir, ": ", error.message()));
  }
  std::sort(numbers.begin(), numbers.end());
  return numbers;
}

absl::Status LogTopic::WriteConfig(const std::string& root, const std::string& name,
                                   const LogConfig& config) {
  SLUICE_RETURN_IF_ERROR(CheckName(name));
  SLUICE_RETURN_IF_ERROR(config.Validate());
  const std::string dir = absl::StrCat(root, "/", name);
  return WriteFileAtomically(dir, absl::StrCat(dir, "/", kMetaFile), EncodeMeta(config));
}

int LogTopic::PartitionForKey(std::string_view key) const {
  return static_cast<int>(StableHash(key) % static_cast<uint64_t>(partitions_.size()));
}

}  // namespace sluice::log
