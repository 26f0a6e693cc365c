// Keyed process functions: per-key state and event-time timers, checked end to end
// against a brute-force computation (parallelism 1 and 2, re-cut batches) and
// through the operator harness for timer deletion and state clean-up.
#include <algorithm>
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <set>
#include <thread>
#include <tuple>
#include <utility>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "sluice/runtime/manual_clock.h"
#include "sluice/runtime/stable_hash.h"
#include "sluice/sluice.h"
#include "sluice/tests/idle_after_source.h"
#include "sluice/tests/operator_harness.h"
#include "sluice/tests/run_config.h"
#include "sluice/tests/status_matchers.h"

namespace sluice {
namespace {

using ::sluice::testing::RunConfig;
using ::sluice::testing::RunConfigName;
using ::sluice::testing::RunConfigTest;

struct Ping {
  uint32_t device = 0;
  int64_t time = 0;
};

struct Burst {
  uint32_t device = 0;
  int64_t time = 0;   // the timer's time
  int64_t count = 0;  // pings in [time - kSpan, time]
  bool operator==(const Burst&) const = default;
};

constexpr int64_t kSpan = 40;
constexpr int64_t kBound = 30;

// Each ping sets a timer kSpan later; the timer reports how many of the device's
// pings fall in the kSpan before it. State: the pings not yet too old to count.
struct BurstCounter {
  struct State {
    std::vector<int64_t> times;
  };
  using Output = Burst;

  void ProcessElement(const Ping& ping, KeyedContext<uint32_t, State, Burst>& ctx) {
    ctx.state().times.push_back(ping.time);
    ctx.RegisterEventTimeTimer(ping.time + kSpan);
  }
  void OnTimer(int64_t time, KeyedContext<uint32_t, State, Burst>& ctx) {
    auto& times = ctx.state().times;
    int64_t count = std::count_if(times.begin(), times.end(), [&](int64_t t) {
      return t >= time - kSpan && t <= time;
    });
    ctx.Emit(Burst{ctx.key(), time, count});
    // Later timers only count pings from time - kSpan + 1 on.
    std::erase_if(times, [&](int64_t t) { return t <= time - kSpan; });
    if (times.empty()) ctx.ClearState();
  }
};

Ping MakePing(uint64_t i) {
  uint64_t h = StableHash(i ^ 0xabcdef);
  return Ping{static_cast<uint32_t>(h % 13),
              static_cast<int64_t>(i) * 2 - static_cast<int64_t>((h >> 20) % kBound)};
}

class KeyedProcessTest : public RunConfigTest {};

TEST_P(KeyedProcessTest, TimersAndStateMatchBruteForce) {
  constexpr uint64_t kPings = 20000;
  std::map<uint32_t, std::vector<int64_t>> times;
  for (uint64_t i = 0; i < kPings; ++i) {
    Ping p = MakePing(i);
    times[p.device].push_back(p.time);
  }
  std::vector<Burst> expected;
  for (const auto& [device, ts] : times) {
    std::set<int64_t> timers;
    for (int64_t t : ts) timers.insert(t + kSpan);  // one timer per (key, time)
    for (int64_t timer : timers) {
      int64_t count = std::count_if(ts.begin(), ts.end(), [&](int64_t t) {
        return t >= timer - kSpan && t <= timer;
      });
      expected.push_back(Burst{device, timer, count});
    }
  }

  Dataflow flow;
  CollectorSink<Burst> sink;
  flow.Source(GeneratorSource(MakePing).Count(kPings))
      .AssignTimestamps([](const Ping& p) { return p.time; },
                        WatermarkStrategy::BoundedOutOfOrderness(kBound))
      .KeyBy([](const Ping& p) { return p.device; })
      .Process(BurstCounter{})
      .Sink(sink);
  SLUICE_ASSERT_OK(flow.Run(Options()));

  auto order = [](const Burst& a, const Burst& b) {
    return std::tie(a.device, a.time) < std::tie(b.device, b.time);
  };
  std::vector<Burst> got = sink.Items();
  std::sort(got.begin(), got.end(), order);
  std::sort(expected.begin(), expected.end(), order);
  EXPECT_EQ(got, expected);
}

// Routes pings: those with a time divisible by 3 go to the side output "thirds",
// their times to "odd times" or "even times" (two outputs of one type, told apart by
// their tags); the main output gives each device's ping count and latest time, from
// state, at the end of input.
struct Router {
  struct State {
    ValueState<int64_t> latest;
    ReducingState<int64_t, std::plus<>> count;
    auto Fields() { return std::tie(latest, count); }
  };
  using Output = std::tuple<uint32_t, int64_t, int64_t>;
  using Thirds = OutputTag<Ping, "thirds">;
  using OddTimes = OutputTag<int64_t, "odd times">;
  using EvenTimes = OutputTag<int64_t, "even times">;  // same type, another output
  using SideOutputs = std::tuple<Thirds, OddTimes, EvenTimes>;
  using Context = KeyedContext<uint32_t, State, Output, Thirds, OddTimes, EvenTimes>;

