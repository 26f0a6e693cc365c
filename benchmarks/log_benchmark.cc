// The embedded event log (io/log): appending records to a partition and reading them
// back in order, each against a hand-written plain file doing the same work in the
// same run: the baseline writes the same records (key, value, timestamp) back to back
// through a 1 MiB buffer with write(2), padded to the same number of bytes the log
// writes, and reads them back with read(2), touching the same fields. The files live
// in the system's temp directory and stay in the page cache; fsync is left to the OS
// on both sides, so the ratios show the log's own costs: batch framing, the index
// entries, CRC-32C on write and on read, and checking every batch it reads.
#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>

#include <cstdint>
#include <cstring>
#include <filesystem>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "benchmark/benchmark.h"
#include "sluice/benchmarks/temp_dir.h"
#include "sluice/io/log/log_partition.h"
#include "sluice/io/log/record_batch.h"

namespace sluice::bench {
namespace {

namespace fs = std::filesystem;
using log::LogChunk;
using log::LogConfig;
using log::LogPartition;
using log::LogRecordView;
using log::RecordBatchBuilder;

constexpr int64_t kRecords = 2'000'000;
constexpr int64_t kRecordsPerBatch = 1000;
constexpr size_t kKeyBytes = 16;
constexpr size_t kValueBytes = 100;
constexpr size_t kPlainRecordBytes = kKeyBytes + kValueBytes + sizeof(int64_t);
constexpr size_t kChunkBytes = 1 << 20;  // reads, and the baseline's writes

// Record i: a 16-byte key, a 100-byte value and a timestamp, made in place.
struct RecordMaker {
  std::string key = std::string(kKeyBytes, 'k');
  std::string value = std::string(kValueBytes, 'v');
  int64_t Make(int64_t i) {
    std::memcpy(key.data() + 8, &i, sizeof(i));
    value[static_cast<size_t>(i) % kValueBytes] = static_cast<char>('a' + i % 26);
    return 1'700'000'000'000 + i;
  }
};

LogConfig BenchConfig() {
  LogConfig config;
  config.segment_bytes = 1ull << 30;
  config.fsync = log::FsyncPolicy::kNone;
  return config;
}

absl::StatusOr<std::unique_ptr<LogPartition>> OpenPartition(const std::string& dir) {
  return LogPartition::Open(dir, BenchConfig(), LogPartition::Access::kReadWrite,
                            [](auto) {});
}

// Appends every record; returns the partition's bytes.
absl::StatusOr<uint64_t> AppendAll(LogPartition& partition) {
  RecordBatchBuilder builder;
  RecordMaker maker;
  for (int64_t i = 0; i < kRecords; i += kRecordsPerBatch) {
    builder.Clear();
    for (int64_t j = i; j < i + kRecordsPerBatch; ++j) {
      const int64_t timestamp = maker.Make(j);
      builder.Add(maker.key, maker.value, timestamp);
    }
    if (auto base = partition.Append(builder); !base.ok()) return base.status();
  }
  return partition.size_bytes();
}

// The bytes one log run writes (0 if it failed), measured once for the baselines.
uint64_t LogBytes() {
  static const uint64_t bytes = [] {
    TempDir scratch;
    auto partition = OpenPartition(scratch.path() + "/p");
    if (!partition.ok()) return uint64_t{0};
    return AppendAll(**partition).value_or(0);
  }();
  return bytes;
}

// The baseline's writer: records back to back, then zeros up to `total` bytes.
bool WritePlain(const std::string& path, uint64_t total) {
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  if (fd < 0) return false;
  std::vector<char> buffer(kChunkBytes);
  size_t used = 0;
  uint64_t written = 0;
  bool ok = true;
  auto flush = [&] {
    ok &= ::write(fd, buffer.data(), used) == static_cast<ssize_t>(used);
    written += used;
    used = 0;
  };
  RecordMaker maker;
  for (int64_t i = 0; i < kRecords; ++i) {
    if (used + kPlainRecordBytes > buffer.size()) flush();
    const int64_t timestamp = maker.Make(i);
    char* at = buffer.data() + used;
    std::memcpy(at, maker.key.data(), kKeyBytes);
    std::memcpy(at + kKeyBytes, maker.value.data(), kValueBytes);
    std::memcpy(at + kKeyBytes + kValueBytes, &timestamp, sizeof(timestamp));
    used += kPlainRecordBytes;
  }
  while (written + used < total) {
    size_t pad = static_cast<size_t>(
        std::min<uint64_t>(buffer.size() - used, total - written - used));
    std::memset(buffer.data() + used, 0, pad);
    used += pad;
    flush();
  }
  flush();
  ::close(fd);
  return ok;
}

void BM_LogAppendBaseline(benchmark::State& state) {
  const uint64_t total = LogBytes();
  if (total == 0) state.SkipWithError("the log run that sizes the baseline failed");
  TempDir scratch;
  const std::string path = scratch.path() + "/plain";
  for (auto _ : state) {
    if (!WritePlain(path, total)) {
      state.SkipWithError("write failed");
      break;
    }
    state.PauseTiming();
    ::unlink(path.c_str());
    state.ResumeTiming();
  }
  state.SetItemsProcessed(state.iterations() * kRecords);
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * total));
}

