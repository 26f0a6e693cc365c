// Window and timestamp operators driven batch by batch with explicit watermarks:
// lateness, late firings, expiry and watermark generation, against hand-computed
// expectations.
#include <algorithm>
#include <cstdint>
#include <map>
#include <memory>
#include <random>
#include <tuple>
#include <variant>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "sluice/sluice.h"
#include "sluice/tests/brute_force_sessions.h"
#include "sluice/tests/operator_harness.h"
#include "sluice/tests/run_config.h"
#include "sluice/tests/status_matchers.h"

namespace sluice {
namespace {

using ::sluice::testing::OperatorHarness;
using ::sluice::testing::StatusIs;
using ::testing::ElementsAre;

struct Event {
  int key = 0;
};

auto KeyOf = [](const Event& e) { return e.key; };
using CountResult = WindowResult<int, int64_t>;
using Count = aggregates::CountAggregate;
using CountFinish = AggregateFinish<Count>;

class WindowOperatorTest : public ::testing::Test {
 protected:
  OperatorContext Context() {
    OperatorContext context;
    context.metrics = &metrics_;
    return context;
  }
  template <class Op>
  OperatorHarness<Event, CountResult> Harness(std::unique_ptr<Op> op) {
    OperatorHarness<Event, CountResult> harness(std::move(op), Context());
    EXPECT_TRUE(harness.Open().ok());
    return harness;
  }
  auto Sliced(SlicedWindows windows, int64_t lateness) {
    return Harness(std::make_unique<
                   SlicedWindowOperator<int, Event, decltype(KeyOf), Count, CountFinish>>(
        KeyOf, Count{}, CountFinish{Count{}}, windows, lateness));
  }
  auto Sessions(int64_t gap, int64_t lateness) {
    return Harness(
        std::make_unique<
            SessionWindowOperator<int, Event, decltype(KeyOf), Count, CountFinish>>(
            KeyOf, Count{}, CountFinish{Count{}}, SessionWindows(gap), lateness));
  }

