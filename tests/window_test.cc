// Event-time windows end to end: out-of-order input (within the watermark bound) gives
// the same results as a brute-force computation over the events, at parallelism 1
// and 2 and with re-cut batch boundaries.
#include <algorithm>
#include <cstdint>
#include <map>
#include <string>
#include <tuple>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "sluice/runtime/stable_hash.h"
#include "sluice/sluice.h"
#include "sluice/tests/brute_force_sessions.h"
#include "sluice/tests/run_config.h"
#include "sluice/tests/status_matchers.h"

namespace sluice {
namespace {

using ::sluice::testing::RunConfig;
using ::sluice::testing::RunConfigName;
using ::sluice::testing::RunConfigTest;

struct Reading {
  uint32_t sensor = 0;
  int64_t time = 0;
  int64_t value = 0;
};

constexpr int64_t kBound = 50;  // the most an event runs behind the latest one

// Event i: time about 3 i, pulled back by up to kBound - 1 so the stream is out of
// order but never late under BoundedOutOfOrderness(kBound); sensors 0..6; bursts
// with pauses so sessions form.
Reading MakeReading(uint64_t i) {
  uint64_t h = StableHash(i);
  int64_t time = static_cast<int64_t>(i) * 3 - static_cast<int64_t>(h % kBound);
  // A pause of 400 after every 200 events, so each sensor's sessions end.
  time += static_cast<int64_t>(i / 200) * 400;
  return Reading{static_cast<uint32_t>(h >> 40) % 7, time, static_cast<int64_t>(h % 100)};
}

std::vector<Reading> Readings(uint64_t n) {
  std::vector<Reading> readings;
  for (uint64_t i = 0; i < n; ++i) readings.push_back(MakeReading(i));
  return readings;
}

int64_t FloorTo(int64_t x, int64_t m) {
  int64_t r = x % m;
  return r < 0 ? x - r - m : x - r;
}

using Key = std::tuple<uint32_t, int64_t, int64_t>;  // sensor, start, end

template <class R>
std::vector<WindowResult<uint32_t, R>> ToResults(const std::map<Key, R>& windows) {
  std::vector<WindowResult<uint32_t, R>> results;
  for (const auto& [key, value] : windows) {
    results.push_back({std::get<0>(key), std::get<1>(key), std::get<2>(key), value});
  }
  return results;
}

// Results in (key, start, end) order, for a linear-time comparison (gmock's unordered
// matching is quadratic, and these runs emit tens of thousands of windows).
template <class R>
std::vector<WindowResult<uint32_t, R>> Sorted(std::vector<WindowResult<uint32_t, R>> v) {
  std::sort(v.begin(), v.end(), [](const auto& a, const auto& b) {
    return std::tie(a.key, a.start, a.end) < std::tie(b.key, b.start, b.end);
  });
  return v;
}

// Every window [s, s + size) with s a multiple of slide that holds the reading.
std::vector<int64_t> WindowStarts(int64_t time, int64_t size, int64_t slide) {
  std::vector<int64_t> starts;
  for (int64_t s = FloorTo(time, slide); s > time - size; s -= slide) starts.push_back(s);
  return starts;
}

class WindowTest : public RunConfigTest {
 protected:
  static constexpr uint64_t kEvents = 20000;

