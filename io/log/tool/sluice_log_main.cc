// sluice-log: create topics in the embedded event log, produce lines into them,
// consume and describe them, verify and repair them. Run `sluice-log --help` for the
// commands.
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <iostream>
#include <string>
#include <thread>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/reflection.h"
#include "absl/flags/usage.h"
#include "absl/flags/usage_config.h"
#include "absl/status/status.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "sluice/io/log/log_repair.h"
#include "sluice/io/log/log_topic.h"
#include "sluice/io/log/record_batch.h"
#include "sluice/io/log/tool/damage_commands.h"

ABSL_FLAG(std::string, dir, "", "the log's root directory (required)");
ABSL_FLAG(std::string, topic, "", "the topic (required except for describe and verify)");
ABSL_FLAG(int, partitions, 1, "create: number of partitions");
ABSL_FLAG(uint64_t, segment_bytes, 256ull << 20, "create: segment file size limit");
ABSL_FLAG(int64_t, retention_bytes, -1, "create: bytes kept per partition, -1 = all");
ABSL_FLAG(int64_t, retention_ms, -1,
          "create: age (by record timestamp) of segments kept, -1 = all");
ABSL_FLAG(std::string, fsync, "interval", "create: fsync policy: batch, interval or os");
ABSL_FLAG(int64_t, fsync_interval_ms, 1000, "create: interval for --fsync=interval");
ABSL_FLAG(std::string, key_separator, "",
          "produce: split each line into key and value at the first occurrence of this "
          "string (e.g. a tab); empty = lines are values without keys");
ABSL_FLAG(int, batch_records, 1000, "produce: records per appended batch");
ABSL_FLAG(int, partition, -1, "consume: only this partition (-1 = all)");
ABSL_FLAG(int64_t, from_offset, 0, "consume: first offset to print, per partition");
ABSL_FLAG(int64_t, max_records, -1,
          "consume: stop after this many records (-1 = no limit)");
ABSL_FLAG(bool, follow, false, "consume: keep waiting for new records (Ctrl-C stops)");
ABSL_FLAG(bool, print_offsets, false, "consume: prefix lines with partition:offset<TAB>");
ABSL_FLAG(bool, print_keys, false, "consume: prefix values with key<TAB>");
ABSL_FLAG(int64_t, missing_partition_end, -1,
          "repair: for a partition whose end offset is unknown (its directory or last "
          "segments are gone): record the offsets from its last one up to this as lost "
          "and go on from here; choose it past every offset a reader may have seen");
ABSL_FLAG(bool, settings_from_flags, false,
          "repair: rebuild a damaged topic.meta that no partition.meta has a copy of "
          "from --partitions (default: one per partition directory), --segment_bytes, "
          "--retention_bytes, --retention_ms, --fsync and --fsync_interval_ms");

namespace sluice::log {
namespace {

constexpr char kUsage[] = R"(sluice-log: the embedded event log's command-line tool.

