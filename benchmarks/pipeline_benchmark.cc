// generator -> map -> filter (1/3 pass) -> keyed rolling sum -> checksum sink, run by
// the engine at 1 and 2 threads and by a hand-written single-threaded loop doing the
// same work. Throughput is events generated per second of wall time.
#include <cstdint>
#include <map>
#include <string>
#include <utility>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"
#include "benchmark/benchmark.h"
#include "sluice/benchmarks/baseline_and_engine.h"
#include "sluice/benchmarks/benchmark_event.h"
#include "sluice/benchmarks/checksum_sink.h"
#include "sluice/benchmarks/process_cpu_timer.h"
#include "sluice/sluice.h"

namespace sluice::bench {
namespace {

struct PipelineCase {
  const char* name;
  uint64_t events;
  uint64_t keys;
};

constexpr PipelineCase kSmallKeySpace{"pipeline_100keys", 20'000'000, 100};
constexpr PipelineCase kLargeKeySpace{"pipeline_1Mkeys", 10'000'000, 1'000'000};

// The baseline: the pipeline's work as one fused loop, state in the same hash map the
// engine's keyed reduce uses, and the same rolling-update semantics.
Totals RunBaseline(const PipelineCase& c) {
  absl::flat_hash_map<uint64_t, Event> sums;
  Totals totals;
  for (uint64_t i = 0; i < c.events; ++i) {
    Event e = MapEvent(GenerateEvent(i, c.keys));
    if (!KeepEvent(e)) continue;
    auto [it, inserted] = sums.try_emplace(e.key, e);
    if (!inserted) it->second = SumEvents(it->second, e);
    totals.Fold(it->second);
  }
  return totals;
}

// The baseline's result for a case, computed once (outside any timed region).
const Totals& ExpectedTotals(const PipelineCase& c) {
  static auto* cache = new std::map<std::string, Totals>();
  auto it = cache->find(c.name);
  if (it == cache->end()) it = cache->emplace(c.name, RunBaseline(c)).first;
  return it->second;
}

// Empty when `got` matches the baseline. With one source instance the order of each
// key's events is fixed, so the order-dependent value sum must match too.
std::string CompareTotals(const Totals& got, const Totals& want, bool ordered) {
  if (got.events != want.events) {
    return absl::StrCat("engine emitted ", got.events, " events, baseline ", want.events);
  }
  if (got.key_count_hash != want.key_count_hash) {
    return "engine's per-key counts differ from the baseline's";
  }
  if (ordered && got.value_sum != want.value_sum) {
    return "engine's rolling sums differ from the baseline's";
  }
  return "";
}

void BM_PipelineBaseline(benchmark::State& state, PipelineCase c) {
  const Totals& want = ExpectedTotals(c);
  ProcessCpuTimer cpu_timer;
  for (auto _ : state) {
    Totals got = RunBaseline(c);
    benchmark::DoNotOptimize(got);
    std::string error = CompareTotals(got, want, /*ordered=*/true);
    if (!error.empty()) {
      state.SkipWithError(error.c_str());
      break;
    }
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * c.events));
  cpu_timer.Report(state, state.iterations() * c.events);
}

void BM_PipelineEngine(benchmark::State& state, PipelineCase c) {
  const int threads = static_cast<int>(state.range(0));
  const Totals& want = ExpectedTotals(c);
  JobOptions options;
  options.threads = threads;
  options.parallelism = threads;
  const uint64_t keys = c.keys;
  ProcessCpuTimer cpu_timer;
  for (auto _ : state) {
    Dataflow flow;
    ChecksumSink sink;
    flow.Source(GeneratorSource([keys](uint64_t i) {
                  return GenerateEvent(i, keys);
                }).Count(c.events))
        .Map([](const Event& e) { return MapEvent(e); })
        .Filter([](const Event& e) { return KeepEvent(e); })
        .KeyBy([](const Event& e) { return e.key; })
        .Reduce([](const Event& a, const Event& b) { return SumEvents(a, b); })
        .Sink(sink);
    absl::Status status = flow.Run(options);
    if (!status.ok()) {
      state.SkipWithError(status.ToString().c_str());
      break;
    }
    std::string error = CompareTotals(sink.Result(), want, /*ordered=*/threads == 1);
    if (!error.empty()) {
      state.SkipWithError(error.c_str());
      break;
    }
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * c.events));
  cpu_timer.Report(state, state.iterations() * c.events);
}

const bool kRegistered = [] {
  for (const PipelineCase& c : {kSmallKeySpace, kLargeKeySpace}) {
    RegisterBaselineAndEngine(c.name, BM_PipelineBaseline, BM_PipelineEngine, c);
  }
  return true;
}();

}  // namespace
}  // namespace sluice::bench