  Stream<Reading> TimedReadings(Dataflow& flow) const {
    return flow.Source(GeneratorSource(MakeReading).Count(kEvents))
        .AssignTimestamps([](const Reading& r) { return r.time; },
                          WatermarkStrategy::BoundedOutOfOrderness(kBound));
  }
};

TEST_P(WindowTest, TumblingCountMatchesBruteForce) {
  std::map<Key, int64_t> expected;
  for (const Reading& r : Readings(kEvents)) {
    int64_t start = FloorTo(r.time, 100);
    ++expected[{r.sensor, start, start + 100}];
  }
  Dataflow flow;
  CollectorSink<WindowResult<uint32_t, int64_t>> sink;
  TimedReadings(flow)
      .KeyBy([](const Reading& r) { return r.sensor; })
      .Window(TumblingWindows(100))
      .Aggregate(aggregates::Count())
      .Sink(sink);
  SLUICE_ASSERT_OK(flow.Run(Options()));
  EXPECT_EQ(Sorted(sink.Items()), ToResults(expected));
}

TEST_P(WindowTest, SlidingSumMatchesBruteForce) {
  // Size 90 and slide 60 share slices of 30; size 100 and slide 20 of 20.
  for (auto [size, slide] : {std::pair<int64_t, int64_t>{90, 60}, {100, 20}}) {
    std::map<Key, int64_t> expected;
    for (const Reading& r : Readings(kEvents)) {
      for (int64_t start : WindowStarts(r.time, size, slide)) {
        expected[{r.sensor, start, start + size}] += r.value;
      }
    }
    Dataflow flow;
    CollectorSink<WindowResult<uint32_t, int64_t>> sink;
    TimedReadings(flow)
        .KeyBy([](const Reading& r) { return r.sensor; })
        .Window(SlidingWindows(size, slide))
        .Aggregate(aggregates::Sum<int64_t>([](const Reading& r) { return r.value; }))
        .Sink(sink);
    SLUICE_ASSERT_OK(flow.Run(Options()));
    EXPECT_EQ(Sorted(sink.Items()), ToResults(expected))
        << "size " << size << " slide " << slide;
  }
}

TEST_P(WindowTest, MinMaxAverageMatchBruteForce) {
  struct Stats {
    int64_t min = INT64_MAX, max = INT64_MIN, sum = 0, count = 0;
  };
  std::map<Key, Stats> expected;
  for (const Reading& r : Readings(kEvents)) {
    for (int64_t start : WindowStarts(r.time, 200, 50)) {
      Stats& s = expected[{r.sensor, start, start + 200}];
      s.min = std::min(s.min, r.value);
      s.max = std::max(s.max, r.value);
      s.sum += r.value;
      ++s.count;
    }
  }
  auto value = [](const Reading& r) { return r.value; };
  Dataflow flow;
  auto keyed = TimedReadings(flow).KeyBy([](const Reading& r) { return r.sensor; });
  CollectorSink<WindowResult<uint32_t, int64_t>> mins, maxes;
  CollectorSink<WindowResult<uint32_t, double>> averages;
  keyed.Window(SlidingWindows(200, 50))
      .Aggregate(aggregates::Min<int64_t>(value))
      .Sink(mins);
  keyed.Window(SlidingWindows(200, 50))
      .Aggregate(aggregates::Max<int64_t>(value))
      .Sink(maxes);
  keyed.Window(SlidingWindows(200, 50))
      .Aggregate(aggregates::Average(value))
      .Sink(averages);
  SLUICE_ASSERT_OK(flow.Run(Options()));

  std::map<Key, int64_t> min_of, max_of;
  std::map<Key, double> average_of;
  for (const auto& [key, s] : expected) {
    min_of[key] = s.min;
    max_of[key] = s.max;
    average_of[key] = static_cast<double>(s.sum) / static_cast<double>(s.count);
  }
  EXPECT_EQ(Sorted(mins.Items()), ToResults(min_of));
  EXPECT_EQ(Sorted(maxes.Items()), ToResults(max_of));
  EXPECT_EQ(Sorted(averages.Items()), ToResults(average_of));
}

std::map<Key, int64_t> SessionCounts(const std::vector<Reading>& readings, int64_t gap) {
  std::map<uint32_t, std::vector<int64_t>> times;
  for (const Reading& r : readings) times[r.sensor].push_back(r.time);
  return testing::BruteForceSessions(std::move(times), gap);
}

TEST_P(WindowTest, SessionCountMatchesBruteForce) {
  const int64_t kGap = 60;
  std::map<Key, int64_t> expected = SessionCounts(Readings(kEvents), kGap);
  ASSERT_GT(expected.size(), 100u);  // the input really forms many sessions
  Dataflow flow;
  CollectorSink<WindowResult<uint32_t, int64_t>> sink;
  TimedReadings(flow)
      .KeyBy([](const Reading& r) { return r.sensor; })
      .Window(SessionWindows(kGap))
      .Aggregate(aggregates::Count())
      .Sink(sink);
  SLUICE_ASSERT_OK(flow.Run(Options()));
  EXPECT_EQ(Sorted(sink.Items()), ToResults(expected));
}

TEST_P(WindowTest, ProcessSeesEveryElementOfTheWindow) {
  // The value: the sorted list of the window's readings' times, joined.
  std::map<Key, std::vector<int64_t>> members;
  for (const Reading& r : Readings(kEvents)) {
    for (int64_t start : WindowStarts(r.time, 60, 30)) {
      members[{r.sensor, start, start + 60}].push_back(r.time);
    }
  }
  std::map<Key, std::string> expected;
  for (auto& [key, times] : members) {
    std::sort(times.begin(), times.end());
    std::string joined;
    for (int64_t t : times) joined += std::to_string(t) + ",";
    expected[key] = joined;
  }
  Dataflow flow;
  CollectorSink<WindowResult<uint32_t, std::string>> sink;
  TimedReadings(flow)
      .KeyBy([](const Reading& r) { return r.sensor; })
      .Window(SlidingWindows(60, 30))
      .Process([](const uint32_t&, const TimeWindow& window,
                  const std::vector<Reading>& readings) {
        std::vector<int64_t> times;
        for (const Reading& r : readings) {
          if (r.time < window.start || r.time >= window.end) return std::string("stray");
          times.push_back(r.time);
        }
        std::sort(times.begin(), times.end());
        std::string joined;
        for (int64_t t : times) joined += std::to_string(t) + ",";
        return joined;
      })
      .Sink(sink);
  SLUICE_ASSERT_OK(flow.Run(Options()));
  EXPECT_EQ(Sorted(sink.Items()), ToResults(expected));
}

// Window results carry event time (end - 1), so a second window level can follow.
TEST_P(WindowTest, WindowResultsFeedAnotherWindow) {
  std::map<Key, int64_t> expected;
  for (const Reading& r : Readings(kEvents)) {
    int64_t start = FloorTo(r.time, 500);
    ++expected[{r.sensor % 2, start, start + 500}];
  }
  Dataflow flow;
  CollectorSink<WindowResult<uint32_t, int64_t>> sink;
  TimedReadings(flow)
      .KeyBy([](const Reading& r) { return r.sensor; })
      .Window(TumblingWindows(100))
      .Aggregate(aggregates::Count())
      .KeyBy([](const WindowResult<uint32_t, int64_t>& w) { return w.key % 2; })
      .Window(TumblingWindows(500))
      .Aggregate(aggregates::Sum<int64_t>(
          [](const WindowResult<uint32_t, int64_t>& w) { return w.value; }))
      .Sink(sink);
  SLUICE_ASSERT_OK(flow.Run(Options()));
  EXPECT_EQ(Sorted(sink.Items()), ToResults(expected));
}

INSTANTIATE_TEST_SUITE_P(Configs, WindowTest,
                         ::testing::Values(RunConfig{1, 1024, 0}, RunConfig{2, 1024, 0},
                                           RunConfig{1, 7, 3}, RunConfig{2, 5, 17}),
                         RunConfigName);

}  // namespace
}  // namespace sluice