  sluice-log create   --dir=D --topic=T [--partitions=N] [--segment_bytes=B]
                      [--retention_bytes=B] [--retention_ms=MS]
                      [--fsync=batch|interval|os] [--fsync_interval_ms=MS]
  sluice-log produce  --dir=D --topic=T [--key_separator=S] [--batch_records=N]
                      appends each line of standard input as a record (timestamp:
                      now); keyed records go to the partition of their key, others
                      round robin
  sluice-log consume  --dir=D --topic=T [--partition=P] [--from_offset=O]
                      [--max_records=N] [--follow] [--print_offsets] [--print_keys]
                      prints record values, one per line
  sluice-log describe --dir=D [--topic=T]
                      settings, offsets, segments and bytes of each partition
  sluice-log verify   --dir=D [--topic=T]
                      reads every batch, index, producer snapshot and metadata file;
                      prints each problem with its file, position and the offsets it
                      loses; exit status 1 if anything is damaged
  sluice-log repair   --dir=D --topic=T [--missing_partition_end=N]
                      [--settings_from_flags --partitions=N --segment_bytes=B ...]
                      keeps every intact batch, moves damaged bytes into each
                      partition's damaged/ directory, records the lost offsets (readers
                      pass over them; offsets are never renumbered), rebuilds indexes
                      and a damaged topic.meta; prints the offsets lost per partition.
                      Stop the topic's writers and readers first)";

int64_t NowMillis() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

absl::Status RequireFlags(bool need_topic) {
  if (absl::GetFlag(FLAGS_dir).empty())
    return absl::InvalidArgumentError("--dir is required");
  if (need_topic && absl::GetFlag(FLAGS_topic).empty()) {
    return absl::InvalidArgumentError("--topic is required");
  }
  return absl::OkStatus();
}

// The settings of create's flags.
absl::StatusOr<LogConfig> ConfigFromFlags() {
  LogConfig config;
  config.partitions = absl::GetFlag(FLAGS_partitions);
  config.segment_bytes = absl::GetFlag(FLAGS_segment_bytes);
  config.retention_bytes = absl::GetFlag(FLAGS_retention_bytes);
  config.retention_ms = absl::GetFlag(FLAGS_retention_ms);
  auto fsync = ParseFsyncPolicy(absl::GetFlag(FLAGS_fsync));
  if (!fsync.ok()) return fsync.status();
  config.fsync = *fsync;
  config.fsync_interval_ms = absl::GetFlag(FLAGS_fsync_interval_ms);
  return config;
}

absl::Status Create() {
  auto config = ConfigFromFlags();
  if (!config.ok()) return config.status();
  auto topic =
      LogTopic::Create(absl::GetFlag(FLAGS_dir), absl::GetFlag(FLAGS_topic), *config);
  if (!topic.ok()) return topic.status();
  std::printf("created topic %s with %d partition(s) in %s\n", (*topic)->name().c_str(),
              config->partitions, (*topic)->dir().c_str());
  return absl::OkStatus();
}

// Appends the batches held per partition; clears them.
absl::Status FlushBatches(LogTopic& topic, std::vector<RecordBatchBuilder>& batches) {
  for (int p = 0; p < topic.partition_count(); ++p) {
    RecordBatchBuilder& batch = batches[static_cast<size_t>(p)];
    if (batch.empty()) continue;
    if (auto base = topic.partition(p).Append(batch); !base.ok()) return base.status();
    batch.Clear();
  }
  return absl::OkStatus();
}

absl::Status Produce() {
  auto topic = LogTopic::Open(absl::GetFlag(FLAGS_dir), absl::GetFlag(FLAGS_topic),
                              LogPartition::Access::kReadWrite);
  if (!topic.ok()) return topic.status();
  const std::string separator = absl::GetFlag(FLAGS_key_separator);
  const int batch_records = std::max(1, absl::GetFlag(FLAGS_batch_records));
  std::vector<RecordBatchBuilder> batches((*topic)->partition_count());
  int next_keyless = 0;
  int64_t produced = 0;
  for (std::string line; std::getline(std::cin, line);) {
    std::string_view key, value = line;
    if (!separator.empty()) {
      size_t at = line.find(separator);
      if (at != std::string::npos) {
        key = std::string_view(line).substr(0, at);
        value = std::string_view(line).substr(at + separator.size());
      }
    }
    int p = key.empty() ? next_keyless++ % (*topic)->partition_count()
                        : (*topic)->PartitionForKey(key);
    RecordBatchBuilder& batch = batches[static_cast<size_t>(p)];
    batch.Add(key, value, NowMillis());
    ++produced;
    if (static_cast<int>(batch.record_count()) >= batch_records) {
      if (auto base = (*topic)->partition(p).Append(batch); !base.ok())
        return base.status();
      batch.Clear();
    }
  }
  if (absl::Status s = FlushBatches(**topic, batches); !s.ok()) return s;
  for (int p = 0; p < (*topic)->partition_count(); ++p) {
    if (absl::Status s = (*topic)->partition(p).Sync(); !s.ok()) return s;
  }
  std::fprintf(stderr, "produced %lld records\n", static_cast<long long>(produced));
  return absl::OkStatus();
}

// Prints one partition's records from `*offset` on; counts them down in `*left`.
absl::Status PrintNew(LogPartition& partition, int p, int64_t* offset, int64_t* left) {
  LogChunk chunk;
  const bool offsets = absl::GetFlag(FLAGS_print_offsets);
  const bool keys = absl::GetFlag(FLAGS_print_keys);
  while (*left != 0 && *offset < partition.end_offset()) {
    if (absl::Status s = partition.Read(*offset, 1 << 20, &chunk); !s.ok()) return s;
    if (!chunk.lost().empty()) {
      std::fprintf(stderr,
                   "sluice-log consume: partition %d: offsets %s were lost to damage "
                   "(recorded by sluice-log repair); going on at %lld\n",
                   p, chunk.lost().ToString().c_str(),
                   static_cast<long long>(chunk.lost().to));
    }
    if (*left != 0) *offset = std::max(*offset, chunk.lost().to);
    chunk.ForEach([&](const LogRecordView& record) {
      if (*left == 0) return;
      if (offsets) std::printf("%d:%lld\t", p, static_cast<long long>(record.offset()));
      if (keys)
        std::printf("%.*s\t", static_cast<int>(record.key().size()), record.key().data());
      std::printf("%.*s\n", static_cast<int>(record.value().size()),
                  record.value().data());
      if (*left > 0) --*left;
      *offset = record.offset() + 1;
    });
  }
  std::fflush(stdout);
  // The records read up to the end are all there are, unless the end was lost too.
  return *left != 0 ? partition.CheckEnd() : absl::OkStatus();
}

absl::Status Consume() {
  auto topic = LogTopic::Open(absl::GetFlag(FLAGS_dir), absl::GetFlag(FLAGS_topic),
                              LogPartition::Access::kReadOnly);
  if (!topic.ok()) return topic.status();
  const int only = absl::GetFlag(FLAGS_partition);
  if (only >= (*topic)->partition_count()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "--partition=", only, " but the topic has ", (*topic)->partition_count()));
  }
  std::vector<int64_t> offsets((*topic)->partition_count(),
                               absl::GetFlag(FLAGS_from_offset));
  int64_t left = absl::GetFlag(FLAGS_max_records);
  while (true) {
    for (int p = 0; p < (*topic)->partition_count(); ++p) {
      if (only >= 0 && p != only) continue;
      LogPartition& partition = (*topic)->partition(p);
      int64_t& offset = offsets[static_cast<size_t>(p)];
      offset = std::max(offset, partition.start_offset());
      if (absl::Status s = PrintNew(partition, p, &offset, &left); !s.ok()) return s;
    }
    if (left == 0 || !absl::GetFlag(FLAGS_follow)) return absl::OkStatus();
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    for (int p = 0; p < (*topic)->partition_count(); ++p) {
      if (absl::Status s = (*topic)->partition(p).Refresh(); !s.ok()) return s;
    }
  }
}

