// Window latency: the wall-clock delay from the watermark passing a window's end to
// that window's result reaching the sink, with the source held at a fixed rate
// (kRate, about half of what the engine sustains on this job at one thread).
//
// The watermark side is timed in the timestamp operator's watermark generator: the
// moment its watermark first reaches a window's end - 1 (with several source
// instances, the last of them to get there, since the window operator works on the
// minimum). The sink times each window's first result. The baseline does the same
// work by hand with two threads: a producer counts per window and, when its watermark
// passes a window, hands the window's counts to a consumer thread through a
// mutex/condvar queue. Reported: latency_p50_us, latency_p99_us, latency_max_us.
#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "benchmark/benchmark.h"
#include "sluice/benchmarks/baseline_and_engine.h"
#include "sluice/benchmarks/timed_event.h"
#include "sluice/sluice.h"

namespace sluice::bench {
namespace {

using Clock = std::chrono::steady_clock;

constexpr uint64_t kEvents = 10'000'000;
constexpr uint64_t kKeys = 100;
constexpr uint64_t kEventsPerMs = 1000;  // 1 s of event time per 1M events
constexpr int64_t kWindowMs = 100;
constexpr double kRate = 50e6;  // events per second of wall time

// Window end -> when the watermark passed it, and when its first result arrived.
class LatencyProbe {
 public:
  void WatermarkPassed(int64_t end, Clock::time_point now) {
    std::lock_guard<std::mutex> lock(mutex_);
    Clock::time_point& passed = passed_[end];
    passed = std::max(passed, now);  // the last instance to pass it
  }
  void ResultArrived(int64_t end, Clock::time_point now) {
    std::lock_guard<std::mutex> lock(mutex_);
    arrived_.try_emplace(end, now);
  }
  // Microseconds per window that has both times; windows ending with the input
  // (fired by end-of-input, not by the watermark) are left out.
  std::vector<double> LatenciesMicros() const {
    std::lock_guard<std::mutex> lock(mutex_);
    std::vector<double> micros;
    const int64_t last_end = arrived_.empty() ? 0 : arrived_.rbegin()->first;
    for (const auto& [end, arrived] : arrived_) {
      // The last windows may have been passed by one source instance only.
      if (end > last_end - 2 * kWindowMs) break;
      auto passed = passed_.find(end);
      if (passed == passed_.end()) continue;
      micros.push_back(
          std::chrono::duration<double, std::micro>(arrived - passed->second).count());
    }
    return micros;
  }

 private:
  mutable std::mutex mutex_;
  std::map<int64_t, Clock::time_point> passed_;
  std::map<int64_t, Clock::time_point> arrived_;
};

// Bounded out-of-orderness, noting when the watermark passes each window end.
class ProbingWatermarks final : public WatermarkGenerator<Event> {
 public:
  explicit ProbingWatermarks(LatencyProbe* probe) : probe_(probe) {}
  void OnEvent(const Event&, int64_t timestamp) override {
    max_ts_ = std::max(max_ts_, timestamp);
  }
  int64_t CurrentWatermark() const override {
    int64_t watermark = WatermarkAfter(max_ts_);
    if (max_ts_ == kMinWatermark) return kMinWatermark;
    // Every window end e with e - 1 <= watermark that was not passed before.
    int64_t end = FloorTo(watermark + 1, kWindowMs);
    if (end > last_end_) {
      Clock::time_point now = Clock::now();
      for (int64_t e = std::max(last_end_ + kWindowMs, end - 100 * kWindowMs); e <= end;
           e += kWindowMs) {
        probe_->WatermarkPassed(e, now);
      }
      last_end_ = end;
    }
    return watermark;
  }

