// EventTimeTimers (FIFO runs + radix heap) against a brute-force sorted multiset:
// random, nearly sorted and interleaved timers, adds during popping, and timers
// behind the last watermark.
#include "sluice/operators/structures/event_time_timers.h"

#include <algorithm>
#include <cstdint>
#include <limits>
#include <random>
#include <set>
#include <utility>
#include <vector>

#include "gtest/gtest.h"

namespace sluice {
namespace {

// Pops what is due at each watermark from both and compares (time, key) in order.
// Times behind a watermark already passed pop at the next one, in time order.
void Check(const std::vector<std::pair<int64_t, int>>& adds, int batch, uint32_t seed) {
  std::mt19937 rng(seed);
  EventTimeTimers<int> timers;
  std::multiset<std::pair<int64_t, int>> reference;
  int64_t watermark = std::numeric_limits<int64_t>::min();
  size_t i = 0;
  while (i < adds.size() || !reference.empty()) {
    for (int k = 0; k < batch && i < adds.size(); ++k, ++i) {
      timers.Add(adds[i].first, adds[i].second);
      reference.insert(adds[i]);
    }
    ASSERT_EQ(timers.size(), reference.size());
    if (!reference.empty()) {
      ASSERT_LE(timers.next_time(), reference.begin()->first == watermark
                                        ? watermark
                                        : std::max(reference.begin()->first, watermark));
    }
    int64_t step = static_cast<int64_t>(rng() % 300);
    int64_t last = adds[i - 1].first;
    int64_t behind = last < std::numeric_limits<int64_t>::min() + step
                         ? std::numeric_limits<int64_t>::min()
                         : last - step;
    watermark = i < adds.size() ? std::max(watermark, behind)
                                : std::numeric_limits<int64_t>::max();
    std::vector<std::pair<int64_t, int>> popped;
    timers.PopDue(watermark, [&](int key, int64_t time) {
      popped.push_back({time, key});
      // Now and then a timer added while popping, sometimes already due.
      if (key % 17 == 0 && static_cast<__int128>(time) < __int128{watermark} - 5) {
        timers.Add(time + 3, key + 1);
        reference.insert({time + 3, key + 1});
      }
    });
    std::vector<std::pair<int64_t, int>> expected;
    while (!reference.empty() && reference.begin()->first <= watermark) {
      expected.push_back(*reference.begin());
      reference.erase(reference.begin());
    }
    // Same timers; in non-decreasing time (ties in any order).
    std::vector<int64_t> times;
    for (const auto& p : popped) times.push_back(p.first);
    ASSERT_TRUE(std::is_sorted(times.begin(), times.end()));
    std::sort(popped.begin(), popped.end());
    ASSERT_EQ(popped, expected);
  }
  EXPECT_TRUE(timers.empty());
}

TEST(EventTimeTimersTest, MatchesASortedMultiset) {
  std::mt19937 rng(7);
  std::vector<std::pair<int64_t, int>> in_order, nearly, interleaved, random;
  for (int i = 0; i < 20000; ++i) {
    in_order.push_back({i * 3, i});
    nearly.push_back({i * 3 - static_cast<int64_t>(rng() % 200), i});
    interleaved.push_back({(i % 2 == 0 ? i * 3 : i * 3 - 900), i});
    random.push_back({static_cast<int64_t>(rng() % 1000000) - 500000, i});
  }
  for (int batch : {1, 16, 1000}) {
    Check(in_order, batch, 1);
    Check(nearly, batch, 2);
    Check(interleaved, batch, 3);
    Check(random, batch, 4);
  }
}

// Several in-order streams, each skewed from the others and interleaved in blocks,
// as several upstream instances deliver them: fewer streams than FIFO runs, and more.
TEST(EventTimeTimersTest, InterleavedOrderedStreams) {
  std::mt19937 rng(11);
  for (int streams : {2, 3, 4, 7}) {
    std::vector<int64_t> next(static_cast<size_t>(streams));
    for (int s = 0; s < streams; ++s) next[static_cast<size_t>(s)] = s * 500;
    std::vector<std::pair<int64_t, int>> adds;
    for (int i = 0; i < 30000;) {
      size_t s = rng() % static_cast<size_t>(streams);
      for (int block = static_cast<int>(rng() % 50); block >= 0; --block, ++i) {
        next[s] += static_cast<int64_t>(rng() % 4);
        adds.push_back({next[s], i});
      }
    }
    for (int batch : {1, 64, 5000}) Check(adds, batch, static_cast<uint32_t>(streams));
  }
}

TEST(EventTimeTimersTest, ExtremeTimes) {
  std::vector<std::pair<int64_t, int>> adds = {
      {std::numeric_limits<int64_t>::max(), 1},
      {std::numeric_limits<int64_t>::min(), 2},
      {0, 3},
      {-1, 4},
      {std::numeric_limits<int64_t>::max() - 1, 5},
      {1, 6}};
  Check(adds, 2, 5);
}

}  // namespace
}  // namespace sluice
