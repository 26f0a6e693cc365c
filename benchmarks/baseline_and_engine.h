// Registers one benchmark case the way ratio_table.py reads it: "<case>/baseline" (the
// hand-written loop) and "<case>/engine/threads:1" and ":2", timed in milliseconds of
// wall time. Extra arguments are passed to both functions after the state.
#pragma once

#include <string>
#include <utility>

#include "benchmark/benchmark.h"

namespace sluice::bench {

struct BaselineAndEngine {
  benchmark::internal::Benchmark* baseline;
  benchmark::internal::Benchmark* engine;
};

template <class Baseline, class Engine, class... Args>
BaselineAndEngine RegisterBaselineAndEngine(const std::string& name, Baseline baseline,
                                            Engine engine, Args... args) {
  BaselineAndEngine runs;
  runs.baseline =
      benchmark::RegisterBenchmark((name + "/baseline").c_str(), baseline, args...)
          ->Unit(benchmark::kMillisecond)
          ->UseRealTime();
  runs.engine = benchmark::RegisterBenchmark((name + "/engine").c_str(), engine, args...)
                    ->ArgName("threads")
                    ->Arg(1)
                    ->Arg(2)
                    ->Unit(benchmark::kMillisecond)
                    ->UseRealTime();
  return runs;
}

}  // namespace sluice::bench
