// Watermark idleness, driven by a ManualClock: a source that has gone quiet holds
// every window back until its idleness timeout passes; then windows fire on the
// other source's watermark alone.
#include <chrono>
#include <cstdint>
#include <thread>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "sluice/runtime/manual_clock.h"
#include "sluice/sluice.h"
#include "sluice/tests/idle_after_source.h"
#include "sluice/tests/run_config.h"
#include "sluice/tests/status_matchers.h"

namespace sluice {
namespace {

using ::sluice::testing::IdleAfter;

struct Tick {
  uint32_t sensor = 0;
  int64_t time = 0;
};

class IdlenessTest : public ::testing::TestWithParam<int> {};

TEST_P(IdlenessTest, QuietSourceStopsHoldingWindowsBackAfterTheTimeout) {
  auto clock = std::make_shared<ManualClock>();
  auto strategy = WatermarkStrategy::BoundedOutOfOrderness(0).WithIdleness(1000);
  Dataflow flow;
  // A busy source (10 ticks per ms of event time, paced in wall time) ...
  auto busy =
      flow.Source(
              GeneratorSource([](uint64_t i) {
                return Tick{static_cast<uint32_t>(i % 3), static_cast<int64_t>(i / 10)};
              }).RatePerSecond(200000))
          .Parallelism(1)
          .AssignTimestamps([](const Tick& t) { return t.time; }, strategy)
          .Parallelism(1);
  // ... and one that sends a single tick at time 0 and then goes quiet.
  auto quiet = flow.Source(IdleAfter<Tick>({{7, 0}}))
                   .AssignTimestamps([](const Tick& t) { return t.time; }, strategy)
                   .Parallelism(1);
  CollectorSink<WindowResult<uint32_t, int64_t>> sink;
  busy.Union(quiet)
      .KeyBy([](const Tick& t) { return t.sensor; })
      .Window(TumblingWindows(100))
      .Aggregate(aggregates::Count())
      .Sink(sink);
  JobOptions options = testing::QuietOptions(GetParam());
  options.clock = clock;
  auto job = flow.Build(options);
  ASSERT_TRUE(job.ok()) << job.status();
  SLUICE_ASSERT_OK(job->Start());

  // The busy source runs far past the first windows, but the quiet one's watermark
  // (-1) holds them all back.
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  EXPECT_EQ(sink.Size(), 0u);
  clock->Advance(999);
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  EXPECT_EQ(sink.Size(), 0u);
  // Past the timeout (for both sources; the busy one wakes up again with its next
  // batch): windows fire on the busy source's watermark.
  clock->Advance(1);
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (sink.Size() < 6 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  job->Cancel();
  (void)job->Wait();
  std::vector<WindowResult<uint32_t, int64_t>> results = sink.Items();
  ASSERT_GE(results.size(), 6u);
  // The first window [0, 100): the busy source's 1,000 ticks over 3 sensors, and
  // the quiet source's tick for sensor 7.
  int64_t first_window_total = 0;
  for (const auto& r : results) {
    if (r.start == 0) first_window_total += r.value;
  }
  EXPECT_EQ(first_window_total, 1001);
}

INSTANTIATE_TEST_SUITE_P(Parallelism, IdlenessTest, ::testing::Values(1, 2));

}  // namespace
}  // namespace sluice
