// OrderedRuns against a brute-force model (a map from sequence number to the live
// entries): interleaved in-order streams with entries taken out at random, popped by
// PopDue and by PopFront, over enough entries that every ring wraps and grows.
#include "sluice/operators/structures/ordered_runs.h"

#include <algorithm>
#include <cstdint>
#include <limits>
#include <map>
#include <random>
#include <utility>
#include <vector>

#include "gtest/gtest.h"

namespace sluice {
namespace {

struct Item {
  int64_t time = 0;
  int id = 0;
};
struct TimeOf {
  int64_t operator()(const Item& item) const { return item.time; }
};
using Runs = OrderedRuns<Item, TimeOf>;

class Model {
 public:
  explicit Model(uint32_t seed) : rng_(seed) {}

  // Appends `item` if a run takes it; a run must take it when some run is empty or
  // ends at or before its time.
  void Append(const Item& item) {
    int run = runs_.RunFor(item.time);
    bool fits = false;
    int best = -1;
    for (int r = 0; r < Runs::kRuns; ++r) {
      if (back_[r] == kEmpty || back_[r] <= item.time) fits = true;
      if (back_[r] != kEmpty && back_[r] <= item.time &&
          (best < 0 || back_[r] > back_[best]))
        best = r;
    }
    ASSERT_EQ(run >= 0, fits) << "time " << item.time;
    if (run < 0) return;
    EXPECT_EQ(back_[run], best >= 0 ? back_[best] : kEmpty) << "not the best fit";
    uint64_t seq = runs_.Append(run, Item(item));
    ASSERT_FALSE(live_.contains(seq));
    live_[seq] = {run, item};
    back_[run] = item.time;
  }

  // Takes a random live entry out, and checks that Find no longer sees it.
  void TakeOne() {
    if (live_.empty()) return;
    auto it = std::next(live_.begin(), static_cast<long>(rng_() % live_.size()));
    Item taken = runs_.Take(it->first);
    EXPECT_EQ(taken.id, it->second.second.id);
    EXPECT_EQ(runs_.Find(it->first), nullptr);
    live_.erase(it);
  }

  // Pops everything due at `time` and compares with the model.
  void PopDue(int64_t time, bool front_by_front) {
    std::vector<int> popped;
    if (front_by_front) {
      int64_t last = std::numeric_limits<int64_t>::min();
      for (int run = runs_.EarliestRun(); run >= 0 && runs_.FrontTime(run) <= time;
           run = runs_.EarliestRun()) {
        Item item = runs_.PopFront(run);
        EXPECT_GE(item.time, last) << "PopFront out of order";
        last = item.time;
        popped.push_back(item.id);
      }
    } else {
      runs_.PopDue(time, [&](Item& item) { popped.push_back(item.id); });
    }
    std::vector<int> expected;
    for (auto it = live_.begin(); it != live_.end();) {
      if (it->second.second.time <= time) {
        expected.push_back(it->second.second.id);
        it = live_.erase(it);
      } else {
        ++it;
      }
    }
    std::sort(popped.begin(), popped.end());
    std::sort(expected.begin(), expected.end());
    ASSERT_EQ(popped, expected) << "at time " << time;
    ASSERT_EQ(runs_.size(), live_.size());
    for (const auto& [seq, entry] : live_) {
      const Item* found = runs_.Find(seq);
      ASSERT_NE(found, nullptr);
      EXPECT_EQ(found->id, entry.second.id);
    }
    // A run whose live entries are all gone is empty again and takes any time.
    for (int r = 0; r < Runs::kRuns; ++r) {
      bool any = false;
      for (const auto& [seq, entry] : live_) any |= entry.first == r;
      if (!any) back_[r] = kEmpty;
    }
  }

  size_t live() const { return live_.size(); }

 private:
  static constexpr int64_t kEmpty = std::numeric_limits<int64_t>::min();

  std::mt19937 rng_;
  Runs runs_;
  std::map<uint64_t, std::pair<int, Item>> live_;  // seq -> (run, item)
  int64_t back_[Runs::kRuns] = {kEmpty, kEmpty, kEmpty, kEmpty};
};

// `streams` in-order streams, each `lag` behind the one before, delivered in
// batches that interleave; a share of entries is taken out, and the watermark trails.
void RunStreams(int streams, int64_t lag, int take_percent, bool front_by_front,
                uint32_t seed) {
  Model model(seed);
  std::mt19937 rng(seed);
  std::vector<int64_t> clock(static_cast<size_t>(streams));
  for (int s = 0; s < streams; ++s) clock[static_cast<size_t>(s)] = -s * lag;
  int id = 0;
  for (int round = 0; round < 400; ++round) {
    for (int s = 0; s < streams; ++s) {
      int batch = 1 + static_cast<int>(rng() % 40);
      for (int k = 0; k < batch; ++k) {
        clock[static_cast<size_t>(s)] += static_cast<int64_t>(rng() % 4);
        model.Append(Item{clock[static_cast<size_t>(s)], id++});
        if (static_cast<int>(rng() % 100) < take_percent) model.TakeOne();
      }
    }
    int64_t slowest = *std::min_element(clock.begin(), clock.end());
    model.PopDue(slowest - 30, front_by_front);
  }
  model.PopDue(std::numeric_limits<int64_t>::max(), front_by_front);
  EXPECT_EQ(model.live(), 0u);
}

TEST(OrderedRunsTest, OneInOrderStream) {
  RunStreams(1, 0, 0, false, 1);
  RunStreams(1, 0, 50, false, 2);
  RunStreams(1, 0, 50, true, 3);
}

TEST(OrderedRunsTest, InterleavedStreamsKeepToTheirRuns) {
  for (int streams : {2, 3, 4}) {
    RunStreams(streams, 25, 0, false, 10 + static_cast<uint32_t>(streams));
    RunStreams(streams, 25, 40, false, 20 + static_cast<uint32_t>(streams));
    RunStreams(streams, 25, 40, true, 30 + static_cast<uint32_t>(streams));
  }
}

TEST(OrderedRunsTest, MoreStreamsThanRunsAreRefusedNotMisordered) {
  RunStreams(7, 15, 30, false, 41);
  RunStreams(7, 15, 30, true, 42);
}

TEST(OrderedRunsTest, TakingTheFrontKeepsTheRestInOrder) {
  Runs runs;
  std::vector<uint64_t> seqs;
  for (int i = 0; i < 200; ++i) seqs.push_back(runs.Append(0, Item{i, i}));
  for (int i = 0; i < 150; ++i) runs.Take(seqs[static_cast<size_t>(i)]);
  ASSERT_EQ(runs.EarliestRun(), 0);
  EXPECT_EQ(runs.FrontTime(0), 150);
  EXPECT_EQ(runs.PopFront(0).id, 150);
  for (int i = 151; i < 200; ++i) runs.Take(seqs[static_cast<size_t>(i)]);
  EXPECT_TRUE(runs.empty());
  EXPECT_EQ(runs.EarliestRun(), -1);
  EXPECT_EQ(runs.RunFor(std::numeric_limits<int64_t>::min()), 0);  // all empty
}

}  // namespace
}  // namespace sluice