absl::Status DescribeTopic(const std::string& name) {
  auto topic =
      LogTopic::Open(absl::GetFlag(FLAGS_dir), name, LogPartition::Access::kReadOnly);
  if (!topic.ok()) return topic.status();
  const LogConfig& c = (*topic)->config();
  std::printf(
      "topic %s: %d partition(s), segment_bytes=%llu retention_bytes=%lld "
      "retention_ms=%lld fsync=%s",
      name.c_str(), c.partitions, static_cast<unsigned long long>(c.segment_bytes),
      static_cast<long long>(c.retention_bytes), static_cast<long long>(c.retention_ms),
      FsyncPolicyName(c.fsync));
  if (c.fsync == FsyncPolicy::kInterval) {
    std::printf(" fsync_interval_ms=%lld", static_cast<long long>(c.fsync_interval_ms));
  }
  std::printf("\n");
  for (int p = 0; p < (*topic)->partition_count(); ++p) {
    const LogPartition& partition = (*topic)->partition(p);
    std::printf("  partition %d: offsets [%lld, %lld), %d segment(s), %llu bytes", p,
                static_cast<long long>(partition.start_offset()),
                static_cast<long long>(partition.end_offset()), partition.segment_count(),
                static_cast<unsigned long long>(partition.size_bytes()));
    std::printf("%s%s\n", LostText(partition.lost_offsets()).c_str(),
                Damaged(partition.Problems()) ? ", DAMAGED (see sluice-log verify)" : "");
  }
  return absl::OkStatus();
}