namespace sluice {
namespace {

// Lateness end to end, through pre-aggregation and the exchange: one event per batch,
// so the watermark after every event is known and a brute-force replay can decide
// which events are late and which windows each one still reaches.
// Parameters: parallelism, and whether late events go to a side output (which also
// turns pre-aggregation off).
class WindowLatenessTest : public ::testing::TestWithParam<std::tuple<int, bool>> {};

TEST_P(WindowLatenessTest, FinalValuesAndLateCountMatchReplay) {
  constexpr int64_t kBound = 100, kSize = 200, kSlide = 100, kLateness = 150;
  std::vector<Reading> readings;
  for (uint64_t i = 0; i < 3000; ++i) {
    uint64_t h = StableHash(i + 77);
    readings.push_back(
        Reading{static_cast<uint32_t>(h % 5),
                static_cast<int64_t>(i) * 10 - static_cast<int64_t>((h >> 20) % 1000),
                static_cast<int64_t>(h % 100)});
  }
  // Replay: an event reaches every window of it that has not expired by the
  // watermark of the events before it; if none is left, it is late.
  std::map<Key, int64_t> expected;
  std::map<Key, std::pair<int, int>> expected_firings;  // on time (0 or 1), late
  uint64_t expected_late = 0;
  std::vector<int64_t> expected_late_times;
  int64_t max_ts = kMinWatermark, watermark = kMinWatermark;
  for (const Reading& r : readings) {
    bool reached = false;
    for (int64_t start : WindowStarts(r.time, kSize, kSlide)) {
      if (watermark != kMinWatermark && start + kSize - 1 + kLateness <= watermark)
        continue;
      expected[{r.sensor, start, start + kSize}] += r.value;
      // After the window's end the event fires it late; before, the window fires
      // once on time.
      auto& [on_time, late_firings] = expected_firings[{r.sensor, start, start + kSize}];
      if (start + kSize - 1 <= watermark) {
        ++late_firings;
      } else {
        on_time = 1;
      }
      reached = true;
    }
    expected_late += !reached;
    if (!reached) expected_late_times.push_back(r.time);
    max_ts = std::max(max_ts, r.time);
    watermark = max_ts - kBound - 1;
  }
  ASSERT_GT(expected_late, 50u);  // the input really has late events

  const auto [parallelism, side_output] = GetParam();
  Dataflow flow;
  CollectorSink<WindowResult<uint32_t, int64_t>> sink;
  CollectorSink<Reading> late_sink;
  auto windowed = flow.Source(CollectionSource(readings))
                      .Parallelism(1)
                      .AssignTimestamps([](const Reading& r) { return r.time; },
                                        WatermarkStrategy::BoundedOutOfOrderness(kBound))
                      .Parallelism(1)
                      .KeyBy([](const Reading& r) { return r.sensor; })
                      .Window(SlidingWindows(kSize, kSlide))
                      .AllowedLateness(kLateness);
  // SideOutputLateData(tag) changes the builder's type (the window operator is chosen
  // at compile time), so the two variants are built by one generic lambda.
  using LateReadings = OutputTag<Reading, "late readings">;
  auto aggregate_to_sinks = [&](auto windows) -> Stream<WindowResult<uint32_t, int64_t>> {
    // Naming keeps the result's type, so SideOutput(tag) is reachable after Name().
    auto results =
        windows
            .Aggregate(aggregates::Sum<int64_t>([](const Reading& r) { return r.value; }))
            .Name("windows");
    results.Sink(sink);
    if constexpr (!std::is_same_v<decltype(windows), decltype(windowed)>) {
      results.SideOutput(LateReadings{}).Sink(late_sink);
    }
    return results;
  };
  auto results = side_output
                     ? aggregate_to_sinks(windowed.SideOutputLateData(LateReadings{}))
                     : aggregate_to_sinks(windowed);
  JobOptions options = testing::QuietOptions(parallelism);
  options.batch_size = 1;
  auto job = flow.Build(options);
  ASSERT_TRUE(job.ok()) << job.status();
  SLUICE_ASSERT_OK(job->Run());

  // A window fires again for each late event it takes: its last value counts.
  std::map<Key, int64_t> last;
  for (const auto& r : sink.Items()) last[{r.key, r.start, r.end}] = r.value;
  int shown = 0;
  for (const auto& [key, value] : expected) {
    auto it = last.find(key);
    int64_t got = it == last.end() ? -1 : it->second;
    if (got != value && shown++ < 10) {
      ADD_FAILURE() << "window (" << std::get<0>(key) << ", " << std::get<1>(key) << ", "
                    << std::get<2>(key) << "): got " << got << ", want " << value;
    }
  }
  for (const auto& [key, value] : last) {
    if (!expected.contains(key) && shown++ < 10) {
      ADD_FAILURE() << "unexpected window (" << std::get<0>(key) << ", "
                    << std::get<1>(key) << ", " << std::get<2>(key) << ") = " << value;
    }
  }
  std::map<Key, std::pair<int, int>> firings;
  for (const auto& r : sink.Items()) {
    auto& [on_time, late_firings] = firings[{r.key, r.start, r.end}];
    ASSERT_NE(r.timing, PaneTiming::kEarly) << r;
    ++(r.timing == PaneTiming::kOnTime ? on_time : late_firings);
  }
  int differ = 0;
  for (const auto& [window, want] : expected_firings) {
    std::pair<int, int> got =
        firings.contains(window) ? firings[window] : std::pair{0, 0};
    if (got != want && differ++ < 10) {
      ADD_FAILURE() << "window (" << std::get<0>(window) << ", " << std::get<1>(window)
                    << ", " << std::get<2>(window) << "): on time/late firings "
                    << got.first << "/" << got.second << ", want " << want.first << "/"
                    << want.second;
    }
  }
  EXPECT_EQ(firings.size(), expected_firings.size());
  auto window_metrics = job->MetricsOf(results);
  ASSERT_TRUE(window_metrics.ok()) << window_metrics.status();
  EXPECT_EQ(window_metrics->name, "windows");
  EXPECT_EQ(window_metrics->late_records, expected_late);
  if (side_output) {
    std::vector<int64_t> late_times;
    for (const Reading& r : late_sink.Items()) late_times.push_back(r.time);
    std::sort(late_times.begin(), late_times.end());
    std::sort(expected_late_times.begin(), expected_late_times.end());
    EXPECT_EQ(late_times, expected_late_times);
  }
}

INSTANTIATE_TEST_SUITE_P(ParallelismAndSideOutput, WindowLatenessTest,
                         ::testing::Combine(::testing::Values(1, 2), ::testing::Bool()));

}  // namespace
}  // namespace sluice
