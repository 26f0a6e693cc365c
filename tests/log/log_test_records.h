// Records for the event log's tests, kept as plain values (the model the log's
// contents are compared with), and the helpers that append and read them back.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "sluice/io/log/log_partition.h"
#include "sluice/io/log/record_batch.h"

namespace sluice::log::testing {

struct ModelRecord {
  std::string key;
  std::string value;
  int64_t timestamp = 0;
  std::vector<std::pair<std::string, std::string>> headers;

  bool operator==(const ModelRecord&) const = default;
};

inline ModelRecord FromView(const LogRecordView& view) {
  ModelRecord record{
      std::string(view.key()), std::string(view.value()), view.timestamp(), {}};
  for (size_t i = 0; i < view.header_count(); ++i) {
    LogHeaderView h = view.header(i);
    record.headers.emplace_back(std::string(h.key), std::string(h.value));
  }
  return record;
}

// Record i of a deterministic stream: sizes vary, some have headers, some no key.
inline ModelRecord MakeRecord(int64_t i) {
  ModelRecord record;
  if (i % 5 != 0) record.key = absl::StrCat("key-", i % 37);
  record.value = std::string(static_cast<size_t>(1 + (i * 131) % 300), 'a' + i % 26);
  record.timestamp = 1'700'000'000'000 + i * 10;
  if (i % 3 == 0) record.headers.emplace_back("trace", absl::StrCat("t", i));
  return record;
}

inline void AddTo(RecordBatchBuilder& builder, const ModelRecord& record) {
  std::vector<LogHeaderView> headers;
  for (const auto& [k, v] : record.headers) headers.push_back(LogHeaderView{k, v});
  builder.Add(record.key, record.value, record.timestamp, headers);
}

// Appends records [first, first + count) of MakeRecord as one batch.
inline int64_t AppendRange(LogPartition& partition, int64_t first, int64_t count) {
  RecordBatchBuilder builder;
  for (int64_t i = first; i < first + count; ++i) AddTo(builder, MakeRecord(i));
  auto base = partition.Append(builder);
  EXPECT_TRUE(base.ok()) << base.status();
  return base.ok() ? *base : -1;
}

// Small segments and a sparse index every 512 bytes, so that tests roll often.
inline LogConfig SmallSegments() {
  LogConfig config;
  config.segment_bytes = 8192;
  config.index_interval_bytes = 512;
  config.fsync = FsyncPolicy::kNone;
  return config;
}

inline std::unique_ptr<LogPartition> OpenOrDie(const std::string& dir,
                                               const LogConfig& config,
                                               LogPartition::Access access,
                                               LogWarning warn) {
  auto partition = LogPartition::Open(dir, config, access, std::move(warn));
  EXPECT_TRUE(partition.ok()) << partition.status();
  return partition.ok() ? std::move(*partition) : nullptr;
}

// Everything from `offset` to the end, `max_bytes` per read.
inline std::vector<ModelRecord> ReadAll(const LogPartition& partition, int64_t offset,
                                        size_t max_bytes = 1 << 16) {
  std::vector<ModelRecord> records;
  LogChunk chunk;
  while (offset < partition.end_offset()) {
    absl::Status status = partition.Read(offset, max_bytes, &chunk);
    EXPECT_TRUE(status.ok()) << status;
    if (!status.ok() || chunk.empty()) break;
    int64_t expected = offset;
    chunk.ForEach([&](const LogRecordView& view) {
      EXPECT_EQ(view.offset(), expected++);
      records.push_back(FromView(view));
    });
    offset = chunk.next_offset();
  }
  return records;
}

inline std::vector<ModelRecord> Model(int64_t first, int64_t end) {
  std::vector<ModelRecord> records;
  for (int64_t i = first; i < end; ++i) records.push_back(MakeRecord(i));
  return records;
}

}  // namespace sluice::log::testing
