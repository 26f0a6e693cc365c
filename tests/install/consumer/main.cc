// A small job built against an installed sluice: events 1..100 are tripled, the even ones
// kept and summed by a function sink. The install_consumer test checks what it prints.
#include <atomic>
#include <cstdint>
#include <cstdio>

#include "sluice/sluice.h"

int main() {
  std::atomic<uint64_t> count{0};
  std::atomic<uint64_t> sum{0};
  sluice::Dataflow flow;
  flow.Source(sluice::GeneratorSource([](uint64_t i) { return i + 1; }).Count(100))
      .Map([](uint64_t x) { return x * 3; })
      .Filter([](uint64_t x) { return x % 2 == 0; })
      .Sink([&count, &sum](uint64_t x) {
        ++count;
        sum += x;
      });

  sluice::JobOptions options;
  options.threads = 2;
  options.parallelism = 2;  // two sink instances: the counters are atomic
  absl::Status status = flow.Run(options);
  if (!status.ok()) {
    std::fprintf(stderr, "sluice_consumer: %s\n", status.ToString().c_str());
    return 1;
  }
  std::printf("count=%llu sum=%llu\n", static_cast<unsigned long long>(count.load()),
              static_cast<unsigned long long>(sum.load()));
  return 0;
}
