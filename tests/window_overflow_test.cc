// Event-time windows at the ends of the int64 range (issue 17 §5), end to end at
// parallelism 1 and 2 with re-cut batches: window sizes up to INT64_MAX, allowed
// lateness "forever", and timestamps next to INT64_MIN and INT64_MAX, each against a
// brute force in 128-bit arithmetic written here.
#include <algorithm>
#include <chrono>
#include <cstdint>
#include <limits>
#include <map>
#include <set>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "sluice/sluice.h"
#include "sluice/tests/run_config.h"
#include "sluice/tests/status_matchers.h"

namespace sluice {
namespace {

using ::sluice::testing::RunConfigName;
using ::sluice::testing::RunConfigTest;
using ::sluice::testing::StatusIs;
using ::testing::HasSubstr;

constexpr int64_t kMin = std::numeric_limits<int64_t>::min();
constexpr int64_t kMax = std::numeric_limits<int64_t>::max();

struct Tick {
  uint32_t key = 0;
  int64_t time = 0;
};
auto KeyOf = [](const Tick& t) { return t.key; };
auto TimeOf = [](const Tick& t) { return t.time; };

using Window = std::tuple<uint32_t, int64_t, int64_t>;  // key, start, end
using Counts = std::map<Window, int64_t>;
using Result = WindowResult<uint32_t, int64_t>;

__int128 FloorTo(__int128 x, __int128 m) {
  __int128 r = x % m;
  return r < 0 ? x - r - m : x - r;
}

// The windows [s, s + size), s = offset mod slide, holding `t`, in 128 bits; false
// when one of them reaches outside int64 (the event cannot be windowed).
bool BruteForceWindows(int64_t t, int64_t size, int64_t slide, int64_t offset,
                       std::vector<std::pair<int64_t, int64_t>>& out) {
  out.clear();
  for (__int128 s = FloorTo(__int128{t} - offset, slide) + offset; s > __int128{t} - size;
       s -= slide) {
    if (s < kMin || s + size > kMax) return false;
    out.emplace_back(static_cast<int64_t>(s), static_cast<int64_t>(s + size));
  }
  return true;
}

Counts SlicedCounts(const std::vector<Tick>& ticks, int64_t size, int64_t slide,
                    int64_t offset) {
  Counts counts;
  std::vector<std::pair<int64_t, int64_t>> windows;
  for (const Tick& t : ticks) {
    EXPECT_TRUE(BruteForceWindows(t.time, size, slide, offset, windows)) << t.time;
    for (auto [start, end] : windows) ++counts[{t.key, start, end}];
  }
  return counts;
}

// Sessions: a key's events less than `gap` apart, ending `gap` after the last one or
// at INT64_MAX, the end of event time, if that comes first.
Counts SessionCounts(std::vector<Tick> ticks, int64_t gap) {
  std::sort(ticks.begin(), ticks.end(), [](const Tick& a, const Tick& b) {
    return std::tie(a.key, a.time) < std::tie(b.key, b.time);
  });
  auto end_of = [&](int64_t t) {
    return static_cast<int64_t>(std::min<__int128>(__int128{t} + gap, kMax));
  };
  Counts counts;
  for (size_t first = 0, i = 1; i <= ticks.size(); ++i) {
    if (i == ticks.size() || ticks[i].key != ticks[first].key ||
        ticks[i].time >= end_of(ticks[i - 1].time)) {
      counts[{ticks[first].key, ticks[first].time, end_of(ticks[i - 1].time)}] =
          static_cast<int64_t>(i - first);
      first = i;
    }
  }
  return counts;
}

// The last value each window emitted (results of one key arrive in order).
Counts LastValues(const std::vector<Result>& results) {
  Counts last;
  for (const Result& r : results) last[{r.key, r.start, r.end}] = r.value;
  return last;
}

// How a test builds its windows: pre-aggregated (Aggregate), every event kept
// (Process) or on the triggered operator (Trigger).
enum class Path { kAggregate, kProcess, kTrigger };
constexpr Path kPaths[] = {Path::kAggregate, Path::kProcess, Path::kTrigger};

template <class Windows>
Stream<Result> CountWindows(Stream<Tick> ticks, Windows windows, Path path,
                            int64_t lateness = 0) {
  auto windowed = ticks.KeyBy(KeyOf).Window(windows).AllowedLateness(lateness);
  switch (path) {
    case Path::kAggregate:
      return windowed.Aggregate(aggregates::Count());
    case Path::kProcess:
      return windowed.Process(
          [](const uint32_t&, const TimeWindow&, const std::vector<Tick>& ticks) {
            return static_cast<int64_t>(ticks.size());
          });
    case Path::kTrigger:
      break;
  }
  return windowed.Trigger(WindowTrigger::OnWatermark()).Aggregate(aggregates::Count());
}

class WindowOverflowTest : public RunConfigTest {
 protected:
  // Runs `ticks` (in time order) through windows counting per key.
  template <class Windows>
  absl::Status Run(const std::vector<Tick>& ticks, Windows windows, Path path,
                   std::vector<Result>& results, int64_t lateness = 0) {
    Dataflow flow;
    CollectorSink<Result> sink;
    CountWindows(flow.Source(CollectionSource(ticks))
                     .AssignTimestamps(TimeOf, WatermarkStrategy::Monotonous()),
                 windows, path, lateness)
        .Sink(sink);
    absl::Status status = flow.Run(Options());
    results = sink.Items();
    return status;
  }
};

// 10,000 events over negative and positive times, in windows as large as int64
// allows: every event lands in its brute-force windows (TumblingWindows(INT64_MAX)
// emitted nothing: its window ended at INT64_MAX, which the operator read as "none").
TEST_P(WindowOverflowTest, HugeWindowsMatchBruteForce) {
  std::vector<Tick> ticks;
  for (int64_t i = 0; i < 10000; ++i) {
    ticks.push_back(Tick{static_cast<uint32_t>(i % 7), (i - 5000) * 1'000'003});
  }
  const struct {
    int64_t size, slide, offset;
  } kConfigs[] = {{kMax, kMax, 0},
                  {int64_t{3} << 61, int64_t{1} << 61, 0},
                  {int64_t{1} << 62, int64_t{1} << 62, (int64_t{1} << 62) - 1}};
  for (const auto& c : kConfigs) {
    const Counts expected = SlicedCounts(ticks, c.size, c.slide, c.offset);
    for (Path path : kPaths) {
      std::vector<Result> results;
      SLUICE_ASSERT_OK(
          Run(ticks, SlicedWindows(c.size, c.slide, c.offset), path, results));
      EXPECT_EQ(LastValues(results), expected)
          << "size " << c.size << " slide " << c.slide << " path "
          << static_cast<int>(path);
      EXPECT_EQ(results.size(), expected.size());
    }
  }
}

// Allowed lateness "forever" (INT64_MAX ms): 1,000 windows fire on time, and 1,000
// late events, one per window in reverse time order, still count and fire their
// windows again. (window end - 1 + lateness overflowed: every event after the first
// watermark was dropped as late, leaving about a tenth of the windows.)
TEST_P(WindowOverflowTest, AllowedLatenessForeverKeepsEveryWindow) {
  std::vector<Tick> ticks;
  for (int64_t i = 0; i < 10000; ++i) {  // 10 events per 100 ms, 27 ms wide
    const int64_t cluster = i / 10;
    ticks.push_back(Tick{static_cast<uint32_t>(cluster % 5), cluster * 100 + i % 10 * 3});
  }
  for (int64_t cluster = 999; cluster >= 0; --cluster) {
    ticks.push_back(Tick{static_cast<uint32_t>(cluster % 5), cluster * 100 + 7});
  }
  auto check = [&](const std::vector<Result>& results, const Counts& expected) {
    EXPECT_EQ(LastValues(results), expected);
    int64_t on_time = 0;
    for (const Result& r : results) on_time += r.timing == PaneTiming::kOnTime;
    EXPECT_EQ(on_time, static_cast<int64_t>(expected.size()));
  };
  for (int64_t lateness : {kMax, EventTimeSpan(std::chrono::milliseconds::max())}) {
    for (Path path : kPaths) {
      std::vector<Result> results;
      SLUICE_ASSERT_OK(Run(ticks, TumblingWindows(100), path, results, lateness));
      Counts expected = SlicedCounts(ticks, 100, 100, 0);
      ASSERT_EQ(expected.size(), 1000u);
      check(results, expected);
      SLUICE_ASSERT_OK(Run(ticks, SlidingWindows(200, 100), path, results, lateness));
      check(results, SlicedCounts(ticks, 200, 100, 0));
      SLUICE_ASSERT_OK(Run(ticks, SessionWindows(50), path, results, lateness));
      expected = SessionCounts(ticks, 50);
      ASSERT_EQ(expected.size(), 1000u);
      check(results, expected);
    }
  }
}

// Timestamps next to both ends of int64: an event whose windows all fit in int64 is
// windowed exactly; one whose window would reach past an end fails the job with a
// message naming the timestamp and the windows (it was silently dropped, or its
// window computed with a wrapped-around end).
TEST_P(WindowOverflowTest, EdgeTimestampsAreWindowedOrRejected) {
  const int64_t kCandidates[] = {
      kMin, kMin + 1,  kMin + 7,  kMin + 8, kMin + 97, kMin + 98, kMin + 99, -1,
      0,    kMax - 99, kMax - 98, kMax - 9, kMax - 8,  kMax - 7,  kMax - 1,  kMax};
  const struct {
    int64_t size, slide;
    const char* name;
  } kConfigs[] = {{10, 10, "TumblingWindows"},
                  {100, 10, "SlidingWindows"},
                  {kMax, kMax, "TumblingWindows"},
                  {int64_t{3} << 61, int64_t{1} << 61, "SlidingWindows"}};
  for (const auto& c : kConfigs) {
    std::vector<Tick> in_range;
    std::vector<int64_t> outside;
    std::vector<std::pair<int64_t, int64_t>> windows;
    for (int64_t t : kCandidates) {
      if (BruteForceWindows(t, c.size, c.slide, 0, windows)) {
        in_range.push_back(Tick{1, t});
      } else {
        outside.push_back(t);
      }
    }
    ASSERT_FALSE(outside.empty());
    for (Path path : {Path::kAggregate, Path::kTrigger}) {
      std::vector<Result> results;
      SLUICE_ASSERT_OK(Run(in_range, SlidingWindows(c.size, c.slide), path, results));
      EXPECT_EQ(LastValues(results), SlicedCounts(in_range, c.size, c.slide, 0))
          << "size " << c.size << " slide " << c.slide;
      for (int64_t t : outside) {
        std::vector<Tick> ticks = {Tick{1, 0}, Tick{1, t}};
        if (t < 0) std::swap(ticks[0], ticks[1]);
        absl::Status status = Run(ticks, SlidingWindows(c.size, c.slide), path, results);
        EXPECT_THAT(status, StatusIs(absl::StatusCode::kInvalidArgument,
                                     "event timestamp " + std::to_string(t)))
            << "size " << c.size << " slide " << c.slide;
        EXPECT_THAT(std::string(status.message()), HasSubstr(c.name));
      }
    }
  }
}

// Sessions end at INT64_MAX at the latest: every timestamp below it is windowed; an
// event at INT64_MAX (the end-of-input watermark, not a time) fails the job.
TEST_P(WindowOverflowTest, SessionsAtTheEdgesAreWindowedOrRejected) {
  // With the gap INT64_MAX, key 3's session spans all of event time.
  const std::vector<Tick> ticks = {
      {1, kMin}, {3, kMin}, {1, kMin + 1},  {2, kMin + 5}, {1, kMin + 9}, {3, -5},
      {2, 0},    {3, 1},    {1, kMax - 12}, {2, kMax - 3}, {1, kMax - 2}, {1, kMax - 1}};
  for (int64_t gap : {int64_t{10}, kMax}) {
    for (Path path : kPaths) {
      std::vector<Result> results;
      SLUICE_ASSERT_OK(Run(ticks, SessionWindows(gap), path, results));
      EXPECT_EQ(LastValues(results), SessionCounts(ticks, gap)) << "gap " << gap;
      absl::Status status =
          Run(std::vector<Tick>{{1, 0}, {1, kMax}}, SessionWindows(gap), path, results);
      EXPECT_THAT(status, StatusIs(absl::StatusCode::kInvalidArgument,
                                   "event timestamp 9223372036854775807"));
      EXPECT_THAT(std::string(status.message()), HasSubstr("SessionWindows"));
    }
  }
}

struct Order {
  uint32_t user = 0;
  int64_t time = 0;
};
struct Payment {
  uint32_t user = 0;
  int64_t time = 0;
};

// A window join over TumblingWindows(INT64_MAX): every pair of a key on the same side
// of zero (all of them were dropped: the margin check overflowed).
TEST_P(WindowOverflowTest, WindowJoinOverHugeWindowsMatchesBruteForce) {
  std::vector<Order> orders;
  std::vector<Payment> payments;
  for (int64_t i = 0; i < 300; ++i) {
    orders.push_back(Order{static_cast<uint32_t>(i % 5), (i - 150) * 1000});
    payments.push_back(Payment{static_cast<uint32_t>(i % 3), (i - 100) * 1000 + 1});
  }
  std::multiset<std::tuple<uint32_t, int64_t, int64_t>> expected;
  for (const Order& o : orders) {
    for (const Payment& p : payments) {
      if (o.user == p.user && (o.time < 0) == (p.time < 0)) {
        expected.insert({o.user, o.time, p.time});
      }
    }
  }
  auto run = [&](std::vector<Order> more_orders) {
    Dataflow flow;
    CollectorSink<std::tuple<uint32_t, int64_t, int64_t>> sink;
    auto left = flow.Source(CollectionSource(more_orders))
                    .AssignTimestamps([](const Order& o) { return o.time; },
                                      WatermarkStrategy::Monotonous());
    auto right = flow.Source(CollectionSource(payments))
                     .AssignTimestamps([](const Payment& p) { return p.time; },
                                       WatermarkStrategy::Monotonous());
    left.KeyBy([](const Order& o) { return o.user; })
        .Join(right.KeyBy([](const Payment& p) { return p.user; }))
        .Window(TumblingWindows(kMax))
        .Apply([](const Order& o, const Payment& p) {
          return std::make_tuple(o.user, o.time, p.time);
        })
        .Sink(sink);
    absl::Status status = flow.Run(Options());
    auto items = sink.Items();
    return std::make_pair(status, std::multiset<std::tuple<uint32_t, int64_t, int64_t>>(
                                      items.begin(), items.end()));
  };
  auto [status, joined] = run(orders);
  SLUICE_ASSERT_OK(status);
  EXPECT_EQ(joined, expected);
  orders.push_back(Order{1, kMax});
  EXPECT_THAT(run(orders).first, StatusIs(absl::StatusCode::kInvalidArgument,
                                          "event timestamp 9223372036854775807"));
}

INSTANTIATE_TEST_SUITE_P(Configs, WindowOverflowTest, testing::AllRunConfigs(),
                         RunConfigName);

// A duration whose count of milliseconds does not fit in int64 fails the build with a
// message naming the operator and the option (TumblingWindows(hours::max()) reported
// "size -3600000"; most others passed and wrapped around at run time).
TEST(WindowOverflowBuildTest, DurationsTooLongForMillisecondsFailTheBuild) {
  using std::chrono::hours;
  auto build = [](auto configure) {
    Dataflow flow;
    auto ticks = flow.Source(CollectionSource(std::vector<Tick>{{1, 2}}));
    configure(ticks);
    return flow.Build(testing::QuietOptions()).status();
  };
  auto timed = [](Stream<Tick> s, WatermarkStrategy strategy) {
    return s.AssignTimestamps(TimeOf, strategy);
  };
  const auto monotonous = WatermarkStrategy::Monotonous();
  auto count = [](auto windowed) {
    windowed.Aggregate(aggregates::Count()).Name("w").Sink([](const Result&) {});
  };
  const std::pair<std::string, absl::Status> kCases[] = {
      {"TumblingWindows(size)", build([&](Stream<Tick> s) {
         count(timed(s, monotonous).KeyBy(KeyOf).Window(TumblingWindows(hours::max())));
       })},
      {"SlidingWindows(slide)", build([&](Stream<Tick> s) {
         count(timed(s, monotonous)
                   .KeyBy(KeyOf)
                   .Window(SlidingWindows(hours(1), hours::min())));
       })},
      {"SessionWindows(gap)", build([&](Stream<Tick> s) {
         count(timed(s, monotonous).KeyBy(KeyOf).Window(SessionWindows(hours::max())));
       })},
      {"AllowedLateness(lateness)", build([&](Stream<Tick> s) {
         count(timed(s, monotonous)
                   .KeyBy(KeyOf)
                   .Window(TumblingWindows(hours(1)))
                   .AllowedLateness(hours::max()));
       })},
      {"EarlyEveryProcessingTime(interval)", build([&](Stream<Tick> s) {
         count(timed(s, monotonous)
                   .KeyBy(KeyOf)
                   .Window(TumblingWindows(hours(1)))
                   .Trigger(WindowTrigger::OnWatermark().EarlyEveryProcessingTime(
                       hours::max())));
       })},
      {"BoundedOutOfOrderness(bound)", build([&](Stream<Tick> s) {
         timed(s, WatermarkStrategy::BoundedOutOfOrderness(hours::max()))
             .Name("w")
             .Sink([](const Tick&) {});
       })},
      {"WithIdleness(timeout)", build([&](Stream<Tick> s) {
         timed(s, monotonous.WithIdleness(hours::max())).Name("w").Sink([](const Tick&) {
         });
       })},
      {"WithAlignment(max_drift)", build([&](Stream<Tick> s) {
         timed(s, monotonous.WithAlignment("g", hours::max()))
             .Name("w")
             .Sink([](const Tick&) {});
       })},
      {"Ttl(ttl)", build([&](Stream<Tick> s) {
         auto t = timed(s, monotonous);
         t.KeyBy(KeyOf)
             .JoinTable(t.KeyBy(KeyOf))
             .Ttl(hours::max())
             .Apply([](const Tick& a, const Tick*) { return a; })
             .Name("w")
             .Sink([](const Tick&) {});
       })},
      {"Between(lower)", build([&](Stream<Tick> s) {
         auto t = timed(s, monotonous);
         t.KeyBy(KeyOf)
             .IntervalJoin(t.KeyBy(KeyOf))
             .Between(hours::min(), hours(1))
             .Apply([](const Tick& a, const Tick&) { return a; })
             .Name("w")
             .Sink([](const Tick&) {});
       })},
      {"TumblingWindows(size)", build([&](Stream<Tick> s) {
         auto t = timed(s, monotonous);
         t.KeyBy(KeyOf)
             .Join(t.KeyBy(KeyOf))
             .Window(TumblingWindows(hours::max()))
             .Apply([](const Tick& a, const Tick&) { return a; })
             .Name("w")
             .Sink([](const Tick&) {});
       })},
  };
  for (const auto& [option, status] : kCases) {
    EXPECT_THAT(status, StatusIs(absl::StatusCode::kInvalidArgument, "operator 'w'"))
        << option;
    EXPECT_THAT(std::string(status.message()), HasSubstr(option + ": "));
    EXPECT_THAT(std::string(status.message()), HasSubstr("milliseconds"));
  }
}

}  // namespace
}  // namespace sluice
