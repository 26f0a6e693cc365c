// main() for sluice_bench: Google Benchmark's, with defaults suited to these cases
// (each iteration moves millions of events). Flags given on the command line come
// later and override them.
#include <vector>

#include "benchmark/benchmark.h"

int main(int argc, char** argv) {
  char min_time[] = "--benchmark_min_time=1";
  char repetitions[] = "--benchmark_repetitions=5";
  char aggregates[] = "--benchmark_display_aggregates_only=true";
  std::vector<char*> args = {argv[0], min_time, repetitions, aggregates};
  args.insert(args.end(), argv + 1, argv + argc);
  int count = static_cast<int>(args.size());
  benchmark::Initialize(&count, args.data());
  if (benchmark::ReportUnrecognizedArguments(count, args.data())) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
