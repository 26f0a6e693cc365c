// WindowPreAggregateOperator against a brute-force fold: every event reaches exactly
// one partial of its (key, slice); a partial is sent before the watermark that closes
// its slice's first window goes on; partials of windows already closed go at once;
// many events per key fold into few partials, and mostly distinct keys switch the
// operator to wrapping each event.
#include <cstdint>
#include <map>
#include <memory>
#include <random>
#include <utility>
#include <variant>
#include <vector>

#include "gtest/gtest.h"
#include "sluice/operators/windows/window_pre_aggregate_operator.h"
#include "sluice/sluice.h"
#include "sluice/tests/operator_harness.h"

namespace sluice {
namespace {

struct Reading {
  int key = 0;
  int64_t value = 0;
};

using Sum = aggregates::SumAggregate<int64_t, int64_t (*)(const Reading&)>;
using Partial = WindowPartial<int, int64_t>;
using Harness = testing::OperatorHarness<Reading, Partial>;

int64_t ValueOf(const Reading& r) { return r.value; }
int KeyOf(const Reading& r) { return r.key; }

// Sliding windows of 300 ms every 100 ms: slices of 100 ms, and the first window
// holding slice [s, s + 100) ends at s + 100, so it closes at watermark s + 99.
constexpr int64_t kSlice = 100;
int64_t SliceOf(int64_t t) {
  return t >= 0 ? t / kSlice * kSlice : -((-t + 99) / 100) * 100;
}
int64_t ClosesAt(int64_t slice) { return slice + kSlice - 1; }

Harness MakeHarness() {
  auto op = std::make_unique<
      WindowPreAggregateOperator<int, Reading, int (*)(const Reading&), Sum>>(
      &KeyOf, aggregates::Sum<int64_t>(&ValueOf), SlicedWindows(300, 100));
  return Harness(std::move(op));
}

using SliceKey = std::pair<int, int64_t>;  // (key, slice)
struct Folded {
  int64_t sum = 0;
  uint64_t events = 0;
  bool operator==(const Folded&) const = default;
};

TEST(WindowPreAggregateTest, PartialsArriveBeforeTheWatermarkThatNeedsThem) {
  for (uint32_t seed : {1u, 2u, 3u}) {
    std::mt19937 rng(seed);
    Harness harness = MakeHarness();
    ASSERT_TRUE(harness.Open().ok());
    std::map<SliceKey, Folded> sent_before;  // events given before each watermark
    std::vector<std::pair<int64_t, std::map<SliceKey, Folded>>> checkpoints;
    std::map<SliceKey, Folded> all;
    int64_t max_ts = -1000, watermark = kMinWatermark;
    uint64_t events = 0;
    for (int round = 0; round < 400; ++round) {
      std::vector<Reading> items;
      std::vector<int64_t> times;
      for (int n = static_cast<int>(rng() % 40); n > 0; --n) {
        // Mostly near the front, some behind the watermark (late for some windows).
        int64_t t = max_ts + static_cast<int64_t>(rng() % 4) - 1 -
                    (rng() % 10 == 0 ? static_cast<int64_t>(rng() % 400) : 0);
        max_ts = std::max(max_ts, t);
        Reading r{static_cast<int>(rng() % 7), static_cast<int64_t>(rng() % 100)};
        items.push_back(r);
        times.push_back(t);
        Folded& f = all[{r.key, SliceOf(t)}];
        f.sum += r.value;
        ++f.events;
        ++events;
      }
      if (!items.empty()) harness.ProcessTimed(items, times);
      if (rng() % 3 == 0) {
        watermark = std::max(watermark, max_ts - 20);
        checkpoints.emplace_back(watermark, all);
        harness.Watermark(watermark);
      }
    }
    harness.Finish();

    // Replay what the operator emitted: at each watermark, every slice it closes
    // must be complete downstream.
    std::map<SliceKey, Folded> got;
    size_t next = 0;
    uint64_t partials = 0;
    for (const auto& entry : harness.output().entries()) {
      if (const auto* batch = std::get_if<std::vector<Partial>>(&entry)) {
        for (const Partial& p : *batch) {
          Folded& f = got[{p.key, p.slice}];
          f.sum += p.acc;
          f.events += p.events;
          ++partials;
        }
        continue;
      }
      const auto& control = std::get<testing::CapturingOutput<Partial>::Control>(entry);
      ASSERT_EQ(control.kind, ElementKind::kWatermark);
      ASSERT_LT(next, checkpoints.size());
      const auto& [w, expected] = checkpoints[next++];
      ASSERT_EQ(control.value, w);
      for (const auto& [slice_key, folded] : expected) {
        if (ClosesAt(slice_key.second) > w) continue;
        auto it = got.find(slice_key);
        ASSERT_TRUE(it != got.end() && it->second == folded)
            << "seed " << seed << ": key " << slice_key.first << " slice "
            << slice_key.second << " incomplete at watermark " << w;
      }
    }
    EXPECT_EQ(next, checkpoints.size());
    EXPECT_EQ(got, all) << "seed " << seed;
    // Seven keys over a few slices at a time: far fewer partials than events.
    EXPECT_LT(partials * 4, events) << "seed " << seed;
  }
}

// An idle input stops holding back downstream event time, so held partials go
// before the idleness marker.
TEST(WindowPreAggregateTest, GoingIdleSendsHeldPartials) {
  Harness harness = MakeHarness();
  ASSERT_TRUE(harness.Open().ok());
  harness.ProcessTimed({{1, 5}, {1, 7}, {2, 1}}, {10, 20, 150});
  harness.Watermark(5);
  EXPECT_TRUE(harness.Items().empty());  // held: slices [0, 100) and [100, 200)
  harness.Idleness(true);
  const auto& entries = harness.output().entries();
  ASSERT_EQ(entries.size(), 3u);  // watermark 5, the partials, idleness
  std::vector<Partial> partials = harness.Items();
  ASSERT_EQ(partials.size(), 2u);
  EXPECT_EQ(partials[0].key, 1);
  EXPECT_EQ(partials[0].slice, 0);
  EXPECT_EQ(partials[0].acc, 12);
  EXPECT_EQ(partials[0].events, 2u);
  EXPECT_EQ(partials[1].key, 2);
  EXPECT_EQ(partials[1].slice, 100);
  const auto& idle = std::get<testing::CapturingOutput<Partial>::Control>(entries[2]);
  EXPECT_EQ(idle.kind, ElementKind::kIdleness);
  EXPECT_EQ(idle.value, 1);
}

TEST(WindowPreAggregateTest, DistinctKeysAreWrappedOneByOne) {
  Harness harness = MakeHarness();
  ASSERT_TRUE(harness.Open().ok());
  std::vector<Reading> items;
  std::vector<int64_t> times;
  const int kEvents = 200'000;
  for (int i = 0; i < kEvents; ++i) {
    items.push_back(Reading{i, 1});
    times.push_back(i / 1000);
    if (items.size() == 1000) {
      harness.ProcessTimed(std::move(items), std::move(times));
      items.clear();
      times.clear();
    }
  }
  harness.Finish();
  std::vector<Partial> partials = harness.Items();
  ASSERT_EQ(partials.size(), static_cast<size_t>(kEvents));
  std::vector<bool> seen(kEvents);
  for (const Partial& p : partials) {
    ASSERT_EQ(p.events, 1u);
    ASSERT_EQ(p.slice, SliceOf(p.key / 1000));
    ASSERT_FALSE(seen[static_cast<size_t>(p.key)]);
    seen[static_cast<size_t>(p.key)] = true;
  }
}

}  // namespace
}  // namespace sluice