 private:
  LatencyProbe* probe_;
  int64_t max_ts_ = kMinWatermark;
  mutable int64_t last_end_ = kMinWatermark / 2;
};

void Report(benchmark::State& state, std::vector<double> micros) {
  if (micros.empty()) {
    state.SkipWithError("no window was timed");
    return;
  }
  std::sort(micros.begin(), micros.end());
  auto at = [&](double q) {
    return micros[std::min(micros.size() - 1, static_cast<size_t>(q * micros.size()))];
  };
  state.counters["latency_p50_us"] = at(0.5);
  state.counters["latency_p99_us"] = at(0.99);
  state.counters["latency_max_us"] = micros.back();
  state.counters["windows_timed"] = static_cast<double>(micros.size());
}

void BM_LatencyEngine(benchmark::State& state) {
  const int threads = static_cast<int>(state.range(0));
  JobOptions options;
  options.threads = threads;
  options.parallelism = threads;
  std::vector<double> micros;
  for (auto _ : state) {
    auto probe = std::make_shared<LatencyProbe>();
    Dataflow flow;
    flow.Source(
            GeneratorSource([](uint64_t i) { return TimedEvent(i, kKeys, kEventsPerMs); })
                .Count(kEvents)
                .RatePerSecond(kRate))
        .AssignTimestamps(
            [](const Event& e) { return e.ts; },
            [probe] { return std::make_unique<ProbingWatermarks>(probe.get()); })
        .KeyBy([](const Event& e) { return e.key; })
        .Window(TumblingWindows(kWindowMs))
        .Aggregate(aggregates::Count())
        .Sink([probe](const WindowResult<uint64_t, int64_t>& r) {
          probe->ResultArrived(r.end, Clock::now());
        });
    if (absl::Status status = flow.Run(options); !status.ok()) {
      state.SkipWithError(status.ToString().c_str());
      return;
    }
    std::vector<double> run = probe->LatenciesMicros();
    micros.insert(micros.end(), run.begin(), run.end());
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * kEvents));
  Report(state, std::move(micros));
}

// The same counting by hand: a producer paced at kRate counts per window, and a
// consumer thread receives each window's counts when the producer's watermark passes
// it.
void BM_LatencyBaseline(benchmark::State& state) {
  std::vector<double> micros;
  for (auto _ : state) {
    struct Handoff {
      int64_t end;
      Clock::time_point passed;
      absl::flat_hash_map<uint64_t, int64_t> counts;
    };
    std::mutex mutex;
    std::condition_variable ready;
    std::deque<Handoff> queue;
    bool done = false;
    std::vector<double> run;
    std::thread consumer([&] {
      uint64_t checksum = 0;
      for (;;) {
        std::unique_lock<std::mutex> lock(mutex);
        ready.wait(lock, [&] { return !queue.empty() || done; });
        if (queue.empty()) break;
        Handoff h = std::move(queue.front());
        queue.pop_front();
        lock.unlock();
        for (const auto& [key, count] : h.counts) checksum += key * count;
        run.push_back(
            std::chrono::duration<double, std::micro>(Clock::now() - h.passed).count());
      }
      benchmark::DoNotOptimize(checksum);
    });
    std::map<int64_t, absl::flat_hash_map<uint64_t, int64_t>> windows;
    int64_t max_ts = kMinWatermark;
    Clock::time_point start = Clock::now();
    for (uint64_t i = 0; i < kEvents; ++i) {
      Event e = TimedEvent(i, kKeys, kEventsPerMs);
      max_ts = std::max(max_ts, e.ts);
      ++windows[FloorTo(e.ts, kWindowMs)][e.key];
      if ((i + 1) % 1024 != 0) continue;
      // Pace like the engine's source: no faster than kRate.
      auto due = start + std::chrono::duration_cast<Clock::duration>(
                             std::chrono::duration<double>((i + 1) / kRate));
      std::this_thread::sleep_until(due);
      int64_t watermark = WatermarkAfter(max_ts);
      Clock::time_point now = Clock::now();
      while (!windows.empty() && windows.begin()->first + kWindowMs - 1 <= watermark) {
        auto node = windows.extract(windows.begin());
        std::lock_guard<std::mutex> lock(mutex);
        queue.push_back(Handoff{node.key() + kWindowMs, now, std::move(node.mapped())});
        ready.notify_one();
      }
    }
    {
      std::lock_guard<std::mutex> lock(mutex);
      done = true;
      ready.notify_one();
    }
    consumer.join();
    micros.insert(micros.end(), run.begin(), run.end());
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * kEvents));
  Report(state, std::move(micros));
}

const bool kRegistered = [] {
  BaselineAndEngine runs =
      RegisterBaselineAndEngine("window_latency", BM_LatencyBaseline, BM_LatencyEngine);
  runs.baseline->Iterations(3);
  runs.engine->Iterations(3);
  return true;
}();

}  // namespace
}  // namespace sluice::bench
