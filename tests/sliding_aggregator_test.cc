// SlidingAggregator against a brute-force fold of the slices it holds, with an
// order-sensitive aggregate (string concatenation), over random pushes, evictions,
// late changes and late insertions.
#include "sluice/operators/structures/sliding_aggregator.h"

#include <cstdint>
#include <deque>
#include <random>
#include <string>

#include "gtest/gtest.h"

namespace sluice {
namespace {

struct Concat {
  void Merge(std::string& into, const std::string& from) const { into += from; }
};

TEST(SlidingAggregatorTest, MatchesBruteForceInOrder) {
  std::mt19937_64 random(42);
  SlidingAggregator<std::string, Concat> aggregator;
  std::deque<std::pair<int64_t, std::string>> reference;
  Concat concat;
  int64_t next_start = 0;
  for (int step = 0; step < 4000; ++step) {
    switch (random() % 6) {
      case 0:
      case 1:
      case 2: {  // push a new slice, sometimes leaving a gap
        next_start += 1 + static_cast<int64_t>(random() % 3);
        std::string acc = std::to_string(next_start) + ";";
        aggregator.Push(concat, next_start, acc);
        reference.emplace_back(next_start, acc);
        break;
      }
      case 3:
      case 4:  // evict the oldest
        if (!reference.empty()) {
          aggregator.PopFront(concat);
          reference.pop_front();
        }
        break;
      case 5: {  // a late change, or a late insertion into a gap
        if (reference.size() < 2) break;
        size_t index = random() % reference.size();
        int64_t start = reference[index].first;
        if (index > 0 && reference[index - 1].first + 1 < start) {
          int64_t missing = start - 1;
          aggregator.Insert(concat, missing, "late" + std::to_string(missing) + ";");
          reference.insert(reference.begin() + static_cast<std::ptrdiff_t>(index),
                           {missing, "late" + std::to_string(missing) + ";"});
        } else {
          ASSERT_EQ(aggregator.Find(start), index);
          aggregator.MutableSlice(index) += "x";
          aggregator.SliceChanged(concat);
          reference[index].second += "x";
        }
        break;
      }
    }
    ASSERT_EQ(aggregator.size(), reference.size());
    if (reference.empty()) continue;
    std::string expected;
    for (const auto& [start, acc] : reference) expected += acc;
    ASSERT_EQ(aggregator.Aggregate(concat), expected) << "step " << step;
    ASSERT_EQ(aggregator.front().start, reference.front().first);
  }
}

}  // namespace
}  // namespace sluice
