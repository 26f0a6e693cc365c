// Triggers (early count and processing-time firings, count triggers, accumulating
// and discarding panes, late firings), global windows, custom assigners and
// windows over a whole stream, against expectations computed here.
#include <algorithm>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "sluice/operators/windows/triggered_window_operator.h"
#include "sluice/runtime/operator_metrics.h"
#include "sluice/runtime/stable_hash.h"
#include "sluice/sluice.h"
#include "sluice/tests/brute_force_sessions.h"
#include "sluice/tests/fake_processing_timers.h"
#include "sluice/tests/operator_harness.h"
#include "sluice/tests/run_config.h"
#include "sluice/tests/status_matchers.h"

namespace sluice {
namespace {

using ::sluice::testing::RunConfig;
using ::sluice::testing::RunConfigName;
using ::sluice::testing::RunConfigTest;
using ::testing::HasSubstr;
using ::testing::UnorderedElementsAreArray;

constexpr int64_t kBound = 30;
constexpr uint32_t kKeys = 7;
constexpr uint64_t kEvents = 6000;

struct Event {
  uint32_t key = 0;
  int64_t time = 0;
};

Event MakeEvent(uint64_t i) {
  uint64_t h = StableHash(i + 99);
  return Event{static_cast<uint32_t>(h % kKeys),
               static_cast<int64_t>(i) - static_cast<int64_t>((h >> 12) % kBound)};
}

int64_t FloorTo(int64_t t, int64_t m) { return t - ((t % m) + m) % m; }

// (key, window start, value) of every firing, as a sortable multiset.
using Firing = std::tuple<uint32_t, int64_t, int64_t>;

template <class R>
std::vector<Firing> Firings(const std::vector<WindowResult<uint32_t, R>>& results) {
  std::vector<Firing> out;
  for (const auto& r : results) out.push_back({r.key, r.start, r.value});
  return out;
}

// Element counts per (key, tumbling window start).
std::map<std::pair<uint32_t, int64_t>, int64_t> CountsPerWindow(int64_t size) {
  std::map<std::pair<uint32_t, int64_t>, int64_t> counts;
  for (uint64_t i = 0; i < kEvents; ++i) {
    Event e = MakeEvent(i);
    ++counts[{e.key, FloorTo(e.time, size)}];
  }
  return counts;
}

// What a count trigger every n emits for a window of `total` elements: accumulating,
// n, 2n, ... then the total again on time; discarding, n each time, then the rest.
std::vector<int64_t> ExpectedFirings(int64_t total, int64_t n, bool discarding,
                                     bool on_watermark) {
  std::vector<int64_t> values;
  for (int64_t k = 1; k * n <= total; ++k) values.push_back(discarding ? n : k * n);
  int64_t rest = total % n;
  if (discarding) {
    if (rest > 0) values.push_back(rest);
  } else if (rest > 0 || (on_watermark && total > 0)) {
    values.push_back(total);
  }
  return values;
}

class TriggerTest : public RunConfigTest {
 protected:
  auto Keyed(Dataflow& flow) {
    return flow.Source(GeneratorSource(MakeEvent).Count(kEvents))
        .AssignTimestamps([](const Event& e) { return e.time; },
                          WatermarkStrategy::BoundedOutOfOrderness(kBound))
        .KeyBy([](const Event& e) { return e.key; });
  }
};

TEST_P(TriggerTest, EarlyCountFiringsAccumulateOrDiscard) {
  constexpr int64_t kSize = 500;
  constexpr int64_t kEvery = 16;
  for (bool discarding : {false, true}) {
    WindowTrigger trigger = WindowTrigger::OnWatermark().EarlyEvery(kEvery);
    if (discarding) trigger = trigger.Discarding();
    Dataflow flow;
    CollectorSink<WindowResult<uint32_t, int64_t>> sink;
    Keyed(flow)
        .Window(TumblingWindows(kSize))
        .Trigger(trigger)
        .Aggregate(aggregates::Count())
        .Sink(sink);
    SLUICE_ASSERT_OK(flow.Run(Options()));
    std::vector<Firing> expected;
    for (const auto& [window, total] : CountsPerWindow(kSize)) {
      for (int64_t v : ExpectedFirings(total, kEvery, discarding, true)) {
        expected.push_back({window.first, window.second, v});
      }
    }
    EXPECT_THAT(Firings(sink.Items()), UnorderedElementsAreArray(expected))
        << (discarding ? "discarding" : "accumulating");
  }
}

TEST_P(TriggerTest, GlobalWindowsWithACountTrigger) {
  constexpr int64_t kEvery = 100;
  std::map<uint32_t, int64_t> per_key;
  for (uint64_t i = 0; i < kEvents; ++i) ++per_key[MakeEvent(i).key];
  for (bool discarding : {false, true}) {
    WindowTrigger trigger = WindowTrigger::Count(kEvery);
    if (discarding) trigger = trigger.Discarding();
    Dataflow flow;
    CollectorSink<WindowResult<uint32_t, int64_t>> sink;
    Keyed(flow)
        .Window(GlobalWindows())
        .Trigger(trigger)
        .Aggregate(aggregates::Count())
        .Sink(sink);
    SLUICE_ASSERT_OK(flow.Run(Options()));
    std::vector<Firing> expected;
    for (const auto& [key, total] : per_key) {
      for (int64_t v : ExpectedFirings(total, kEvery, discarding, false)) {
        expected.push_back({key, kMinWatermark, v});
      }
    }
    EXPECT_THAT(Firings(sink.Items()), UnorderedElementsAreArray(expected))
        << (discarding ? "discarding" : "accumulating");
  }
}

// A custom assigner: every event belongs to its 100 ms window and its 1 s window.
struct TwoScales {
  void AssignWindows(const Event&, int64_t ts, std::vector<TimeWindow>& out) const {
    out.push_back({FloorTo(ts, 100), FloorTo(ts, 100) + 100});
    out.push_back({FloorTo(ts, 1000), FloorTo(ts, 1000) + 1000});
  }
};

TEST_P(TriggerTest, CustomAssignerMatchesBruteForce) {
  std::map<std::tuple<uint32_t, int64_t, int64_t>, int64_t> expected_counts;
  for (uint64_t i = 0; i < kEvents; ++i) {
    Event e = MakeEvent(i);
    ++expected_counts[{e.key, FloorTo(e.time, 100), 100}];
    ++expected_counts[{e.key, FloorTo(e.time, 1000), 1000}];
  }
  Dataflow flow;
  CollectorSink<WindowResult<uint32_t, int64_t>> sink;
  Keyed(flow).Window(TwoScales{}).Aggregate(aggregates::Count()).Sink(sink);
  SLUICE_ASSERT_OK(flow.Run(Options()));
  std::map<std::tuple<uint32_t, int64_t, int64_t>, int64_t> got;
  for (const auto& r : sink.Items()) {
    EXPECT_TRUE(
        got.emplace(std::make_tuple(r.key, r.start, r.end - r.start), r.value).second);
  }
  EXPECT_EQ(got, expected_counts);
}

TEST_P(TriggerTest, WindowAllCountsTheWholeStream) {
  constexpr int64_t kSize = 250;
  std::map<int64_t, int64_t> expected;
  std::map<int64_t, int64_t> expected_max;
  for (uint64_t i = 0; i < kEvents; ++i) {
    Event e = MakeEvent(i);
    ++expected[FloorTo(e.time, kSize)];
    auto [it, fresh] = expected_max.try_emplace(FloorTo(e.time, kSize), e.key);
    it->second = std::max<int64_t>(it->second, e.key);
  }
  Dataflow flow;
  CollectorSink<WindowResult<uint8_t, int64_t>> counts;
  CollectorSink<WindowResult<uint8_t, uint32_t>> maxima;
  auto events = flow.Source(GeneratorSource(MakeEvent).Count(kEvents))
                    .AssignTimestamps([](const Event& e) { return e.time; },
                                      WatermarkStrategy::BoundedOutOfOrderness(kBound));
  events.WindowAll(TumblingWindows(kSize)).Aggregate(aggregates::Count()).Sink(counts);
  events.WindowAll(TumblingWindows(kSize))
      .Process([](uint8_t, const TimeWindow&, const std::vector<Event>& all) {
        uint32_t max = 0;
        for (const Event& e : all) max = std::max(max, e.key);
        return max;
      })
      .Sink(maxima);
  SLUICE_ASSERT_OK(flow.Run(Options()));
  std::map<int64_t, int64_t> got;
  for (const auto& r : counts.Items()) got[r.start] += r.value;
  EXPECT_EQ(got, expected);
  EXPECT_EQ(counts.Items().size(), expected.size());  // one result per window
  std::map<int64_t, int64_t> got_max;
  for (const auto& r : maxima.Items()) got_max[r.start] = r.value;
  EXPECT_EQ(got_max, expected_max);
}

// Session windows with a trigger: early firings come from sessions that merge
// later, so each firing is checked against the brute-force session that holds its
// window. Accumulating, every firing is at most the session's count and the
// session's on-time firing is its whole count; discarding, a session's firings add
// up to its count. Windows that do not lie inside one session fail.
TEST_P(TriggerTest, SessionWindowsWithTriggersMatchBruteForce) {
  constexpr int64_t kGap = 9;
  std::map<uint32_t, std::vector<int64_t>> times;
  for (uint64_t i = 0; i < kEvents; ++i)
    times[MakeEvent(i).key].push_back(MakeEvent(i).time);
  const auto sessions = testing::BruteForceSessions(times, kGap);
  ASSERT_GT(sessions.size(), 100u);  // the gap really cuts sessions
  struct Case {
    WindowTrigger trigger;
    bool process;  // a full-window function, whose element lists merge
  };
  for (const Case& c :
       {Case{WindowTrigger::OnWatermark().EarlyEvery(5), false},
        Case{WindowTrigger::OnWatermark().EarlyEvery(5), true},
        Case{WindowTrigger::OnWatermark().EarlyEvery(4).Discarding(), false},
        Case{WindowTrigger::Count(3).Discarding(), true}}) {
    const std::string name =
        absl::StrCat(c.trigger.discarding ? "discarding" : "accumulating", " every ",
                     c.trigger.every_count, c.process ? " process" : " aggregate");
    Dataflow flow;
    CollectorSink<WindowResult<uint32_t, int64_t>> sink;
    auto windowed = Keyed(flow).Window(SessionWindows(kGap)).Trigger(c.trigger);
    if (c.process) {
      windowed
          .Process([](uint32_t, const TimeWindow&, const std::vector<Event>& all) {
            return static_cast<int64_t>(all.size());
          })
          .Sink(sink);
    } else {
      windowed.Aggregate(aggregates::Count()).Sink(sink);
    }
    SLUICE_ASSERT_OK(flow.Run(Options()));
    std::map<std::tuple<uint32_t, int64_t, int64_t>, int64_t> sums;
    std::map<std::tuple<uint32_t, int64_t, int64_t>, int64_t> whole;
    int bad = 0;
    for (const auto& r : sink.Items()) {
      auto it = sessions.upper_bound({r.key, r.start, kMaxWatermark});
      bool inside = it != sessions.begin() && std::get<0>((--it)->first) == r.key &&
                    std::get<2>(it->first) >= r.end;
      if (!inside || r.value > it->second) {
        if (bad++ < 5) {
          ADD_FAILURE() << name << ": firing (" << r.key << ", " << r.start << ", "
                        << r.end << ") = " << r.value
                        << " is in no session or exceeds it";
        }
        continue;
      }
      sums[it->first] += r.value;
      const bool exact =
          r.start == std::get<1>(it->first) && r.end == std::get<2>(it->first);
      // One on-time firing per session, of the final session; nothing is late.
      if (r.timing == PaneTiming::kOnTime) {
        EXPECT_TRUE(exact) << name << ": on time, but not the whole session: " << r;
        EXPECT_TRUE(whole.emplace(it->first, r.value).second)
            << name << ": twice on time";
      }
      EXPECT_NE(r.timing, PaneTiming::kLate) << name << ": " << r;
    }
    if (c.trigger.discarding) {
      EXPECT_EQ(sums, sessions) << name;
    } else {
      EXPECT_EQ(whole, sessions) << name;
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Configs, TriggerTest,
                         ::testing::Values(RunConfig{1, 1024, 0}, RunConfig{2, 1024, 0},
                                           RunConfig{1, 7, 3}, RunConfig{2, 5, 17}),
                         RunConfigName);

using ::sluice::testing::FakeProcessingTimers;

using CountResult = WindowResult<uint32_t, int64_t>;
auto KeyOf = [](const Event& e) { return e.key; };
using Triggered =
    TriggeredWindowOperator<uint32_t, Event, decltype(KeyOf), SlicedWindowAssigner,
                            aggregates::CountAggregate,
                            AggregateFinish<aggregates::CountAggregate>>;

constexpr PaneTiming kEarly = PaneTiming::kEarly;
constexpr PaneTiming kOnTime = PaneTiming::kOnTime;
constexpr PaneTiming kLate = PaneTiming::kLate;

std::vector<PaneTiming> Timings(const std::vector<CountResult>& results) {
  std::vector<PaneTiming> out;
  for (const auto& r : results) out.push_back(r.timing);
  return out;
}

// A triggered window operator counting per key, with late events on side output 1.
template <class Op, class Assigner>
std::unique_ptr<testing::OperatorHarness<Event, CountResult>> MakeCounting(
    Assigner assigner, WindowTrigger trigger, int64_t lateness,
    FakeProcessingTimers* timers, OperatorMetrics* metrics) {
  OperatorContext context;
  context.processing_timers = timers;
  context.metrics = metrics;
  auto h = std::make_unique<testing::OperatorHarness<Event, CountResult>>(
      std::make_unique<Op>(KeyOf, assigner, aggregates::CountAggregate{},
                           AggregateFinish<aggregates::CountAggregate>{}, trigger,
                           lateness,
                           /*late_output=*/true),
      context);
  EXPECT_TRUE(h->Open().ok());
  return h;
}

std::unique_ptr<testing::OperatorHarness<Event, CountResult>> MakeTriggered(
    WindowTrigger trigger, int64_t lateness, FakeProcessingTimers* timers,
    OperatorMetrics* metrics) {
  return MakeCounting<Triggered>(SlicedWindowAssigner{TumblingWindows(100)}, trigger,
                                 lateness, timers, metrics);
}

TEST(TriggeredWindowOperatorTest, ProcessingTimeEarlyFiringsOnlyForWindowsWithNews) {
  FakeProcessingTimers timers;
  timers.now = 1000;
  auto h = MakeTriggered(WindowTrigger::OnWatermark().EarlyEveryProcessingTime(50), 0,
                         &timers, nullptr);
  h->ProcessTimed({{1, 10}, {1, 20}, {2, 30}}, {10, 20, 30});
  ASSERT_EQ(timers.registered, std::vector<int64_t>{1050});
  timers.now = 1050;
  h->ProcessingTime(1050);
  EXPECT_THAT(Firings(h->Items()),
              UnorderedElementsAreArray(std::vector<Firing>{{1, 0, 2}, {2, 0, 1}}));
  h->ProcessTimed({{1, 40}}, {40});  // only key 1 has news
  timers.now = 1100;
  h->ProcessingTime(1100);
  h->Watermark(99);  // on time: accumulating, both windows again
  EXPECT_THAT(Firings(h->Items()),
              UnorderedElementsAreArray(std::vector<Firing>{
                  {1, 0, 2}, {2, 0, 1}, {1, 0, 3}, {1, 0, 3}, {2, 0, 1}}));
  EXPECT_EQ(Timings(h->Items()),
            (std::vector<PaneTiming>{kEarly, kEarly, kEarly, kOnTime, kOnTime}));
}

TEST(TriggeredWindowOperatorTest, LateFiringsDiscardingAndLateOutput) {
  FakeProcessingTimers timers;
  OperatorMetrics metrics("window", 0, 1);
  auto h = MakeTriggered(WindowTrigger::OnWatermark().Discarding(), /*lateness=*/50,
                         &timers, &metrics);
  h->ProcessTimed({{1, 10}, {1, 20}}, {10, 20});
  h->Watermark(120);                 // window [0, 100) fires: 2
  h->ProcessTimed({{1, 30}}, {30});  // within lateness: fires the late element: 1
  h->Watermark(149);                 // lateness over: [0, 100) is dropped
  h->ProcessTimed({{1, 40}}, {40});  // too late: side output, counted
  EXPECT_THAT(Firings(h->Items()),
              ::testing::ElementsAre(Firing{1, 0, 2}, Firing{1, 0, 1}));
  EXPECT_THAT(h->Timestamps(), ::testing::ElementsAre(99, 99));
  EXPECT_EQ(Timings(h->Items()), (std::vector<PaneTiming>{kOnTime, kLate}));
  std::vector<Event> late = h->output().SideItems<Event>(1);
  ASSERT_EQ(late.size(), 1u);
  EXPECT_EQ(late[0].time, 40);
  EXPECT_EQ(metrics.late_records.Get(), 1u);
  EXPECT_EQ(h->op().keyed_state()->key_count(), 0u);
}

using Sessions =
    TriggeredWindowOperator<uint32_t, Event, decltype(KeyOf), SessionWindowAssigner,
                            aggregates::CountAggregate,
                            AggregateFinish<aggregates::CountAggregate>>;

std::unique_ptr<testing::OperatorHarness<Event, CountResult>> MakeSessions(
    WindowTrigger trigger, int64_t lateness, OperatorMetrics* metrics = nullptr,
    FakeProcessingTimers* timers = nullptr) {
  return MakeCounting<Sessions>(SessionWindowAssigner{SessionWindows(10)}, trigger,
                                lateness, timers, metrics);
}

using Window = std::tuple<uint32_t, int64_t, int64_t, int64_t>;  // key, start, end, value

std::vector<Window> Windows(const std::vector<CountResult>& results) {
  std::vector<Window> out;
  for (const auto& r : results) out.push_back({r.key, r.start, r.end, r.value});
  return out;
}

TEST(TriggeredSessionTest, AMergeAddsUpTheCountsOfTheSessionsItJoins) {
  for (bool discarding : {false, true}) {
    // Every 4: only the sum of both sessions' counts and the element reaches it.
    WindowTrigger trigger = WindowTrigger::OnWatermark().EarlyEvery(4);
    if (discarding) trigger = trigger.Discarding();
    auto h = MakeSessions(trigger, 0);
    h->ProcessTimed({{1, 0}, {1, 20}}, {0, 20});  // [0, 10) and [20, 30)
    h->ProcessTimed({{1, 5}}, {5});               // [0, 15): 2
    EXPECT_THAT(h->Items(), ::testing::IsEmpty());
    h->ProcessTimed({{1, 12}}, {12});  // bridges both: [0, 30), 2 + 1 + 1 = 4
    h->ProcessTimed({{1, 40}}, {40});  // a session of its own
    h->Watermark(29);                  // [0, 30) on time
    h->Watermark(60);                  // [40, 50): its one element
    std::vector<Window> want = {{1, 0, 30, 4}, {1, 0, 30, 4}, {1, 40, 50, 1}};
    if (discarding) want = {{1, 0, 30, 4}, {1, 40, 50, 1}};  // nothing new on time
    EXPECT_EQ(Windows(h->Items()), want) << (discarding ? "discarding" : "accumulating");
    std::vector<PaneTiming> timings = {kEarly, kOnTime, kOnTime};
    if (discarding) timings = {kEarly, kOnTime};
    EXPECT_EQ(Timings(h->Items()), timings);
    EXPECT_EQ(h->op().keyed_state()->key_count(), 0u);
  }
}

TEST(TriggeredSessionTest, LateElementsMergeIntoFiredSessionsOrGoToTheSideOutput) {
  OperatorMetrics metrics("window", 0, 1);
  auto h = MakeSessions(WindowTrigger::OnWatermark(), /*lateness=*/20, &metrics);
  h->ProcessTimed({{1, 0}}, {0});
  h->Watermark(9);                   // [0, 10) fires: 1
  h->ProcessTimed({{1, 15}}, {15});  // [15, 25), open
  h->ProcessTimed({{1, 8}}, {8});    // joins both: [0, 25) ends after 9, so waits
  h->Watermark(24);                  // [0, 25) on time: 3
  h->Watermark(50);                  // [0, 25) is past its lateness and dropped
  h->ProcessTimed({{1, 30}}, {30});  // [30, 40) ended, within lateness: fires late, 1
  h->ProcessTimed({{1, 22}}, {22});  // [22, 32) joins it: [22, 40), late again, 2
  h->ProcessTimed({{1, 1}}, {1});    // [1, 11): past its lateness, late
  h->ProcessTimed({{1, 12}}, {12});  // [12, 22) touches [22, 40) only: late
  EXPECT_EQ(Windows(h->Items()),
            (std::vector<Window>{
                {1, 0, 10, 1}, {1, 0, 25, 3}, {1, 30, 40, 1}, {1, 22, 40, 2}}));
  EXPECT_EQ(Timings(h->Items()),
            (std::vector<PaneTiming>{kOnTime, kOnTime, kLate, kLate}));
  std::vector<Event> late = h->output().SideItems<Event>(1);
  ASSERT_EQ(late.size(), 2u);
  EXPECT_EQ(late[0].time, 1);
  EXPECT_EQ(late[1].time, 12);
  EXPECT_EQ(metrics.late_records.Get(), 2u);
  h->Watermark(60);  // [22, 40) past its lateness
  EXPECT_EQ(h->op().keyed_state()->key_count(), 0u);
}

// Open sessions, with their counts towards the next early firing, are key-group
// state: a restored operator merges and fires them as the first would have.
TEST(TriggeredSessionTest, SessionsAndTheirCountsSurviveASnapshot) {
  const WindowTrigger trigger = WindowTrigger::OnWatermark().EarlyEvery(4);
  auto first = MakeSessions(trigger, 0);
  first->ProcessTimed({{1, 0}, {1, 20}, {1, 5}, {2, 7}}, {0, 20, 5, 7});
  auto snapshots = first->op().keyed_state()->SnapshotKeyGroups();
  ASSERT_TRUE(snapshots.ok()) << snapshots.status();
  auto restored = MakeSessions(trigger, 0);
  for (const auto& [group, bytes] : *snapshots) {
    SLUICE_ASSERT_OK(restored->op().keyed_state()->RestoreKeyGroup(bytes));
  }
  EXPECT_EQ(restored->op().keyed_state()->key_count(), 2u);
  restored->ProcessTimed({{1, 12}}, {12});  // [0, 15) + [20, 30) + 1 = 4
  restored->Watermark(60);
  EXPECT_THAT(Windows(restored->Items()),
              UnorderedElementsAreArray(
                  std::vector<Window>{{1, 0, 30, 4}, {1, 0, 30, 4}, {2, 7, 17, 1}}));
  EXPECT_EQ(restored->op().keyed_state()->key_count(), 0u);
}

// Restores the snapshot of `from` into a new session operator.
std::unique_ptr<testing::OperatorHarness<Event, CountResult>> RestoreSessions(
    testing::OperatorHarness<Event, CountResult>& from, WindowTrigger trigger,
    int64_t lateness, FakeProcessingTimers* timers = nullptr) {
  auto snapshots = from.op().keyed_state()->SnapshotKeyGroups();
  EXPECT_TRUE(snapshots.ok()) << snapshots.status();
  auto restored = MakeSessions(trigger, lateness, nullptr, timers);
  if (!snapshots.ok()) return restored;
  for (const auto& [group, bytes] : *snapshots) {
    EXPECT_TRUE(restored->op().keyed_state()->RestoreKeyGroup(bytes).ok());
  }
  return restored;
}

// A restore at another parallelism can lower the watermark below a session that
// already fired on time; an element that leaves its end in place fires it late, not
// on time a second time.
TEST(TriggeredSessionTest, AFiredSessionStaysFiredBelowARestoredWatermark) {
  const WindowTrigger trigger = WindowTrigger::OnWatermark();
  auto first = MakeSessions(trigger, /*lateness=*/20);
  first->ProcessTimed({{1, 0}}, {0});
  first->Watermark(9);  // [0, 10) on time: 1
  auto restored = RestoreSessions(*first, trigger, 20);
  restored->Watermark(5);
  restored->ProcessTimed({{1, 0}}, {0});  // same end: a late firing, now
  restored->Watermark(9);                 // nothing more on time
  EXPECT_EQ(Windows(restored->Items()), (std::vector<Window>{{1, 0, 10, 2}}));
  EXPECT_EQ(Timings(restored->Items()), (std::vector<PaneTiming>{kLate}));
}

// Elements a processing-time firing owes when the snapshot is taken are still owed
// after the restore.
TEST(TriggeredSessionTest, OwedProcessingTimeFiringsSurviveARestore) {
  const WindowTrigger trigger = WindowTrigger::OnWatermark().EarlyEveryProcessingTime(50);
  FakeProcessingTimers timers;
  timers.now = 1000;
  auto first = MakeSessions(trigger, 0, nullptr, &timers);
  first->ProcessTimed({{1, 0}, {1, 4}}, {0, 4});
  FakeProcessingTimers later;
  later.now = 5000;
  auto restored = RestoreSessions(*first, trigger, 0, &later);
  ASSERT_EQ(later.registered, std::vector<int64_t>{5050});
  later.now = 5050;
  restored->ProcessingTime(5050);
  EXPECT_EQ(Windows(restored->Items()), (std::vector<Window>{{1, 0, 14, 2}}));
  EXPECT_EQ(Timings(restored->Items()), (std::vector<PaneTiming>{kEarly}));
}

}  // namespace
}  // namespace sluice
