// The compile-time benchmark (docs/BENCHMARKS.md, "Compile time"): what a typical
// first program looks like, CSV in, a sliding-window count per key, CSV out. Built as
// an object library so it keeps compiling; it is timed, never run.
#include <chrono>
#include <cstdio>
#include <string>

#include "sluice/sluice.h"

struct Trip {
  std::string zone;
  int64_t time_ms;
  double fare;
};
struct ZoneMinute {
  std::string zone;
  int64_t start;
  int64_t trips;
};

int main() {
  sluice::Dataflow flow;
  auto trips =
      flow.Source(sluice::CsvSource("trips.csv", sluice::RecordSchema<Trip>()
                                                     .Field("zone", &Trip::zone)
                                                     .Field("time_ms", &Trip::time_ms)
                                                     .Field("fare", &Trip::fare))
                      .Header())
          .AssignTimestamps(
              [](const Trip& t) { return t.time_ms; },
              sluice::WatermarkStrategy::BoundedOutOfOrderness(std::chrono::seconds(5)));
  trips.KeyBy([](const Trip& t) { return t.zone; })
      .Window(sluice::SlidingWindows(std::chrono::minutes(5), std::chrono::minutes(1)))
      .Aggregate(sluice::aggregates::Count())
      .Map([](const sluice::WindowResult<std::string, int64_t>& r) {
        return ZoneMinute{r.key, r.start, r.value};
      })
      .Sink(sluice::CsvSink("per_minute.csv", sluice::RecordSchema<ZoneMinute>()
                                                  .Field("zone", &ZoneMinute::zone)
                                                  .Field("start", &ZoneMinute::start)
                                                  .Field("trips", &ZoneMinute::trips)));
  auto status = flow.Run(sluice::JobOptions{});
  if (!status.ok()) std::fprintf(stderr, "%s\n", status.ToString().c_str());
  return status.ok() ? 0 : 1;
}
