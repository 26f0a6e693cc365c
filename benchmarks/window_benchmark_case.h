// One windowed benchmark case: a hand-written baseline and the engine dataflow doing
// the same work, registered as <name>/baseline and <name>/engine/threads:{1,2}. The
// engine's window results must fold to the baseline's, or the run fails.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <utility>

#include "absl/strings/str_cat.h"
#include "benchmark/benchmark.h"
#include "sluice/benchmarks/process_cpu_timer.h"
#include "sluice/benchmarks/window_checksum.h"
#include "sluice/sluice.h"

namespace sluice::bench {

struct WindowCase {
  std::string name;
  uint64_t events;
  std::function<WindowTotals()> baseline;
  // Adds the dataflow, ending in `sink`.
  std::function<void(Dataflow&, const WindowChecksumSink&)> build;
};

// The baseline's result, computed once per case outside any timed region.
inline const WindowTotals& ExpectedWindowTotals(const WindowCase& c) {
  static auto* cache = new std::map<std::string, WindowTotals>();
  auto it = cache->find(c.name);
  if (it == cache->end()) it = cache->emplace(c.name, c.baseline()).first;
  return it->second;
}

inline void BM_WindowBaseline(benchmark::State& state, const WindowCase& c) {
  const WindowTotals& want = ExpectedWindowTotals(c);
  ProcessCpuTimer cpu_timer;
  for (auto _ : state) {
    WindowTotals got = c.baseline();
    benchmark::DoNotOptimize(got);
    if (std::string error = got.Compare(want); !error.empty()) {
      state.SkipWithError(error.c_str());
      break;
    }
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * c.events));
  cpu_timer.Report(state, state.iterations() * c.events);
}

inline void BM_WindowEngine(benchmark::State& state, const WindowCase& c) {
  const int threads = static_cast<int>(state.range(0));
  const WindowTotals& want = ExpectedWindowTotals(c);
  JobOptions options;
  options.threads = threads;
  options.parallelism = threads;
  ProcessCpuTimer cpu_timer;
  for (auto _ : state) {
    Dataflow flow;
    WindowChecksumSink sink;
    c.build(flow, sink);
    if (absl::Status status = flow.Run(options); !status.ok()) {
      state.SkipWithError(status.ToString().c_str());
      break;
    }
    if (std::string error = sink.Result().Compare(want); !error.empty()) {
      state.SkipWithError(error.c_str());
      break;
    }
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * c.events));
  cpu_timer.Report(state, state.iterations() * c.events);
}

inline void RegisterWindowCase(WindowCase c) {
  benchmark::RegisterBenchmark(absl::StrCat(c.name, "/baseline").c_str(),
                               BM_WindowBaseline, c)
      ->Unit(benchmark::kMillisecond)
      ->UseRealTime();
  benchmark::RegisterBenchmark(absl::StrCat(c.name, "/engine").c_str(), BM_WindowEngine,
                               c)
      ->ArgName("threads")
      ->Arg(1)
      ->Arg(2)
      ->Unit(benchmark::kMillisecond)
      ->UseRealTime();
}

}  // namespace sluice::bench