  void ProcessElement(const Ping& ping, Context& ctx) {
    if (ping.time % 3 == 0) ctx.Emit(Thirds{}, ping);
    if (ping.time % 2 != 0) {
      ctx.Emit(OddTimes{}, ping.time);
    } else {
      ctx.Emit(EvenTimes{}, ping.time);
    }
    const int64_t* latest = ctx.state().latest.Get();
    if (latest == nullptr || ping.time > *latest) ctx.state().latest.Set(ping.time);
    ctx.state().count.Add(1);
    ctx.RegisterEventTimeTimer(kMaxWatermark - 1);  // fires at end of input
  }
  void OnTimer(int64_t, Context& ctx) {
    ctx.Emit({ctx.key(), *ctx.state().count.Get(), *ctx.state().latest.Get()});
  }
};

TEST_P(KeyedProcessTest, SideOutputsCarryWhatTheFunctionSent) {
  constexpr uint64_t kPings = 5000;
  std::map<uint32_t, std::pair<int64_t, int64_t>> per_device;  // count, latest
  std::vector<std::pair<uint32_t, int64_t>> thirds;
  std::vector<int64_t> odd_times;
  std::vector<int64_t> even_times;
  for (uint64_t i = 0; i < kPings; ++i) {
    Ping p = MakePing(i);
    auto [it, fresh] = per_device.try_emplace(p.device, 0, p.time);
    ++it->second.first;
    it->second.second = std::max(it->second.second, p.time);
    if (p.time % 3 == 0) thirds.push_back({p.device, p.time});
    (p.time % 2 != 0 ? odd_times : even_times).push_back(p.time);
  }
  std::vector<Router::Output> totals;
  for (const auto& [device, c] : per_device)
    totals.push_back({device, c.first, c.second});

  Dataflow flow;
  CollectorSink<Router::Output> main_sink;
  CollectorSink<Ping> thirds_sink;
  CollectorSink<int64_t> odd_sink;
  CollectorSink<int64_t> even_sink;
  auto routed = flow.Source(GeneratorSource(MakePing).Count(kPings))
                    .AssignTimestamps([](const Ping& p) { return p.time; },
                                      WatermarkStrategy::BoundedOutOfOrderness(kBound))
                    .KeyBy([](const Ping& p) { return p.device; })
                    .Process(Router{})
                    .Name("router");  // keeps the type: SideOutput(tag) still works
  routed.Sink(main_sink);
  routed.SideOutput(Router::Thirds{}).Sink(thirds_sink);
  routed.SideOutput(Router::OddTimes{}).Sink(odd_sink);
  routed.SideOutput(Router::EvenTimes{}).Sink(even_sink);
  SLUICE_ASSERT_OK(flow.Run(Options()));

  using ::testing::UnorderedElementsAreArray;
  EXPECT_THAT(main_sink.Items(), UnorderedElementsAreArray(totals));
  std::vector<std::pair<uint32_t, int64_t>> got_thirds;
  for (const Ping& p : thirds_sink.Items()) got_thirds.push_back({p.device, p.time});
  EXPECT_THAT(got_thirds, UnorderedElementsAreArray(thirds));
  EXPECT_THAT(odd_sink.Items(), UnorderedElementsAreArray(odd_times));
  EXPECT_THAT(even_sink.Items(), UnorderedElementsAreArray(even_times));
}

INSTANTIATE_TEST_SUITE_P(Configs, KeyedProcessTest,
                         ::testing::Values(RunConfig{1, 1024, 0}, RunConfig{2, 1024, 0},
                                           RunConfig{1, 7, 3}, RunConfig{2, 5, 17}),
                         RunConfigName);

// A timer that is set then deleted never fires; a key with no state and no timer is
// dropped.
struct Toggle {
  struct State {
    int64_t seen = 0;
  };
  using Output = int64_t;
  void ProcessElement(const Ping& ping, KeyedContext<uint32_t, State, int64_t>& ctx) {
    if (ping.time < 0) {  // a negative time cancels the key's timer and state
      ctx.DeleteEventTimeTimer(100);
      ctx.ClearState();
      return;
    }
    ++ctx.state().seen;
    ctx.RegisterEventTimeTimer(100);
    ctx.RegisterEventTimeTimer(100);  // registered once
  }
  void OnTimer(int64_t time, KeyedContext<uint32_t, State, int64_t>& ctx) {
    ctx.Emit(time * 1000 + ctx.state().seen);
    ctx.ClearState();
  }
};

TEST(KeyedProcessOperatorTest, DeletedTimersDoNotFireAndEmptyKeysGo) {
  auto key_of = [](const Ping& p) { return p.device; };
  OperatorMetrics metrics("process", 0, 1);
  OperatorContext context;
  context.metrics = &metrics;
  ::sluice::testing::OperatorHarness<Ping, int64_t> h(
      std::make_unique<KeyedProcessOperator<uint32_t, Ping, decltype(key_of), Toggle>>(
          key_of, Toggle{}),
      context);
  SLUICE_ASSERT_OK(h.Open());
  h.ProcessTimed({{1, 5}, {2, 6}, {1, 7}}, {5, 6, 7});
  EXPECT_EQ(metrics.state_entries.load(), 2u);
  h.ProcessTimed({{2, -1}}, {8});  // device 2: timer deleted, state cleared
  EXPECT_EQ(metrics.state_entries.load(), 1u);
  h.Watermark(100);
  EXPECT_THAT(h.Items(), ::testing::ElementsAre(100 * 1000 + 2));
  EXPECT_THAT(h.Timestamps(), ::testing::ElementsAre(100));
  EXPECT_EQ(metrics.state_entries.load(), 0u);
}

}  // namespace
}  // namespace sluice

