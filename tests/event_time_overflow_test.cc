// Operators at the ends of event time (issue 17 §5), driven batch by batch with
// explicit watermarks: allowed lateness "forever", the last watermark before the end
// of input, and processing-time durations too long to add to the clock, against
// hand-worked or brute-force expectations.
#include <cstdint>
#include <limits>
#include <map>
#include <memory>
#include <tuple>
#include <variant>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "sluice/operators/joins/table_join_operator.h"
#include "sluice/sluice.h"
#include "sluice/tests/fake_processing_timers.h"
#include "sluice/tests/operator_harness.h"
#include "sluice/tests/status_matchers.h"

namespace sluice {
namespace {

using ::sluice::testing::FakeProcessingTimers;
using ::sluice::testing::OperatorHarness;
using ::testing::ElementsAre;

constexpr int64_t kMax = std::numeric_limits<int64_t>::max();
constexpr int64_t kMin = std::numeric_limits<int64_t>::min();
constexpr PaneTiming kEarly = PaneTiming::kEarly;
constexpr PaneTiming kOnTime = PaneTiming::kOnTime;
constexpr PaneTiming kLate = PaneTiming::kLate;

struct Event {
  int key = 0;
};
auto KeyOf = [](const Event& e) { return e.key; };
using Count = aggregates::CountAggregate;
using CountFinish = AggregateFinish<Count>;
using CountResult = WindowResult<int, int64_t>;
using Harness = OperatorHarness<Event, CountResult>;
using Window = std::tuple<int, int64_t, int64_t>;

std::unique_ptr<Harness> Open(std::unique_ptr<Operator> op, OperatorMetrics* metrics,
                              ProcessingTimers* timers = nullptr) {
  OperatorContext context;
  context.metrics = metrics;
  context.processing_timers = timers;
  auto h = std::make_unique<Harness>(std::move(op), context);
  EXPECT_TRUE(h->Open().ok());
  return h;
}

std::unique_ptr<Harness> Sliced(SlicedWindows windows, int64_t lateness,
                                OperatorMetrics* metrics) {
  return Open(std::make_unique<
                  SlicedWindowOperator<int, Event, decltype(KeyOf), Count, CountFinish>>(
                  KeyOf, Count{}, CountFinish{Count{}}, windows, lateness),
              metrics);
}
std::unique_ptr<Harness> Sessions(int64_t gap, int64_t lateness,
                                  OperatorMetrics* metrics) {
  return Open(std::make_unique<
                  SessionWindowOperator<int, Event, decltype(KeyOf), Count, CountFinish>>(
                  KeyOf, Count{}, CountFinish{Count{}}, SessionWindows(gap), lateness),
              metrics);
}
template <class Assigner>
std::unique_ptr<Harness> Triggered(Assigner assigner, WindowTrigger trigger,
                                   int64_t lateness, OperatorMetrics* metrics,
                                   ProcessingTimers* timers = nullptr) {
  return Open(std::make_unique<TriggeredWindowOperator<int, Event, decltype(KeyOf),
                                                       Assigner, Count, CountFinish>>(
                  KeyOf, assigner, Count{}, CountFinish{Count{}}, trigger, lateness,
                  /*late_output=*/true),
              metrics, timers);
}

// Allowed lateness INT64_MAX keeps every window until the end of input: 1,000 windows
// (of keys 0..2) fire on time, then an event for each, far behind the watermark,
// fires it again with one more; after the watermark INT64_MAX - 1 they still do.
// (window end - 1 + lateness overflowed to a negative time: every window counted
// as expired, so the late events were dropped and most windows never fired.)
TEST(EventTimeOverflowTest, LatenessForeverFiresEveryWindowAgain) {
  enum Kind { kTumbling, kSliding, kSessions, kTriggered };
  for (Kind kind : {kTumbling, kSliding, kSessions, kTriggered}) {
    OperatorMetrics metrics("window", 0, 1);
    std::unique_ptr<Harness> h =
        kind == kTumbling   ? Sliced(TumblingWindows(10), kMax, &metrics)
        : kind == kSliding  ? Sliced(SlidingWindows(20, 10), kMax, &metrics)
        : kind == kSessions ? Sessions(/*gap=*/5, kMax, &metrics)
                            : Triggered(SlicedWindowAssigner{TumblingWindows(10)},
                                        WindowTrigger::OnWatermark(), kMax, &metrics);
    std::map<Window, int64_t> expected;  // brute force: the windows of every event
    auto add = [&](int key, int64_t t) {
      h->ProcessTimed({{key}}, {t});
      if (kind == kSessions) {
        ++expected[{key, t, t + 5}];  // [w*10+1, w*10+6): sessions never touch
      } else if (kind == kSliding) {
        ++expected[{key, t / 10 * 10 - 10, t / 10 * 10 + 10}];
        ++expected[{key, t / 10 * 10, t / 10 * 10 + 20}];
      } else {
        ++expected[{key, t / 10 * 10, t / 10 * 10 + 10}];
      }
    };
    for (int64_t w = 0; w < 1000; ++w) add(static_cast<int>(w % 3), w * 10 + 1);
    h->Watermark(100'000);
    const size_t on_time = h->Items().size();
    EXPECT_EQ(on_time, expected.size()) << kind;
    for (int64_t w = 999; w >= 0; --w) add(static_cast<int>(w % 3), w * 10 + 1);
    h->Watermark(kMax - 1);
    add(0, 1);
    h->Watermark(kMax);
    std::map<Window, int64_t> last;
    size_t late = 0;
    for (const CountResult& r : h->Items()) {
      last[{r.key, r.start, r.end}] = r.value;
      late += r.timing == kLate;
    }
    EXPECT_EQ(last, expected) << kind;
    // Each late event fired each of its windows again.
    EXPECT_EQ(late, h->Items().size() - on_time) << kind;
    EXPECT_EQ(late, (kind == kSliding ? 2 : 1) * 1001u) << kind;
    EXPECT_EQ(metrics.late_records.Get(), 0u) << kind;
  }
}

// The watermark INT64_MAX - 1, the last before the end of input, must pass: a window
// whose clean-up or firing is at the end of input was woken at INT64_MAX - 1 and
// woken again at once, forever. At the end of input a count trigger's leftovers fire.
TEST(EventTimeOverflowTest, LastWatermarkBeforeTheEndPassesAndTheEndFiresTheRest) {
  OperatorMetrics metrics("window", 0, 1);
  auto global =
      Triggered(GlobalWindows(), WindowTrigger::Count(3), /*lateness=*/0, &metrics);
  global->ProcessTimed({{1}, {1}, {1}, {1}, {1}}, {1, 2, 3, 4, 5});
  global->Watermark(kMax - 1);
  EXPECT_THAT(global->Items(), ElementsAre(CountResult{1, kMin, kMax, 3, kEarly}));
  global->Watermark(kMax);
  EXPECT_THAT(global->Items(), ElementsAre(CountResult{1, kMin, kMax, 3, kEarly},
                                           CountResult{1, kMin, kMax, 5, kOnTime}));

  auto tumbling = Triggered(SlicedWindowAssigner{TumblingWindows(100)},
                            WindowTrigger::OnWatermark(), kMax, &metrics);
  tumbling->ProcessTimed({{1}}, {10});
  tumbling->Watermark(kMax - 1);  // fires [0, 100); kept for late events
  tumbling->ProcessTimed({{1}}, {20});
  tumbling->Watermark(kMax);
  EXPECT_THAT(tumbling->Items(), ElementsAre(CountResult{1, 0, 100, 1, kOnTime},
                                             CountResult{1, 0, 100, 2, kLate}));
}

// A table-join event at INT64_MAX waits for the end of input, also when the
// watermark INT64_MAX - 1 came first (its wake-up, held at INT64_MAX - 1, fired
// early and was never set again: the event was lost).
TEST(EventTimeOverflowTest, TableJoinEventAtTheEndOfTimeJoinsAtTheEndOfInput) {
  struct Row {
    int key = 0;
    int64_t id = 0;
  };
  struct KeyOfRow {
    int operator()(const Row& r) const { return r.key; }
  };
  struct Joined {
    int64_t operator()(const Row& event, const Row* row) const {
      return event.id * 100 + (row == nullptr ? -1 : row->id);
    }
  };
  OperatorHarness<Row, int64_t> h(
      std::make_unique<
          TableJoinOperator<int, Row, Row, KeyOfRow, KeyOfRow, NoDeletes, Joined>>(
          KeyOfRow{}, KeyOfRow{}, NoDeletes{}, TableJoinOptions{}, Joined{}));
  SLUICE_ASSERT_OK(h.Open());
  h.ProcessTimed({{1, 7}}, {kMin + 1}, /*port=*/1);
  h.ProcessTimed({{1, 5}, {1, 6}}, {kMax, kMax - 1});
  h.Watermark(kMax - 1);
  EXPECT_THAT(h.Items(), ElementsAre(607));
  h.Watermark(kMax);
  EXPECT_THAT(h.Items(), ElementsAre(607, 507));
}

// Durations near INT64_MAX ms on the processing clock mean "not in this job's
// lifetime": a wake-up at now + duration overflowed into the past, so a source was
// marked idle at once and a processing-time trigger fired at once.
TEST(EventTimeOverflowTest, ProcessingTimeDurationsDoNotWrapIntoThePast) {
  struct Timed {
    int64_t time = 0;
  };
  auto time_of = [](const Timed& t) { return t.time; };
  FakeProcessingTimers timers;
  timers.now = 1'000'000;
  OperatorContext context;
  context.processing_timers = &timers;
  OperatorHarness<Timed, Timed> source(
      std::make_unique<TimestampAssignerOperator<Timed, decltype(time_of)>>(
          time_of, WatermarkStrategy::Monotonous().WithIdleness(kMax)),
      context);
  SLUICE_ASSERT_OK(source.Open());
  source.Process({{5}});
  // The task calls OnProcessingTime once a registered time is due.
  auto fire_due = [&](auto& h) {
    for (int64_t at : timers.registered) {
      if (at <= timers.now) {
        h.ProcessingTime(timers.now);
        return;
      }
    }
  };
  timers.now += 10'000;
  fire_due(source);
  for (const auto& entry : source.output().entries()) {
    const auto* control = std::get_if<testing::CapturingOutput<Timed>::Control>(&entry);
    EXPECT_FALSE(control != nullptr && control->kind == ElementKind::kIdleness);
  }

  timers.registered.clear();
  OperatorMetrics metrics("window", 0, 1);
  auto window = Triggered(SlicedWindowAssigner{TumblingWindows(100)},
                          WindowTrigger::OnWatermark().EarlyEveryProcessingTime(kMax),
                          /*lateness=*/0, &metrics, &timers);
  window->ProcessTimed({{1}}, {10});
  timers.now += 10'000;
  fire_due(*window);
  window->Watermark(99);
  EXPECT_THAT(window->Items(), ElementsAre(CountResult{1, 0, 100, 1, kOnTime}));
}

__int128 FloorTo(__int128 x, __int128 m) {
  __int128 r = x % m;
  return r < 0 ? x - r - m : x - r;
}

// SlicedWindows' windowable range and slice arithmetic next to both ends of int64,
// for sizes up to INT64_MAX, against windows enumerated in 128 bits: the first and
// last windows holding each timestamp, and whether all of them fit in int64.
TEST(SlicedWindowsRangeTest, MatchesBruteForceAtTheEndsOfInt64) {
  const struct {
    int64_t size, slide, offset;
  } kConfigs[] = {{10, 10, 0},
                  {10, 10, 3},
                  {100, 10, 0},
                  {90, 60, 7},
                  {kMax, kMax, 0},
                  {kMax, kMax, kMax - 1},
                  {kMax, int64_t{3} << 60, 5},
                  {int64_t{3} << 61, int64_t{1} << 61, 0},
                  {int64_t{1} << 62, int64_t{1} << 62, (int64_t{1} << 62) - 1}};
  for (const auto& c : kConfigs) {
    const SlicedWindows w(c.size, c.slide, c.offset);
    SLUICE_ASSERT_OK(w.Validate());
    EXPECT_TRUE(w.Representable(0));
    std::vector<int64_t> times;
    for (int64_t base :
         {kMin, w.first_timestamp(), int64_t{0}, w.last_timestamp(), kMax}) {
      for (int64_t d = -3; d <= 3; ++d) {
        const __int128 t = __int128{base} + d;
        if (t >= kMin && t <= kMax) times.push_back(static_cast<int64_t>(t));
      }
    }
    for (int64_t t : times) {
      const __int128 last_start = FloorTo(__int128{t} - c.offset, c.slide) + c.offset;
      __int128 first_start = last_start;
      while (first_start - c.slide > __int128{t} - c.size) first_start -= c.slide;
      const bool fits = first_start >= kMin && last_start + c.size <= kMax;
      SCOPED_TRACE(::testing::Message() << "size " << c.size << " slide " << c.slide
                                        << " offset " << c.offset << " t " << t);
      ASSERT_EQ(w.Representable(t), fits);
      if (!fits) continue;
      const int64_t slice = w.SliceStart(t);
      EXPECT_EQ(slice, static_cast<int64_t>(FloorTo(__int128{t} - c.offset, w.slice()) +
                                            c.offset));
      EXPECT_EQ(w.FirstEnd(slice), static_cast<int64_t>(first_start + c.size));
      EXPECT_EQ(w.LastEnd(slice), static_cast<int64_t>(last_start + c.size));
      int64_t end = w.FirstEnd(slice);
      int64_t windows = 1;
      while (w.StepEnd(end, w.LastEnd(slice))) ++windows;
      EXPECT_EQ(windows, static_cast<int64_t>((last_start - first_start) / c.slide + 1));
    }
  }
}

}  // namespace
}  // namespace sluice
