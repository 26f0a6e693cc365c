// The embedded event log (io/log): appending records to a partition and reading them
// back in order, each against a plain sequential write / read of the same bytes to a
// file in the same directory, in the same run. The files live in the system's temp
// directory and stay in the page cache; fsync is left to the OS on both sides, so the
// cases measure the log's own work: building the FlatBuffers batches, CRC-32C, the
// index, and on reading, checking CRCs and walking every record.
#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "benchmark/benchmark.h"
#include "io/log/log_partition.h"
#include "io/log/record_batch.h"

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
constexpr size_t kValueBytes = 100;
constexpr size_t kChunkBytes = 1 << 20;  // reads, and the baseline's writes

// A scratch directory under the system temp directory, removed afterwards.
class ScratchDir {
 public:
  ScratchDir() {
    std::string pattern =
        (fs::temp_directory_path() / "sluice_log_bench_XXXXXX").string();
    path_ = ::mkdtemp(pattern.data()) != nullptr ? pattern : std::string();
  }
  ~ScratchDir() {
    std::error_code error;
    if (!path_.empty()) fs::remove_all(path_, error);
  }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

LogConfig BenchConfig() {
  LogConfig config;
  config.segment_bytes = 1ull << 30;
  config.fsync = log::FsyncPolicy::kNone;
  return config;
}

// Record i: a 16-byte key, a 100-byte value, a timestamp.
void AddRecord(RecordBatchBuilder& builder, int64_t i, std::string& key,
               std::string& value) {
  key.replace(8, 8, reinterpret_cast<const char*>(&i), 8);
  value[i % kValueBytes] = static_cast<char>('a' + i % 26);
  builder.Add(key, value, 1'700'000'000'000 + i);
}

// Appends every record; returns the partition's bytes.
absl::StatusOr<uint64_t> AppendAll(LogPartition& partition) {
  RecordBatchBuilder builder;
  std::string key(16, 'k'), value(kValueBytes, 'v');
  for (int64_t i = 0; i < kRecords; i += kRecordsPerBatch) {
    builder.Clear();
    for (int64_t j = i; j < i + kRecordsPerBatch; ++j) AddRecord(builder, j, key, value);
    if (auto base = partition.Append(builder); !base.ok()) return base.status();
  }
  return partition.size_bytes();
}

absl::StatusOr<std::unique_ptr<LogPartition>> OpenPartition(const std::string& dir) {
  return LogPartition::Open(dir, BenchConfig(), LogPartition::Access::kReadWrite,
                            [](auto) {});
}

// The bytes one log run writes (0 if it failed), measured once for the baselines.
uint64_t LogBytes() {
  static const uint64_t bytes = [] {
    ScratchDir scratch;
    auto partition = OpenPartition(scratch.path() + "/p");
    if (!partition.ok()) return uint64_t{0};
    return AppendAll(**partition).value_or(0);
  }();
  return bytes;
}

void BM_LogAppendBaseline(benchmark::State& state) {
  const uint64_t total = LogBytes();
  if (total == 0) state.SkipWithError("the log run that sizes the baseline failed");
  const std::string chunk(kChunkBytes, 'x');
  ScratchDir scratch;
  for (auto _ : state) {
    const std::string path = scratch.path() + "/plain";
    int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    for (uint64_t written = 0; written < total;) {
      size_t n = static_cast<size_t>(std::min<uint64_t>(kChunkBytes, total - written));
      if (::write(fd, chunk.data(), n) != static_cast<ssize_t>(n)) {
        state.SkipWithError("write failed");
        break;
      }
      written += n;
    }
    ::close(fd);
    state.PauseTiming();
    ::unlink(path.c_str());
    state.ResumeTiming();
  }
  state.SetItemsProcessed(state.iterations() * kRecords);
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * total));
}

void BM_LogAppend(benchmark::State& state) {
  ScratchDir scratch;
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
  }
  state.SetItemsProcessed(state.iterations() * kRecords);
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * total));
}

void BM_LogReadBaseline(benchmark::State& state) {
  ScratchDir scratch;
  const std::string path = scratch.path() + "/plain";
  {
    int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    const std::string chunk(kChunkBytes, 'x');
    for (uint64_t written = 0; written < LogBytes(); written += kChunkBytes) {
      (void)!::write(fd, chunk.data(),
                     std::min<uint64_t>(kChunkBytes, LogBytes() - written));
    }
    ::close(fd);
  }
  std::vector<char> buffer(kChunkBytes);
  for (auto _ : state) {
    int fd = ::open(path.c_str(), O_RDONLY);
    uint64_t sum = 0;
    for (ssize_t n; (n = ::read(fd, buffer.data(), buffer.size())) > 0;) {
      sum += static_cast<uint64_t>(n);
    }
    ::close(fd);
    benchmark::DoNotOptimize(sum);
  }
  state.SetItemsProcessed(state.iterations() * kRecords);
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * LogBytes()));
}

void BM_LogRead(benchmark::State& state) {
  ScratchDir scratch;
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
        sum += record.key().size() + record.value().size();
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
