// LogSink in a job: 2M records (a 16-byte key, a 100-byte value)
// from a generator, appended to a topic of 4 partitions by key.
//
// log_sink/baseline: a hand-written loop making the same records, choosing the
// partition by the same key hash, and appending them to the same kind of topic in
// batches of 1,000 per partition. log_sink/engine: the job as it runs by default
// with checkpoints (every second), exactly once: each checkpoint's records are
// written into the checkpoint (fsynced) and appended when it completes.
// log_sink/at_least_once: the same job with .AtLeastOnce(). Both jobs take checkpoints,
// so the difference between them is the cost of exactly once. Each run checks that the
// topic holds every record once.
#include <chrono>
#include <cstdint>
#include <cstring>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "benchmark/benchmark.h"
#include "sluice/benchmarks/process_cpu_timer.h"
#include "sluice/benchmarks/temp_dir.h"
#include "sluice/io/log/log_topic.h"
#include "sluice/sluice.h"

namespace sluice::bench {
namespace {

constexpr int64_t kRecords = 2'000'000;
constexpr int kPartitions = 4;
constexpr size_t kKeyBytes = 16;
constexpr size_t kValueBytes = 100;
constexpr int64_t kBatchRecords = 1000;

// Record i's key (16 bytes, 50,000 distinct) and value (100 bytes).
void MakeKey(int64_t i, std::string* key) {
  key->assign(kKeyBytes, 'k');
  const int64_t k = i % 50'000;
  std::memcpy(key->data() + 8, &k, sizeof(k));
}
void MakeValue(int64_t i, std::string* value) {
  value->assign(kValueBytes, 'v');
  std::memcpy(value->data(), &i, sizeof(i));
}

absl::StatusOr<std::unique_ptr<log::LogTopic>> CreateTopic(const std::string& dir) {
  log::LogConfig config;
  config.partitions = kPartitions;
  config.segment_bytes = 1ull << 30;
  config.fsync = log::FsyncPolicy::kNone;
  return log::LogTopic::Create(dir, "out", config);
}

// Every partition's records add up to kRecords.
absl::Status CheckCount(const std::string& dir) {
  auto topic = log::LogTopic::Open(dir, "out", log::LogPartition::Access::kReadOnly);
  if (!topic.ok()) return topic.status();
  int64_t total = 0;
  for (int p = 0; p < kPartitions; ++p) total += (*topic)->partition(p).end_offset();
  if (total == kRecords) return absl::OkStatus();
  return absl::InternalError(absl::StrCat("the topic holds ", total, " records"));
}

absl::Status AppendByHand(log::LogTopic& topic) {
  std::vector<log::RecordBatchBuilder> builders(kPartitions);
  std::string key, value;
  auto flush = [&](int p) -> absl::Status {
    if (builders[p].empty()) return absl::OkStatus();
    auto base = topic.partition(p).Append(builders[p]);
    builders[p].Clear();
    return base.status();
  };
  for (int64_t i = 0; i < kRecords; ++i) {
    MakeKey(i, &key);
    MakeValue(i, &value);
    const int p = topic.PartitionForKey(key);
    builders[p].Add(key, value, i);
    if (builders[p].record_count() < kBatchRecords) continue;
    if (absl::Status s = flush(p); !s.ok()) return s;
  }
  for (int p = 0; p < kPartitions; ++p) {
    if (absl::Status s = flush(p); !s.ok()) return s;
  }
  return absl::OkStatus();
}

void BM_LogSinkBaseline(benchmark::State& state) {
  for (auto _ : state) {
    state.PauseTiming();
    TempDir dir;
    auto topic = CreateTopic(dir.path());
    state.ResumeTiming();
    absl::Status status = topic.ok() ? AppendByHand(**topic) : topic.status();
    state.PauseTiming();
    topic = nullptr;  // closing is not part of appending
    if (status.ok()) status = CheckCount(dir.path());
    state.ResumeTiming();
    if (!status.ok()) {
      state.SkipWithError(status.ToString().c_str());
      break;
    }
  }
  state.SetItemsProcessed(state.iterations() * kRecords);
}

void BM_LogSinkJob(benchmark::State& state, bool exactly_once) {
  ProcessCpuTimer cpu_timer;
  CheckpointStats stats;
  for (auto _ : state) {
    state.PauseTiming();
    TempDir dir;
    absl::Status status = CreateTopic(dir.path()).status();
    JobOptions options;
    options.threads = 1;
    options.parallelism = 1;
    options.checkpoints.dir = dir.path() + "/checkpoints";
    options.checkpoints.interval = std::chrono::milliseconds(1000);
    Dataflow flow;
    auto records = flow.Source(
        GeneratorSource([](uint64_t i) { return int64_t(i); }).Count(kRecords));
    auto to_record = [](int64_t i) {
      LogMessage record;
      MakeKey(i, &record.key);
      MakeValue(i, &record.value);
      record.timestamp = i;
      return record;
    };
    if (exactly_once) {
      records.Sink(LogSink<int64_t>(dir.path(), "out", to_record));
    } else {
      records.Sink(LogSink<int64_t>(dir.path(), "out", to_record).AtLeastOnce());
    }
    state.ResumeTiming();
    auto job = flow.Build(options);
    if (status.ok()) status = job.ok() ? job->Run() : job.status();
    state.PauseTiming();
    if (status.ok()) status = CheckCount(dir.path());
    if (status.ok()) stats = job->Checkpoints();
    state.ResumeTiming();
    if (!status.ok()) {
      state.SkipWithError(status.ToString().c_str());
      break;
    }
  }
  state.SetItemsProcessed(state.iterations() * kRecords);
  cpu_timer.Report(state, state.iterations() * kRecords);
  state.counters["checkpoints"] = static_cast<double>(stats.completed);
  state.counters["largest_MB"] = static_cast<double>(stats.largest_size_bytes) / 1e6;
}

const bool kRegistered = [] {
  benchmark::RegisterBenchmark("log_sink/baseline", BM_LogSinkBaseline)
      ->Unit(benchmark::kMillisecond)
      ->UseRealTime();
  benchmark::RegisterBenchmark("log_sink/at_least_once/threads:1", BM_LogSinkJob, false)
      ->Unit(benchmark::kMillisecond)
      ->UseRealTime();
  benchmark::RegisterBenchmark("log_sink/engine/threads:1", BM_LogSinkJob, true)
      ->Unit(benchmark::kMillisecond)
      ->UseRealTime();
  return true;
}();

}  // namespace
}  // namespace sluice::bench