absl::Status Describe() {
  if (!absl::GetFlag(FLAGS_topic).empty())
    return DescribeTopic(absl::GetFlag(FLAGS_topic));
  auto names = LogTopic::List(absl::GetFlag(FLAGS_dir));
  if (!names.ok()) return names.status();
  if (names->empty()) std::printf("no topics in %s\n", absl::GetFlag(FLAGS_dir).c_str());
  for (const std::string& name : *names) {
    if (absl::Status s = DescribeTopic(name); !s.ok()) return s;
  }
  return absl::OkStatus();
}

absl::Status Repair() {
  LogRepair::Options options;
  if (absl::GetFlag(FLAGS_missing_partition_end) >= 0) {
    options.missing_partition_end = absl::GetFlag(FLAGS_missing_partition_end);
  }
  if (absl::GetFlag(FLAGS_settings_from_flags)) {
    auto config = ConfigFromFlags();
    if (!config.ok()) return config.status();
    const absl::CommandLineFlag* partitions = absl::FindCommandLineFlag("partitions");
    if (partitions->CurrentValue() == partitions->DefaultValue()) config->partitions = 0;
    options.settings = *config;
  }
  return RepairCommand(absl::GetFlag(FLAGS_dir), absl::GetFlag(FLAGS_topic), options);
}

absl::Status Run(const std::string& command) {
  const bool any_topic = command == "describe" || command == "verify";
  if (command != "create" && command != "produce" && command != "consume" &&
      command != "repair" && !any_topic) {
    return absl::InvalidArgumentError(
        absl::StrCat("unknown command '", command,
                     "': expected create, produce, consume, describe, verify or repair"));
  }
  if (absl::Status s = RequireFlags(!any_topic); !s.ok()) return s;
  if (command == "create") return Create();
  if (command == "produce") return Produce();
  if (command == "consume") return Consume();
  if (command == "verify") {
    return VerifyCommand(absl::GetFlag(FLAGS_dir), absl::GetFlag(FLAGS_topic));
  }
  if (command == "repair") return Repair();
  return Describe();
}

}  // namespace
}  // namespace sluice::log

int main(int argc, char** argv) {
  absl::SetProgramUsageMessage(sluice::log::kUsage);
  // --help lists the flags of this file (by default only those of a file named after
  // the program).
  absl::FlagsUsageConfig usage;
  usage.contains_help_flags = [](absl::string_view path) {
    return absl::EndsWith(path, "sluice_log_main.cc");
  };
  absl::SetFlagsUsageConfig(usage);
  std::vector<char*> positional = absl::ParseCommandLine(argc, argv);
  if (positional.size() != 2) {
    std::fprintf(stderr, "%s\n\nsee --help for the flags\n", sluice::log::kUsage);
    return 2;
  }
  absl::Status status = sluice::log::Run(positional[1]);
  if (!status.ok()) {
    std::fprintf(stderr, "sluice-log %s: %s\n", positional[1], status.ToString().c_str());
    return 1;
  }
  return 0;
}
