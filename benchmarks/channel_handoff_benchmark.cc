// Batches of events handed from one task to another through a sluice::Channel:
// generator -> checksum sink with chaining off, so the two run as separate tasks joined
// by one channel. The baseline hands the same batches between two threads through a
// mutex/condition-variable bounded queue.
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <mutex>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "benchmark/benchmark.h"
#include "sluice/benchmarks/baseline_and_engine.h"
#include "sluice/benchmarks/benchmark_event.h"
#include "sluice/benchmarks/checksum_sink.h"
#include "sluice/benchmarks/process_cpu_timer.h"
#include "sluice/sluice.h"

namespace sluice::bench {
namespace {

constexpr uint64_t kEvents = 20'000'000;
constexpr uint64_t kKeys = 1024;
// The engine's defaults (JobOptions::batch_size, JobOptions::channel_capacity).
constexpr size_t kBatchSize = 1024;
constexpr size_t kQueueCapacity = 8;

// A bounded queue of batches between one producer and one consumer thread. Emptied
// batches go back to the producer through a free list, as the engine's BatchPool does.
class BatchQueue {
 public:
  // Blocks while the queue holds kQueueCapacity batches.
  void Push(std::vector<Event> batch) {
    std::unique_lock<std::mutex> lock(mutex_);
    room_.wait(lock, [this] { return full_.size() < kQueueCapacity; });
    full_.push_back(std::move(batch));
    ready_.notify_one();
  }
  void Close() {
    std::lock_guard<std::mutex> lock(mutex_);
    closed_ = true;
    ready_.notify_one();
  }
  // Blocks until a batch arrives; false once the queue is closed and drained. The
  // batch `*batch` held before the call (already consumed) goes to the free list.
  bool Pop(std::vector<Event>* batch) {
    std::unique_lock<std::mutex> lock(mutex_);
    if (batch->capacity() > 0) {
      batch->clear();
      free_.push_back(std::move(*batch));
    }
    ready_.wait(lock, [this] { return !full_.empty() || closed_; });
    if (full_.empty()) return false;
    *batch = std::move(full_.front());
    full_.pop_front();
    room_.notify_one();
    return true;
  }
  std::vector<Event> TakeFree() {
    std::lock_guard<std::mutex> lock(mutex_);
    if (free_.empty()) return {};
    std::vector<Event> batch = std::move(free_.back());
    free_.pop_back();
    return batch;
  }

 private:
  std::mutex mutex_;
  std::condition_variable ready_;
  std::condition_variable room_;
  std::deque<std::vector<Event>> full_;
  std::vector<std::vector<Event>> free_;
  bool closed_ = false;
};

Totals RunBaseline() {
  BatchQueue queue;
  std::thread producer([&queue] {
    uint64_t next = 0;
    while (next < kEvents) {
      std::vector<Event> batch = queue.TakeFree();
      batch.reserve(kBatchSize);
      for (size_t i = 0; i < kBatchSize && next < kEvents; ++i) {
        batch.push_back(GenerateEvent(next++, kKeys));
      }
      queue.Push(std::move(batch));
    }
    queue.Close();
  });
  Totals totals;
  std::thread consumer([&queue, &totals] {
    Totals local;  // not `totals`: its cache line may be shared with the queue's
    std::vector<Event> batch;
    while (queue.Pop(&batch)) {
      for (const Event& e : batch) local.Fold(e);
    }
    totals = local;
  });
  producer.join();
  consumer.join();
  return totals;
}

Totals ExpectedTotals() {
  Totals totals;
  for (uint64_t i = 0; i < kEvents; ++i) totals.Fold(GenerateEvent(i, kKeys));
  return totals;
}

std::string CompareTotals(const Totals& got, const Totals& want) {
  if (got.events != want.events || got.value_sum != want.value_sum ||
      got.key_count_hash != want.key_count_hash) {
    return absl::StrCat("received ", got.events, " events (want ", want.events,
                        ") or their checksum differs");
  }
  return "";
}

void BM_ChannelHandoffBaseline(benchmark::State& state) {
  const Totals want = ExpectedTotals();
  ProcessCpuTimer cpu_timer;
  for (auto _ : state) {
    std::string error = CompareTotals(RunBaseline(), want);
    if (!error.empty()) {
      state.SkipWithError(error.c_str());
      break;
    }
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * kEvents));
  cpu_timer.Report(state, state.iterations() * kEvents);
}

// One generator instance and one sink instance whatever the thread count: the case
// measures the hand-off between exactly two tasks; threads:1 runs both on one thread.
void BM_ChannelHandoffEngine(benchmark::State& state) {
  const int threads = static_cast<int>(state.range(0));
  const Totals want = ExpectedTotals();
  JobOptions options;
  options.threads = threads;
  options.parallelism = threads;
  options.chaining = false;
  ProcessCpuTimer cpu_timer;
  for (auto _ : state) {
    Dataflow flow;
    ChecksumSink sink;
    flow.Source(GeneratorSource([](uint64_t i) {
                  return GenerateEvent(i, kKeys);
                }).Count(kEvents))
        .Parallelism(1)
        .Sink(sink)
        .Parallelism(1);
    absl::Status status = flow.Run(options);
    if (!status.ok()) {
      state.SkipWithError(status.ToString().c_str());
      break;
    }
    std::string error = CompareTotals(sink.Result(), want);
    if (!error.empty()) {
      state.SkipWithError(error.c_str());
      break;
    }
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * kEvents));
  cpu_timer.Report(state, state.iterations() * kEvents);
}

const bool kRegistered = [] {
  RegisterBaselineAndEngine("channel_handoff", BM_ChannelHandoffBaseline,
                            BM_ChannelHandoffEngine);
  return true;
}();

}  // namespace
}  // namespace sluice::bench