void BM_LogAppend(benchmark::State& state) {
  TempDir scratch;
  uint64_t total = 0;
  for (auto _ : state) {
    state.PauseTiming();
    fs::remove_all(scratch.path() + "/p");
    auto partition = OpenPartition(scratch.path() + "/p");
    state.ResumeTiming();
    absl::StatusOr<uint64_t> appended =
        partition.ok() ? AppendAll(**partition) : partition.status();
    if (!appended.ok()) {
      state.SkipWithError(appended.status().ToString().c_str());
      break;
    }
    total = *appended;
    state.PauseTiming();
    partition->reset();  // closing is not part of appending
    state.ResumeTiming();
  }
  state.SetItemsProcessed(state.iterations() * kRecords);
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * total));
}

// Both readers sum each record's timestamp and the first byte of its value.
void BM_LogReadBaseline(benchmark::State& state) {
  TempDir scratch;
  const std::string path = scratch.path() + "/plain";
  if (!WritePlain(path, LogBytes())) state.SkipWithError("write failed");
  std::vector<char> buffer(kChunkBytes / kPlainRecordBytes * kPlainRecordBytes);
  for (auto _ : state) {
    int fd = ::open(path.c_str(), O_RDONLY);
    uint64_t sum = 0;
    int64_t records = 0;
    for (ssize_t n; (n = ::read(fd, buffer.data(), buffer.size())) > 0;) {
      for (ssize_t at = 0;
           at + static_cast<ssize_t>(kPlainRecordBytes) <= n && records < kRecords;
           at += kPlainRecordBytes, ++records) {
        int64_t timestamp;
        std::memcpy(&timestamp, buffer.data() + at + kKeyBytes + kValueBytes,
                    sizeof(timestamp));
        sum += static_cast<uint64_t>(timestamp) +
               static_cast<unsigned char>(buffer[at + kKeyBytes]);
      }
    }
    ::close(fd);
    if (records != kRecords) state.SkipWithError("records missing");
    benchmark::DoNotOptimize(sum);
  }
  state.SetItemsProcessed(state.iterations() * kRecords);
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * LogBytes()));
}

void BM_LogRead(benchmark::State& state) {
  TempDir scratch;
  auto opened = OpenPartition(scratch.path() + "/p");
  absl::StatusOr<uint64_t> total = opened.ok() ? AppendAll(**opened) : opened.status();
  if (!total.ok()) {
    state.SkipWithError(total.status().ToString().c_str());
    return;
  }
  LogPartition* partition = opened->get();
  LogChunk chunk;
  for (auto _ : state) {
    uint64_t sum = 0;
    int64_t records = 0;
    for (int64_t offset = 0; offset < kRecords; offset = chunk.next_offset()) {
      if (absl::Status s = partition->Read(offset, kChunkBytes, &chunk); !s.ok()) {
        state.SkipWithError(s.ToString().c_str());
        return;
      }
      chunk.ForEach([&](const LogRecordView& record) {
        sum += static_cast<uint64_t>(record.timestamp()) +
               static_cast<unsigned char>(record.value()[0]);
        ++records;
      });
    }
    if (records != kRecords) state.SkipWithError("records missing");
    benchmark::DoNotOptimize(sum);
  }
  state.SetItemsProcessed(state.iterations() * kRecords);
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * *total));
}

const bool kRegistered = [] {
  benchmark::RegisterBenchmark("log_append/baseline", BM_LogAppendBaseline)
      ->Unit(benchmark::kMillisecond)
      ->UseRealTime();
  benchmark::RegisterBenchmark("log_append/engine/threads:1", BM_LogAppend)
      ->Unit(benchmark::kMillisecond)
      ->UseRealTime();
  benchmark::RegisterBenchmark("log_read/baseline", BM_LogReadBaseline)
      ->Unit(benchmark::kMillisecond)
      ->UseRealTime();
  benchmark::RegisterBenchmark("log_read/engine/threads:1", BM_LogRead)
      ->Unit(benchmark::kMillisecond)
      ->UseRealTime();
  return true;
}();

}  // namespace
}  // namespace sluice::bench