  OperatorMetrics metrics_{"window", 0, 1};
};

TEST_F(WindowOperatorTest, TumblingWithLatenessFiresAgainThenDropsLateEvents) {
  auto h = Sliced(TumblingWindows(10), /*lateness=*/5);
  h.ProcessTimed({{1}, {1}}, {1, 5});
  h.Watermark(9);              // [0, 10) fires with 2
  h.ProcessTimed({{1}}, {3});  // within the lateness: fires again with 3
  h.Watermark(14);             // 9 + 5 <= 14: the window expires
  h.ProcessTimed({{1}}, {4});  // late: dropped and counted
  h.ProcessTimed({{1}}, {12});
  h.Watermark(19);
  EXPECT_THAT(h.Items(), ElementsAre(CountResult{1, 0, 10, 2},
                                     CountResult{1, 0, 10, 3, PaneTiming::kLate},
                                     CountResult{1, 10, 20, 1}));
  EXPECT_THAT(h.Timestamps(), ElementsAre(9, 9, 19));
  EXPECT_EQ(metrics_.late_records.Get(), 1u);
  // The late event went to side output 1.
  EXPECT_EQ(h.output().SideItems<Event>(1).size(), 1u);
}

TEST_F(WindowOperatorTest, SlidingWithoutLatenessAddsToWindowsNotYetFired) {
  auto h = Sliced(SlidingWindows(10, 5), /*lateness=*/0);
  h.ProcessTimed({{1}}, {7});          // windows [0, 10) and [5, 15)
  h.Watermark(9);                      // [0, 10) fires with 1
  h.ProcessTimed({{1}, {2}}, {8, 7});  // [0, 10) is done; both still count in [5, 15)
  h.Watermark(14);                     // [5, 15) fires: key 1 with 2, key 2 with 1
  h.ProcessTimed({{1}}, {9});          // every window of slice [5, 10) has fired: late
  h.Watermark(100);
  std::vector<CountResult> items = h.Items();
  EXPECT_THAT(items, ::testing::UnorderedElementsAre(CountResult{1, 0, 10, 1},
                                                     CountResult{1, 5, 15, 2},
                                                     CountResult{2, 5, 15, 1}));
  EXPECT_EQ(metrics_.late_records.Get(), 1u);
}

// Event time ends at INT64_MAX, and so does a session that would end later (it was
// dropped as late); an event at INT64_MAX, the end-of-input watermark, fails the job.
TEST_F(WindowOperatorTest, SessionsAtTheEndOfTimeEndThere) {
  auto h = Sessions(/*gap=*/10, /*lateness=*/0);
  h.ProcessTimed({{1}, {2}}, {kMaxWatermark - 5, kMaxWatermark - 11});
  h.Watermark(kMaxWatermark);
  EXPECT_THAT(h.Items(), ::testing::UnorderedElementsAre(
                             CountResult{2, kMaxWatermark - 11, kMaxWatermark - 1, 1},
                             CountResult{1, kMaxWatermark - 5, kMaxWatermark, 1}));
  EXPECT_EQ(metrics_.late_records.Get(), 0u);
  try {
    h.ProcessTimed({{1}}, {kMaxWatermark});
    FAIL() << "expected an OperatorError";
  } catch (const OperatorError& e) {
    EXPECT_THAT(e.status(), StatusIs(absl::StatusCode::kInvalidArgument,
                                     "event timestamp 9223372036854775807 cannot be "
                                     "windowed by SessionWindows(gap 10 ms)"));
  }
}

TEST_F(WindowOperatorTest, SessionsMergeFireLateAndExpire) {
  auto h = Sessions(/*gap=*/10, /*lateness=*/5);
  h.ProcessTimed({{1}, {1}}, {0, 5});  // one session [0, 15)
  h.Watermark(14);                     // fires with 2
  h.ProcessTimed({{1}}, {12});         // extends it to [0, 22): not due yet
  h.Watermark(21);                     // fires with 3
  h.ProcessTimed({{1}}, {1});          // within the lateness: fires again with 4
  h.Watermark(26);                     // 21 + 5 <= 26: expired
  h.ProcessTimed({{1}}, {3});          // its own window [3, 13) is long gone: late
  h.ProcessTimed({{2}}, {30});
  h.Watermark(100);
  EXPECT_THAT(h.Items(), ElementsAre(CountResult{1, 0, 15, 2}, CountResult{1, 0, 22, 3},
                                     CountResult{1, 0, 22, 4, PaneTiming::kLate},
                                     CountResult{2, 30, 40, 1}));
  EXPECT_EQ(metrics_.late_records.Get(), 1u);
  EXPECT_EQ(h.output().SideItems<Event>(1).size(), 1u);
}

TEST_F(WindowOperatorTest, SessionsBridgedByAnEventMerge) {
  auto h = Sessions(/*gap=*/11, /*lateness=*/0);
  h.ProcessTimed({{1}, {1}}, {0, 30});   // [0, 11) and [30, 41)
  h.ProcessTimed({{1}, {1}}, {20, 10});  // each less than the gap apart: one [0, 41)
  h.ProcessTimed({{2}, {2}}, {0, 11});   // exactly the gap apart: two sessions
  h.Watermark(100);
  EXPECT_THAT(h.Items(), ::testing::UnorderedElementsAre(CountResult{1, 0, 41, 4},
                                                         CountResult{2, 0, 11, 1},
                                                         CountResult{2, 11, 22, 1}));
}

// Several in-order streams interleaved in blocks, as parallel upstream instances
// deliver them: a batch per block, then a watermark that trails every stream (so no
// event is late).
struct Round {
  std::vector<Event> items;
  std::vector<int64_t> stamps;
  int64_t watermark;
};
std::vector<Round> InterleavedRounds(int streams, int blocks, int keys = 5) {
  std::mt19937 rng(static_cast<uint32_t>(streams * 100 + keys));
  std::vector<int64_t> clock(static_cast<size_t>(streams), 0);
  std::vector<Round> rounds;
  for (int block = 0; block < blocks; ++block) {
    const size_t s = rng() % clock.size();
    Round& round = rounds.emplace_back();
    for (int n = 1 + static_cast<int>(rng() % 30); n > 0; --n) {
      clock[s] += static_cast<int64_t>(rng() % 30);
      round.items.push_back(Event{static_cast<int>(rng() % static_cast<uint32_t>(keys))});
      round.stamps.push_back(clock[s]);
    }
    round.watermark = *std::min_element(clock.begin(), clock.end()) - 1;
  }
  return rounds;
}
std::map<int, std::vector<int64_t>> TimesByKey(const std::vector<Round>& rounds) {
  std::map<int, std::vector<int64_t>> times;
  for (const Round& round : rounds) {
    for (size_t i = 0; i < round.items.size(); ++i) {
      times[round.items[i].key].push_back(round.stamps[i]);
    }
  }
  return times;
}
using SessionKey = std::tuple<int, int64_t, int64_t>;  // key, start, end

// Restores `snapshots` (taken from `first`) into two operators from `make`, each
// taking the key groups parallelism 2 gives it, and runs rounds [from, end) through
// them, each its own keys.
template <class Make>
std::vector<OperatorHarness<Event, CountResult>> ContinueAtParallelismTwo(
    const std::vector<std::pair<int, std::string>>& snapshots,
    OperatorHarness<Event, CountResult>& first, const std::vector<Round>& rounds,
    size_t from, Make make) {
  const int groups = OperatorContext{}.max_key_groups;
  auto owner = [groups](int key) {
    return KeyGroups::InstanceFor(KeyGroups::ForHash(StableHash(key), groups), groups, 2);
  };
  std::vector<OperatorHarness<Event, CountResult>> restored;
  for (int i = 0; i < 2; ++i) restored.push_back(make());
  for (const auto& [group, bytes] : snapshots) {
    EXPECT_TRUE(restored[KeyGroups::InstanceFor(group, groups, 2)]
                    .op()
                    .keyed_state()
                    ->RestoreKeyGroup(bytes)
                    .ok());
  }
  EXPECT_EQ(restored[0].op().keyed_state()->key_count() +
                restored[1].op().keyed_state()->key_count(),
            first.op().keyed_state()->key_count());
  for (size_t r = from; r < rounds.size(); ++r) {
    for (int i = 0; i < 2; ++i) {
      Round mine;
      for (size_t e = 0; e < rounds[r].items.size(); ++e) {
        if (owner(rounds[r].items[e].key) != i) continue;
        mine.items.push_back(rounds[r].items[e]);
        mine.stamps.push_back(rounds[r].stamps[e]);
      }
      if (!mine.items.empty()) restored[i].ProcessTimed(mine.items, mine.stamps);
      restored[i].Watermark(rounds[r].watermark);
    }
  }
  return restored;
}

// Sessions move between the in-order lane and the general merge path. Against
// brute-force sessions; each must be out before the first watermark at or past its
// end - 1.
TEST_F(WindowOperatorTest, InterleavedInOrderStreamsMatchBruteForceSessions) {
  const int64_t kGap = 50;
  // Few keys: long sessions, merged often. Many keys: a key's events far apart, so a
  // lagging stream brings sessions before, between and after the ones in the lane.
  for (auto [streams, keys] :
       {std::pair{1, 5}, {2, 5}, {3, 5}, {6, 5}, {2, 60}, {3, 60}}) {
    SCOPED_TRACE(::testing::Message() << streams << " streams, " << keys << " keys");
    auto h = Sessions(kGap, /*lateness=*/0);
    const std::vector<Round> rounds = InterleavedRounds(streams, 600, keys);
    for (const Round& round : rounds) {
      h.ProcessTimed(round.items, round.stamps);
      h.Watermark(round.watermark);
    }
    h.Watermark(kMaxWatermark);
    const auto times = TimesByKey(rounds);
    const auto expected = testing::BruteForceSessions(times, kGap);
    std::map<SessionKey, int64_t> got;
    for (const auto& entry : h.output().entries()) {
      if (const auto* batch = std::get_if<std::vector<CountResult>>(&entry)) {
        for (const CountResult& r : *batch) {
          EXPECT_TRUE(got.emplace(std::make_tuple(r.key, r.start, r.end), r.value).second)
              << "fired twice";
        }
        continue;
      }
      const int64_t w =
          std::get<testing::CapturingOutput<CountResult>::Control>(entry).value;
      for (const auto& [window, count] : expected) {
        if (std::get<2>(window) - 1 > w) continue;
        ASSERT_TRUE(got.contains(window))
            << streams << " streams: session (" << std::get<0>(window) << ", "
            << std::get<1>(window) << ", " << std::get<2>(window)
            << ") not out by watermark " << w;
      }
    }
    EXPECT_EQ(got, expected) << streams << " streams";
    EXPECT_GT(expected.size(), 100u);  // many sessions, not one per key
    EXPECT_EQ(metrics_.late_records.Get(), 0u);
  }
}

// Snapshot halfway (lane and general sessions alike), restore into two instances
// that split the key groups as parallelism 2 does, and go on: the sessions are
// still the brute-force ones, each fired once.
TEST_F(WindowOperatorTest, SessionsSnapshotRestoredAtParallelismTwoContinueExactly) {
  const int64_t kGap = 50;
  // One stream keeps every session in the lane; three send many to the general path.
  for (int streams : {1, 3}) {
    const std::vector<Round> rounds = InterleavedRounds(streams, 600);
    const size_t half = rounds.size() / 2;
    auto first = Sessions(kGap, 0);
    for (size_t r = 0; r < half; ++r) {
      first.ProcessTimed(rounds[r].items, rounds[r].stamps);
      first.Watermark(rounds[r].watermark);
    }
    auto snapshots = first.op().keyed_state()->SnapshotKeyGroups();
    ASSERT_TRUE(snapshots.ok()) << snapshots.status();
    ASSERT_GE(snapshots->size(), 2u);

    std::vector<OperatorHarness<Event, CountResult>> restored = ContinueAtParallelismTwo(
        *snapshots, first, rounds, half, [&] { return Sessions(kGap, 0); });
    std::map<SessionKey, int64_t> got;
    auto collect = [&](const std::vector<CountResult>& results) {
      for (const CountResult& r : results) {
        EXPECT_TRUE(got.emplace(SessionKey{r.key, r.start, r.end}, r.value).second)
            << "fired twice: " << r.key << " [" << r.start << ", " << r.end << ")";
      }
    };
    collect(first.Items());
    for (auto& h : restored) {
      h.Watermark(kMaxWatermark);
      collect(h.Items());
    }
    EXPECT_EQ(got, testing::BruteForceSessions(TimesByKey(rounds), kGap))
        << streams << " streams";
  }
}

// Tumbling and sliding windows, with and without allowed lateness, snapshot halfway
// and restored into two instances splitting the key groups as parallelism 2 does.
// The watermark runs ahead of the slower streams, so events arrive behind it: some
// within the lateness (windows fire again), some too late. Against brute force: an
// event counts in a window unless the window had expired (end - 1 + lateness <=
// watermark) when it came, and a window's last firing carries its count.
TEST_F(WindowOperatorTest, SlicedWindowsSnapshotRestoredAtParallelismTwoContinueExactly) {
  struct Case {
    SlicedWindows windows;
    int64_t size, slide, lateness;
  };
  for (const Case& c :
       {Case{TumblingWindows(50), 50, 50, 0}, Case{TumblingWindows(50), 50, 50, 60},
        Case{SlidingWindows(100, 25), 100, 25, 0},
        Case{SlidingWindows(100, 25), 100, 25, 60}}) {
    std::vector<Round> rounds = InterleavedRounds(3, 600, 7);
    // A watermark 40 behind the fastest stream: ahead of the slower ones.
    int64_t fastest = 0;
    for (Round& round : rounds) {
      for (int64_t t : round.stamps) fastest = std::max(fastest, t);
      round.watermark = std::max<int64_t>(round.watermark, fastest - 40);
    }
    // Brute force.
    std::map<SessionKey, int64_t> want;
    int64_t watermark = kMinWatermark;
    for (const Round& round : rounds) {
      for (size_t i = 0; i < round.items.size(); ++i) {
        const int64_t t = round.stamps[i];
        for (int64_t start = t - t % c.slide; start > t - c.size; start -= c.slide) {
          const int64_t end = start + c.size;
          if (watermark != kMinWatermark && end - 1 + c.lateness <= watermark) continue;
          ++want[{round.items[i].key, start, end}];
        }
      }
      watermark = std::max(watermark, round.watermark);
    }

    const size_t half = rounds.size() / 2;
    auto first = Sliced(c.windows, c.lateness);
    for (size_t r = 0; r < half; ++r) {
      first.ProcessTimed(rounds[r].items, rounds[r].stamps);
      first.Watermark(rounds[r].watermark);
    }
    auto snapshots = first.op().keyed_state()->SnapshotKeyGroups();
    ASSERT_TRUE(snapshots.ok()) << snapshots.status();
    ASSERT_GE(snapshots->size(), 2u);
    std::vector<OperatorHarness<Event, CountResult>> restored = ContinueAtParallelismTwo(
        *snapshots, first, rounds, half, [&] { return Sliced(c.windows, c.lateness); });
    // The last firing of each window counts (firings come in order).
    std::map<SessionKey, int64_t> got;
    std::map<SessionKey, int> firings;
    auto collect = [&](const std::vector<CountResult>& results) {
      for (const CountResult& r : results) {
        got[{r.key, r.start, r.end}] = r.value;
        ++firings[{r.key, r.start, r.end}];
      }
    };
    collect(first.Items());
    for (auto& h : restored) {
      h.Watermark(kMaxWatermark);
      collect(h.Items());
    }
    EXPECT_EQ(got, want) << "size " << c.size << " slide " << c.slide << " lateness "
                         << c.lateness;
    if (c.lateness == 0) {
      for (const auto& [window, n] : firings) EXPECT_EQ(n, 1) << "fired twice";
    }
  }
}

// Tumbling windows' snapshots are encoded straight from the open slices: restored,
// they must fire what the original fires, for keys in one open slice or in two.
TEST_F(WindowOperatorTest, OpenSliceSnapshotRestoresEveryWindow) {
  auto h = Sliced(TumblingWindows(100), /*lateness=*/0);
  std::vector<Event> events;
  std::vector<int64_t> stamps;
  for (int i = 0; i < 5000; ++i) {
    events.push_back(Event{i % 997});
    // Keys below 500 also have events in the next window: two open slices.
    stamps.push_back(i % 997 < 500 && i % 2 == 0 ? 300 + i % 100 : 200 + i % 100);
  }
  h.ProcessTimed(events, stamps);
  h.Watermark(150);
  auto snapshots = h.op().keyed_state()->SnapshotKeyGroups();
  ASSERT_TRUE(snapshots.ok()) << snapshots.status();
  auto restored = Sliced(TumblingWindows(100), /*lateness=*/0);
  for (const auto& [group, bytes] : *snapshots) {
    SLUICE_ASSERT_OK(restored.op().keyed_state()->RestoreKeyGroup(bytes));
  }
  h.Watermark(kMaxWatermark);
  restored.Watermark(kMaxWatermark);
  std::map<std::tuple<int, int64_t>, int64_t> want, got;
  for (const CountResult& r : h.Items()) want[{r.key, r.start}] = r.value;
  for (const CountResult& r : restored.Items()) got[{r.key, r.start}] = r.value;
  EXPECT_EQ(want.size(), 997u + 500u);
  EXPECT_EQ(got, want);
}

TEST_F(WindowOperatorTest, InputWithoutEventTimeFailsClearly) {
  auto h = Sliced(TumblingWindows(10), 0);
  try {
    h.Process({{1}});
    FAIL() << "expected an OperatorError";
  } catch (const OperatorError& e) {
    EXPECT_THAT(e.status(), StatusIs(absl::StatusCode::kFailedPrecondition,
                                     "call AssignTimestamps before the window"));
  }
}

TEST(SlicedWindowsTest, GridArithmetic) {
  SlicedWindows w(90, 60);
  EXPECT_EQ(w.slice(), 30);
  EXPECT_EQ(w.SliceStart(-1), -30);
  EXPECT_EQ(w.SliceStart(59), 30);
  // Windows start at multiples of 60: slice [30, 60) lies in [0, 90) only.
  EXPECT_EQ(w.FirstEnd(30), 90);
  EXPECT_EQ(w.LastEnd(30), 90);
  // Slice [60, 90) lies in [0, 90) and [60, 150).
  EXPECT_EQ(w.FirstEnd(60), 90);
  EXPECT_EQ(w.LastEnd(60), 150);
  EXPECT_THAT(SlicedWindows(10, 20).Validate(),
              StatusIs(absl::StatusCode::kInvalidArgument, "must not exceed its size"));
  EXPECT_THAT(
      SlicedWindows(0, 0).Validate(),
      StatusIs(absl::StatusCode::kInvalidArgument,
               "TumblingWindows(size): 0 ms is out of range; it must be between 1 "
               "ms and 9223372036854775807 ms"));
}

TEST(SlicedWindowsTest, SliceFinderAgreesWithSliceStart) {
  for (SlicedWindows w : {SlicedWindows(90, 60), SlicedWindows(100, 100, 30)}) {
    SliceFinder finder(w);
    // Forwards, backwards and across zero, with repeats.
    for (int64_t t : {-1000, -999, -31, -30, -29, -1, 0, 0,       29,       30, 31,
                      59,    60,   61,  500, -5,  7,  7, 1000000, -1000000, 89, 90}) {
      EXPECT_EQ(finder.SliceStart(t).value_or(kMinWatermark), w.SliceStart(t))
          << "t=" << t;
    }
  }
}

// --- timestamps and watermarks ---

struct Timed {
  int64_t time = 0;
  bool marker = false;
};

auto TimeOf = [](const Timed& t) { return t.time; };
using Control = ::sluice::testing::CapturingOutput<Timed>::Control;

std::vector<int64_t> Watermarks(const ::sluice::testing::CapturingOutput<Timed>& out) {
  std::vector<int64_t> watermarks;
  for (const auto& entry : out.entries()) {
    if (const auto* c = std::get_if<Control>(&entry)) {
      if (c->kind == ElementKind::kWatermark) watermarks.push_back(c->value);
    }
  }
  return watermarks;
}

TEST(TimestampAssignerTest, BoundedOutOfOrdernessTrailsTheMaximum) {
  OperatorHarness<Timed, Timed> h(
      std::make_unique<TimestampAssignerOperator<Timed, decltype(TimeOf)>>(
          TimeOf, WatermarkStrategy::BoundedOutOfOrderness(10)));
  SLUICE_ASSERT_OK(h.Open());
  h.Process({{100}, {90}, {120}});
  h.Process({{115}});  // no new maximum: no watermark
  h.Process({{130}});
  h.Watermark(7);              // upstream watermarks are replaced
  h.Watermark(kMaxWatermark);  // except end-of-input's
  EXPECT_THAT(h.Timestamps(), ElementsAre(100, 90, 120, 115, 130));
  EXPECT_THAT(Watermarks(h.output()), ElementsAre(109, 119, kMaxWatermark));
}

TEST(TimestampAssignerTest, MonotonousIsOneBelowTheMaximum) {
  OperatorHarness<Timed, Timed> h(
      std::make_unique<TimestampAssignerOperator<Timed, decltype(TimeOf)>>(
          TimeOf, WatermarkStrategy::Monotonous()));
  SLUICE_ASSERT_OK(h.Open());
  h.Process({{5}, {8}});
  EXPECT_THAT(Watermarks(h.output()), ElementsAre(7));
}

// Punctuated: only marker events move the watermark, to their own time.
class MarkerWatermarks final : public WatermarkGenerator<Timed> {
 public:
  void OnEvent(const Timed& event, int64_t timestamp) override {
    if (event.marker) watermark_ = timestamp;
  }
  int64_t CurrentWatermark() const override { return watermark_; }

 private:
  int64_t watermark_ = kMinWatermark;
};

TEST(TimestampAssignerTest, CustomGeneratorCanBePunctuated) {
  using Op = TimestampAssignerOperator<Timed, decltype(TimeOf)>;
  OperatorHarness<Timed, Timed> h(
      std::make_unique<Op>(TimeOf, typename Op::GeneratorFactory([] {
                             return std::make_unique<MarkerWatermarks>();
                           })));
  SLUICE_ASSERT_OK(h.Open());
  h.Process({{10}, {50}});
  h.Process({{20, true}, {60}});
  h.Process({{40, true}});
  EXPECT_THAT(Watermarks(h.output()), ElementsAre(20, 40));
}

TEST(TimestampAssignerTest, NegativeBoundFailsTheBuild) {
  Dataflow flow;
  flow.Source(CollectionSource(std::vector<Timed>{{1}}))
      .AssignTimestamps(TimeOf, WatermarkStrategy::BoundedOutOfOrderness(-5))
      .Sink([](const Timed&) {});
  EXPECT_THAT(flow.Build(testing::QuietOptions()).status(),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "BoundedOutOfOrderness(bound): -5 ms is out of range"));
}

}  // namespace
}  // namespace sluice
