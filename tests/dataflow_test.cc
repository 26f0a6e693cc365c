// End-to-end dataflow tests: results checked against brute-force computations, at
// parallelism 1 and 2 and with re-cut batch boundaries.
#include <chrono>
#include <climits>
#include <map>
#include <numeric>
#include <string>
#include <tuple>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "sluice/sluice.h"
#include "sluice/tests/run_config.h"
#include "sluice/tests/status_matchers.h"

namespace sluice {
namespace {

using ::sluice::testing::IsOk;
using ::sluice::testing::RunConfig;
using ::sluice::testing::RunConfigName;
using ::sluice::testing::RunConfigTest;
using ::sluice::testing::StatusIs;
using ::testing::UnorderedElementsAreArray;

class DataflowTest : public RunConfigTest {};

struct Txn {
  uint64_t card;
  int64_t amount;
};

TEST_P(DataflowTest, MapFilterKeyedSumMatchesBruteForce) {
  constexpr uint64_t kCount = 20000;
  auto make = [](uint64_t i) {
    return Txn{(i * 7919) % 97, static_cast<int64_t>(i % 1000)};
  };
  Dataflow flow;
  CollectorSink<Txn> sink;
  flow.Source(GeneratorSource(make).Count(kCount))
      .Map([](const Txn& t) {
        return Txn{t.card, t.amount * 2};
      })
      .Filter([](const Txn& t) { return t.amount % 3 == 0; })
      .KeyBy([](const Txn& t) { return t.card; })
      .Reduce([](const Txn& a, const Txn& b) {
        return Txn{a.card, a.amount + b.amount};
      })
      .Sink(sink);
  SLUICE_ASSERT_OK(flow.Run(Options()));

  std::map<uint64_t, std::vector<int64_t>> expected_updates;
  std::map<uint64_t, int64_t> running;
  for (uint64_t i = 0; i < kCount; ++i) {
    Txn t = make(i);
    t.amount *= 2;
    if (t.amount % 3 != 0) continue;
    running[t.card] += t.amount;
  }
  std::map<uint64_t, int64_t> final_sum;
  size_t updates = 0;
  for (const Txn& t : sink.Items()) {
    final_sum[t.card] = std::max(final_sum[t.card], t.amount);
    ++updates;
  }
  size_t expected_count = 0;
  for (uint64_t i = 0; i < kCount; ++i) {
    Txn t = make(i);
    if ((t.amount * 2) % 3 == 0) ++expected_count;
  }
  EXPECT_EQ(updates, expected_count);
  EXPECT_EQ(final_sum, running);
}

TEST_P(DataflowTest, FlatMapUnionWordCount) {
  std::vector<std::string> lines = {"a b c", "b c", "c", "", "d a"};
  std::vector<std::string> more = {"x a", "b"};
  Dataflow flow;
  CollectorSink<std::pair<std::string, int>> sink;
  auto words = [](const std::string& line, Collector<std::string>& out) {
    size_t start = 0;
    while (start < line.size()) {
      size_t end = line.find(' ', start);
      if (end == std::string::npos) end = line.size();
      if (end > start) out.Emit(line.substr(start, end - start));
      start = end + 1;
    }
  };
  auto first = flow.Source(CollectionSource(lines)).FlatMap<std::string>(words);
  auto second = flow.Source(CollectionSource(more)).FlatMap<std::string>(words);
  first.Union(second)
      .Map([](const std::string& w) { return std::pair<std::string, int>(w, 1); })
      .KeyBy([](const std::pair<std::string, int>& p) { return p.first; })
      .Reduce([](const auto& a, const auto& b) {
        return std::pair<std::string, int>(a.first, a.second + b.second);
      })
      .Sink(sink);
  SLUICE_ASSERT_OK(flow.Run(Options()));
  std::map<std::string, int> counts;
  for (const auto& [word, count] : sink.Items()) {
    counts[word] = std::max(counts[word], count);
  }
  std::map<std::string, int> expected = {
      {"a", 3}, {"b", 3}, {"c", 3}, {"d", 1}, {"x", 1}};
  EXPECT_EQ(counts, expected);
}

TEST_P(DataflowTest, RebalanceDeliversEachEventOnceAndBroadcastToEveryInstance) {
  constexpr uint64_t kCount = 5000;
  Dataflow flow;
  CollectorSink<uint64_t> rebalanced;
  CollectorSink<uint64_t> broadcast;
  auto numbers = flow.Source(GeneratorSource([](uint64_t i) { return i; }).Count(kCount));
  numbers.Rebalance()
      .Map([](const uint64_t& x) { return x; })
      .Name("spread")
      .Parallelism(3)
      .Sink(rebalanced);
  numbers.Broadcast()
      .Map([](const uint64_t& x) { return x; })
      .Name("copies")
      .Parallelism(2)
      .Sink(broadcast)
      .Parallelism(2);
  SLUICE_ASSERT_OK(flow.Run(Options()));
  std::vector<uint64_t> once(kCount);
  std::iota(once.begin(), once.end(), 0);
  std::vector<uint64_t> twice = once;
  twice.insert(twice.end(), once.begin(), once.end());
  EXPECT_THAT(rebalanced.Items(), UnorderedElementsAreArray(once));
  EXPECT_THAT(broadcast.Items(), UnorderedElementsAreArray(twice));
}

struct CountAndMax {
  struct Acc {
    int64_t count = 0;
    int64_t max = INT64_MIN;
  };
  Acc CreateAccumulator() const { return {}; }
  void Add(Acc& acc, const Txn& t) const {
    ++acc.count;
    acc.max = std::max(acc.max, t.amount);
  }
  // Only windows need it (see OneAggregateServesKeyedAndWindowAggregate).
  void Merge(Acc& into, const Acc& from) const {
    into.count += from.count;
    into.max = std::max(into.max, from.max);
  }
  std::tuple<uint64_t, int64_t, int64_t> Result(const uint64_t& card,
                                                const Acc& acc) const {
    return {card, acc.count, acc.max};
  }
};

// An aggregate whose Result does not take the key.
struct AmountSum {
  int64_t CreateAccumulator() const { return 0; }
  void Add(int64_t& acc, const Txn& t) const { acc += t.amount; }
  void Merge(int64_t& into, const int64_t& from) const { into += from; }
  int64_t Result(const int64_t& acc) const { return acc; }
};

TEST_P(DataflowTest, KeyedAggregateMatchesBruteForce) {
  constexpr uint64_t kCount = 30000;
  auto make = [](uint64_t i) {
    return Txn{MixBits(i) % 1000, static_cast<int64_t>(MixBits(i + 1) % 100000)};
  };
  Dataflow flow;
  CollectorSink<std::tuple<uint64_t, int64_t, int64_t>> sink;
  flow.Source(GeneratorSource(make).Count(kCount))
      .KeyBy([](const Txn& t) { return t.card; })
      .Aggregate(CountAndMax{})
      .Sink(sink);
  SLUICE_ASSERT_OK(flow.Run(Options()));
  std::map<uint64_t, std::pair<int64_t, int64_t>> expected;
  for (uint64_t i = 0; i < kCount; ++i) {
    Txn t = make(i);
    auto [it, inserted] = expected.try_emplace(t.card, 0, INT64_MIN);
    it->second.first += 1;
    it->second.second = std::max(it->second.second, t.amount);
  }
  // Counts 1..n per key each appear once; the final (count n) carries the key's max.
  std::map<uint64_t, std::pair<int64_t, int64_t>> got;
  size_t emitted = 0;
  for (const auto& [card, count, max] : sink.Items()) {
    ++emitted;
    auto& best = got[card];
    if (count > best.first) best = {count, max};
  }
  EXPECT_EQ(emitted, kCount);
  EXPECT_EQ(got, expected);
}

// ReduceAtEnd and AggregateAtEnd: exactly one result per key, its final value, and
// nothing per event; with event time on the input (timestamps are dropped, so a keyed
// rolling reduce after them still runs).
TEST_P(DataflowTest, AtEndOperatorsEmitOneFinalResultPerKey) {
  constexpr uint64_t kCount = 30000;
  auto make = [](uint64_t i) {
    return Txn{MixBits(i) % 1000, static_cast<int64_t>(MixBits(i + 1) % 100000)};
  };
  std::map<uint64_t, int64_t> sums;
  std::map<uint64_t, std::pair<int64_t, int64_t>> count_and_max;
  for (uint64_t i = 0; i < kCount; ++i) {
    Txn t = make(i);
    sums[t.card] += t.amount;
    auto [it, inserted] = count_and_max.try_emplace(t.card, 0, INT64_MIN);
    it->second.first += 1;
    it->second.second = std::max(it->second.second, t.amount);
  }

  Dataflow flow;
  CollectorSink<Txn> reduced;
  CollectorSink<std::tuple<uint64_t, int64_t, int64_t>> aggregated;
  CollectorSink<Txn> grand_total;
  auto timed = flow.Source(GeneratorSource(make).Count(kCount))
                   .AssignTimestamps([](const Txn& t) { return t.amount; },
                                     WatermarkStrategy::BoundedOutOfOrderness(
                                         std::chrono::milliseconds(100000)));
  auto keyed = timed.KeyBy([](const Txn& t) { return t.card; });
  auto totals = keyed.ReduceAtEnd([](const Txn& a, const Txn& b) {
    return Txn{a.card, a.amount + b.amount};
  });
  totals.Sink(reduced);
  totals.KeyBy([](const Txn&) { return uint64_t{0}; })
      .ReduceAtEnd([](const Txn& a, const Txn& b) {
        return Txn{0, a.amount + b.amount};
      })
      .Sink(grand_total);
  keyed.AggregateAtEnd(CountAndMax{}).Sink(aggregated);
  SLUICE_ASSERT_OK(flow.Run(Options()));

  std::map<uint64_t, int64_t> got_sums;
  for (const Txn& t : reduced.Items()) {
    EXPECT_TRUE(got_sums.emplace(t.card, t.amount).second)
        << "card " << t.card << " twice";
  }
  EXPECT_EQ(got_sums, sums);
  std::map<uint64_t, std::pair<int64_t, int64_t>> got_aggregates;
  for (const auto& [card, count, max] : aggregated.Items()) {
    EXPECT_TRUE(got_aggregates.emplace(card, std::pair{count, max}).second);
  }
  EXPECT_EQ(got_aggregates, count_and_max);
  int64_t total = 0;
  for (const auto& [card, sum] : sums) total += sum;
  ASSERT_EQ(grand_total.Items().size(), 1u);
  EXPECT_EQ(grand_total.Items()[0].amount, total);
}

// One aggregate contract: the same two aggregates, written once, run as keyed rolling
// aggregates and as sliding-window aggregates (where Merge combines slices), one with
// a Result that takes the key and one without.
TEST_P(DataflowTest, OneAggregateServesKeyedAndWindowAggregate) {
  constexpr uint64_t kCount = 20000;
  constexpr int64_t kSize = 20000;
  constexpr int64_t kSlide = 10000;
  auto make = [](uint64_t i) {
    return Txn{MixBits(i) % 300, static_cast<int64_t>(MixBits(i + 1) % 100000)};
  };
  using Window = std::pair<uint64_t, int64_t>;  // (card, start)
  std::map<uint64_t, int64_t> sums;
  std::map<Window, int64_t> window_sums;
  std::map<Window, std::pair<int64_t, int64_t>> window_count_max;
  for (uint64_t i = 0; i < kCount; ++i) {
    Txn t = make(i);  // its timestamp is its amount
    sums[t.card] += t.amount;
    int64_t last_start = t.amount / kSlide * kSlide;
    for (int64_t start = last_start; start > t.amount - kSize; start -= kSlide) {
      window_sums[{t.card, start}] += t.amount;
      auto [it, inserted] = window_count_max.try_emplace({t.card, start}, 0, INT64_MIN);
      it->second.first += 1;
      it->second.second = std::max(it->second.second, t.amount);
    }
  }

  Dataflow flow;
  CollectorSink<int64_t> keyed_sums;
  CollectorSink<WindowResult<uint64_t, int64_t>> sum_windows;
  CollectorSink<WindowResult<uint64_t, std::tuple<uint64_t, int64_t, int64_t>>>
      count_max_windows;
  auto keyed =
      flow.Source(GeneratorSource(make).Count(kCount))
          .AssignTimestamps(
              [](const Txn& t) { return t.amount; },
              WatermarkStrategy::BoundedOutOfOrderness(std::chrono::milliseconds(100000)))
          .KeyBy([](const Txn& t) { return t.card; });
  keyed.AggregateAtEnd(AmountSum{}).Sink(keyed_sums);
  auto windows = keyed.Window(SlidingWindows(kSize, kSlide));
  windows.Aggregate(AmountSum{}).Sink(sum_windows);
  windows.Aggregate(CountAndMax{}).Sink(count_max_windows);
  SLUICE_ASSERT_OK(flow.Run(Options()));

  std::vector<int64_t> expected_sums;
  for (const auto& [card, sum] : sums) expected_sums.push_back(sum);
  EXPECT_THAT(keyed_sums.Items(), UnorderedElementsAreArray(expected_sums));
  std::map<Window, int64_t> got_sums;
  for (const auto& r : sum_windows.Items()) {
    EXPECT_TRUE(got_sums.emplace(Window{r.key, r.start}, r.value).second);
  }
  EXPECT_EQ(got_sums, window_sums);
  std::map<Window, std::pair<int64_t, int64_t>> got_count_max;
  for (const auto& r : count_max_windows.Items()) {
    const auto& [card, count, max] = r.value;
    EXPECT_EQ(card, r.key);
    got_count_max[{r.key, r.start}] = {count, max};
  }
  EXPECT_EQ(got_count_max, window_count_max);
}

INSTANTIATE_TEST_SUITE_P(Configs, DataflowTest,
                         ::testing::Values(RunConfig{1, 1024, 0}, RunConfig{2, 1024, 0},
                                           RunConfig{1, 16, 7}, RunConfig{2, 5, 11}),
                         RunConfigName);

}  // namespace
}  // namespace sluice