namespace sluice {
namespace {

using ::sluice::testing::IdleAfter;

// Counts a device's pings and reports the count one second of processing time after
// its first ping.
struct Reminder {
  struct State {
    int64_t count = 0;
  };
  using Output = std::pair<uint32_t, int64_t>;
  void ProcessElement(const Ping&, KeyedContext<uint32_t, State, Output>& ctx) {
    if (ctx.state().count++ == 0) {
      ctx.RegisterProcessingTimeTimer(ctx.processing_time() + 1000);
    }
  }
  void OnTimer(int64_t, KeyedContext<uint32_t, State, Output>& ctx) {
    EXPECT_TRUE(ctx.processing_timer());
    ctx.Emit({ctx.key(), ctx.state().count});
    ctx.ClearState();
  }
};

class ProcessingTimeTest : public ::testing::TestWithParam<int> {};

TEST_P(ProcessingTimeTest, ManualClockFiresProcessingTimers) {
  auto clock = std::make_shared<ManualClock>(5000);
  Dataflow flow;
  CollectorSink<std::pair<uint32_t, int64_t>> sink;
  flow.Source(IdleAfter<Ping>({{1, 10}, {2, 11}, {1, 12}, {3, 13}, {1, 14}}))
      .AssignTimestamps([](const Ping& p) { return p.time; },
                        WatermarkStrategy::Monotonous())
      .KeyBy([](const Ping& p) { return p.device; })
      .Process(Reminder{})
      .Sink(sink);
  JobOptions options = testing::QuietOptions(GetParam());
  options.clock = clock;
  auto job = flow.Build(options);
  ASSERT_TRUE(job.ok()) << job.status();
  SLUICE_ASSERT_OK(job->Start());

  auto wait_for = [&](size_t n) {
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
    while (sink.Size() < n && std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(std::chrono::milliseconds(2));
    }
  };
  // Give the events time to reach the process function, then move the clock to just
  // before the timers: nothing fires.
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  clock->Advance(999);
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  EXPECT_EQ(sink.Size(), 0u);
  clock->Advance(1);
  wait_for(3);
  job->Cancel();
  (void)job->Wait();
  EXPECT_THAT(sink.Items(),
              ::testing::UnorderedElementsAre(std::pair<uint32_t, int64_t>{1, 3},
                                              std::pair<uint32_t, int64_t>{2, 1},
                                              std::pair<uint32_t, int64_t>{3, 1}));
}

INSTANTIATE_TEST_SUITE_P(Parallelism, ProcessingTimeTest, ::testing::Values(1, 2));

}  // namespace
}  // namespace sluice
