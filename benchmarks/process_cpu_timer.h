// CPU time used by the whole process (every thread) over a benchmark's timed loop, so
// a run can report how many cores it kept busy and the CPU it spent per event.
#pragma once

#include <sys/resource.h>

#include <chrono>
#include <cstdint>

#include "benchmark/benchmark.h"

namespace sluice::bench {

class ProcessCpuTimer {
 public:
  ProcessCpuTimer() : wall_start_(Clock::now()), cpu_start_(CpuSeconds()) {}

  // Adds `cores_busy` (process CPU time / wall time) and `cpu_ns_per_event` to `state`.
  // Call once, after the timed loop.
  void Report(benchmark::State& state, uint64_t events) const {
    double wall = std::chrono::duration<double>(Clock::now() - wall_start_).count();
    double cpu = CpuSeconds() - cpu_start_;
    if (wall > 0) state.counters["cores_busy"] = cpu / wall;
    if (events > 0)
      state.counters["cpu_ns_per_event"] = cpu * 1e9 / static_cast<double>(events);
  }

 private:
  using Clock = std::chrono::steady_clock;
  static double CpuSeconds() {
    rusage usage{};
    getrusage(RUSAGE_SELF, &usage);
    auto seconds = [](const timeval& t) { return t.tv_sec + t.tv_usec * 1e-6; };
    return seconds(usage.ru_utime) + seconds(usage.ru_stime);
  }
  Clock::time_point wall_start_;
  double cpu_start_;
};

}  // namespace sluice::bench
