// Checkpoints: what they cost a running job, and how long a restore takes.
//
// checkpoint_1Mkeys: a keyed tumbling count over 1M keys, run without checkpoints
// and with a checkpoint every second (each holding every key's open window). The
// ratio of the two is the overhead; both must give the same window results.
//
// recovery_100MB: a job restoring 1M keys of 100-byte values (about 110 MB of state
// files) from a checkpoint: Job::Start (load and verify every file by CRC, decode,
// rebuild the state table) against a hand-written baseline that reads the same files
// and fills a hash map with the same keys and values.
#include <stdlib.h>

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <optional>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"
#include "benchmark/benchmark.h"
#include "sluice/benchmarks/folding_sink.h"
#include "sluice/benchmarks/process_cpu_timer.h"
#include "sluice/benchmarks/temp_dir.h"
#include "sluice/benchmarks/timed_event.h"
#include "sluice/benchmarks/window_checksum.h"
#include "sluice/sluice.h"

namespace sluice::bench {
namespace {

namespace fs = std::filesystem;

// --- checkpoint overhead ---

constexpr uint64_t kOverheadEvents = 150'000'000;  // 30 s of event time
constexpr uint64_t kOverheadKeys = 1'000'000;
constexpr uint64_t kOverheadEventsPerMs = 5'000;

void BuildTumbling(Dataflow& flow, const WindowChecksumSink& sink) {
  flow.Source(GeneratorSource([](uint64_t i) {
                return TimedEvent(i, kOverheadKeys, kOverheadEventsPerMs);
              }).Count(kOverheadEvents))
      .AssignTimestamps([](const Event& e) { return e.ts; },
                        WatermarkStrategy::BoundedOutOfOrderness(kDisorderMs))
      .KeyBy([](const Event& e) { return e.key; })
      .Window(TumblingWindows(1000))
      .Aggregate(aggregates::Count())
      .Sink(sink);
}

// The results without checkpoints, which the run with them must equal.
std::optional<WindowTotals>& ReferenceTotals() {
  static std::optional<WindowTotals> totals;
  return totals;
}

void BM_CheckpointOverhead(benchmark::State& state, bool checkpoints) {
  const int threads = static_cast<int>(state.range(0));
  ProcessCpuTimer cpu_timer;
  CheckpointStats stats;
  for (auto _ : state) {
    TempDir dir;
    JobOptions options;
    options.threads = threads;
    options.parallelism = threads;
    if (checkpoints) {
      options.checkpoints.dir = dir.path();
      options.checkpoints.interval = std::chrono::milliseconds(1000);
    }
    Dataflow flow;
    WindowChecksumSink sink;
    BuildTumbling(flow, sink);
    auto job = flow.Build(options);
    absl::Status status = job.ok() ? job->Run() : job.status();
    if (!status.ok()) {
      state.SkipWithError(status.ToString().c_str());
      break;
    }
    stats = job->Checkpoints();
    std::optional<WindowTotals>& reference = ReferenceTotals();
    if (!reference) reference = sink.Result();
    if (std::string error = sink.Result().Compare(*reference); !error.empty()) {
      state.SkipWithError(error.c_str());
      break;
    }
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * kOverheadEvents));
  cpu_timer.Report(state, state.iterations() * kOverheadEvents);
  // Of the last iteration (the final checkpoint at the job's end included).
  state.counters["checkpoints"] = static_cast<double>(stats.completed);
  state.counters["largest_MB"] = static_cast<double>(stats.largest_size_bytes) / 1e6;
  state.counters["longest_pause_ms"] = stats.longest_sync_ms;
}

// --- recovery ---

constexpr uint64_t kRecoveryKeys = 1'000'000;
constexpr size_t kValueBytes = 100;

struct Holder {
  struct State {
    ValueState<std::string> value;
    auto Fields() { return std::tie(value); }
  };
  using Output = uint64_t;
  using Context = KeyedContext<uint64_t, State, Output>;
  void ProcessElement(const uint64_t& key, Context& ctx) {
    ctx.state().value.Set(std::string(kValueBytes, static_cast<char>('a' + key % 26)));
  }
  void OnTimer(int64_t, Context&) {}
};

struct Discard {
  void Fold(uint64_t) {}
  void Merge(const Discard&) {}
};

void BuildHolder(Dataflow& flow) {
  flow.Source(GeneratorSource([](uint64_t i) { return i; }).Count(kRecoveryKeys))
      .AssignTimestamps([](uint64_t i) { return static_cast<int64_t>(i); },
                        WatermarkStrategy::Monotonous())
      .KeyBy([](uint64_t key) { return key; })
      .Process(Holder{})
      .Sink(FoldingSink<uint64_t, Discard>());
}

// The checkpoint restored from, written once: a finished job's final checkpoint.
const std::string& RecoveryCheckpoint() {
  static TempDir* dir = new TempDir();  // lives until the process ends
  static std::string checkpoint = [] {
    JobOptions options;
    options.threads = 2;
    options.parallelism = 2;
    options.checkpoints.dir = dir->path();
    options.checkpoints.interval = std::chrono::milliseconds(0);
    Dataflow flow;
    BuildHolder(flow);
    auto job = flow.Build(options);
    absl::Status status = job.ok() ? job->Run() : job.status();
    if (!status.ok()) {
      std::fprintf(stderr, "recovery_100MB: %s\n", status.ToString().c_str());
      return std::string();
    }
    return absl::StrCat(dir->path(), "/",
                        fs::directory_iterator(dir->path())->path().filename().string());
  }();
  return checkpoint;
}

uint64_t DirectoryBytes(const std::string& dir) {
  uint64_t bytes = 0;
  for (const auto& entry : fs::directory_iterator(dir)) bytes += entry.file_size();
  return bytes;
}

void BM_RecoveryBaseline(benchmark::State& state) {
  const std::string& checkpoint = RecoveryCheckpoint();
  if (checkpoint.empty()) {
    state.SkipWithError("could not write the checkpoint");
    return;
  }
  for (auto _ : state) {
    absl::flat_hash_map<uint64_t, std::string> table;
    uint64_t key = 0;
    for (const auto& entry : fs::directory_iterator(checkpoint)) {
      std::ifstream in(entry.path(), std::ios::binary);
      std::string bytes((std::istreambuf_iterator<char>(in)), {});
      // Every value of the file, as the restore makes one per key.
      for (size_t at = 0; at + kValueBytes <= bytes.size() && key < kRecoveryKeys;
           at += kValueBytes + 16) {
        table.emplace(key++, bytes.substr(at, kValueBytes));
      }
    }
    benchmark::DoNotOptimize(table);
  }
  state.counters["state_MB"] = static_cast<double>(DirectoryBytes(checkpoint)) / 1e6;
}

void BM_RecoveryEngine(benchmark::State& state) {
  const std::string& checkpoint = RecoveryCheckpoint();
  if (checkpoint.empty()) {
    state.SkipWithError("could not write the checkpoint");
    return;
  }
  const int threads = static_cast<int>(state.range(0));
  for (auto _ : state) {
    state.PauseTiming();
    TempDir dir;
    JobOptions options;
    options.threads = threads;
    options.parallelism = 2;  // as the checkpoint was taken (a generator's position)
    options.checkpoints.dir = dir.path();
    options.checkpoints.interval = std::chrono::milliseconds(0);
    options.checkpoints.restore_from = checkpoint;
    Dataflow flow;
    BuildHolder(flow);
    auto job = flow.Build(options);
    if (!job.ok()) {
      state.SkipWithError(job.status().ToString().c_str());
      break;
    }
    state.ResumeTiming();
    absl::Status status = job->Start();  // loads, verifies and restores the state
    state.PauseTiming();
    if (!status.ok()) {
      state.SkipWithError(status.ToString().c_str());
      break;
    }
    job->Cancel();
    (void)job->Wait();
    state.ResumeTiming();
  }
  state.counters["state_MB"] = static_cast<double>(DirectoryBytes(checkpoint)) / 1e6;
}

[[maybe_unused]] const bool kRegistered = [] {
  for (bool with : {false, true}) {
    benchmark::RegisterBenchmark(
        with ? "checkpoint_1Mkeys/checkpoint_1s" : "checkpoint_1Mkeys/no_checkpoints",
        BM_CheckpointOverhead, with)
        ->ArgName("threads")
        ->Arg(1)
        ->Arg(2)
        ->Unit(benchmark::kMillisecond)
        ->UseRealTime()
        ->Iterations(1);
  }
  benchmark::RegisterBenchmark("recovery_100MB/baseline", BM_RecoveryBaseline)
      ->Unit(benchmark::kMillisecond)
      ->UseRealTime()
      ->Iterations(3);
  benchmark::RegisterBenchmark("recovery_100MB/engine", BM_RecoveryEngine)
      ->ArgName("threads")
      ->Arg(1)
      ->Arg(2)
      ->Unit(benchmark::kMillisecond)
      ->UseRealTime()
      ->Iterations(3);
  return true;
}();

}  // namespace
}  // namespace sluice::bench
