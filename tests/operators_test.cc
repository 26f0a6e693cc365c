// Operator unit tests through the harness, against hand-computed expectations.
#include <map>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "sluice/operators/filter_operator.h"
#include "sluice/operators/flat_map_operator.h"
#include "sluice/operators/keyed_aggregate_operator.h"
#include "sluice/operators/keyed_reduce_operator.h"
#include "sluice/operators/map_operator.h"
#include "sluice/tests/operator_harness.h"
#include "sluice/tests/status_matchers.h"

namespace sluice {
namespace {

using ::sluice::testing::OperatorHarness;
using ::testing::ElementsAre;

TEST(MapOperatorTest, ChangesTypeAndKeepsOrder) {
  auto fn = [](const int& x) { return std::to_string(x * 10); };
  OperatorHarness<int, std::string> harness(
      std::make_unique<MapOperator<int, std::string, decltype(fn)>>(fn));
  harness.Process({1, 2});
  harness.Process({3});
  EXPECT_THAT(harness.Items(), ElementsAre("10", "20", "30"));
}

TEST(MapOperatorTest, SameTypeRewritesInPlace) {
  auto fn = [](const int& x) { return x + 1; };
  OperatorHarness<int, int> harness(
      std::make_unique<MapOperator<int, int, decltype(fn)>>(fn));
  harness.Process({1, 2, 3});
  EXPECT_THAT(harness.Items(), ElementsAre(2, 3, 4));
}

TEST(FilterOperatorTest, KeepsMatchingInOrderAndDropsEmptyBatches) {
  auto fn = [](const int& x) { return x % 3 == 0; };
  OperatorHarness<int, int> harness(
      std::make_unique<FilterOperator<int, decltype(fn)>>(fn));
  harness.Process({1, 3, 4, 6, 9, 10});
  harness.Process({1, 2});  // nothing passes: nothing is emitted
  EXPECT_THAT(harness.Items(), ElementsAre(3, 6, 9));
  EXPECT_EQ(harness.output().entries().size(), 1u);
}

TEST(FlatMapOperatorTest, CutsLargeOutputIntoBatches) {
  auto fn = [](const int& n, Collector<int>& out) {
    for (int i = 0; i < n; ++i) out.Emit(i);
  };
  OperatorContext context;
  context.batch_size = 4;
  OperatorHarness<int, int> harness(
      std::make_unique<FlatMapOperator<int, int, decltype(fn)>>(fn), context);
  SLUICE_ASSERT_OK(harness.Open());
  harness.Process({3, 0, 3, 2});
  EXPECT_THAT(harness.Items(), ElementsAre(0, 1, 2, 0, 1, 2, 0, 1));
  // Batches are cut between events once they reach the batch size: {0,1,2,0,1,2}, {0,1}.
  ASSERT_EQ(harness.output().entries().size(), 2u);
  EXPECT_EQ(std::get<std::vector<int>>(harness.output().entries()[0]).size(), 6u);
}

struct Sale {
  std::string shop;
  int amount;
  bool operator==(const Sale&) const = default;
};

TEST(KeyedReduceOperatorTest, EmitsRunningValuePerKey) {
  auto key = [](const Sale& s) { return s.shop; };
  auto sum = [](const Sale& a, const Sale& b) {
    return Sale{a.shop, a.amount + b.amount};
  };
  OperatorHarness<Sale, Sale> harness(
      std::make_unique<
          KeyedReduceOperator<std::string, Sale, decltype(key), decltype(sum)>>(key,
                                                                                sum));
  harness.Process({{"a", 1}, {"b", 5}, {"a", 2}});
  harness.Process({{"a", 4}});
  EXPECT_THAT(harness.Items(),
              ElementsAre(Sale{"a", 1}, Sale{"b", 5}, Sale{"a", 3}, Sale{"a", 7}));
}

struct AverageAggregate {
  struct Acc {
    long sum = 0;
    long count = 0;
  };
  Acc CreateAccumulator() const { return {}; }
  void Add(Acc& acc, const Sale& s) const {
    acc.sum += s.amount;
    ++acc.count;
  }
  std::pair<std::string, double> Result(const std::string& key, const Acc& acc) const {
    return {key, static_cast<double>(acc.sum) / acc.count};
  }
};

TEST(KeyedAggregateOperatorTest, EmitsResultWithKey) {
  auto key = [](const Sale& s) { return s.shop; };
  using Op = KeyedAggregateOperator<std::string, Sale, decltype(key), AverageAggregate>;
  OperatorHarness<Sale, std::pair<std::string, double>> harness(
      std::make_unique<Op>(key, AverageAggregate{}));
  harness.Process({{"a", 1}, {"a", 2}, {"b", 10}});
  using P = std::pair<std::string, double>;
  EXPECT_THAT(harness.Items(), ElementsAre(P{"a", 1.0}, P{"a", 1.5}, P{"b", 10.0}));
}

TEST(OperatorHarnessTest, WatermarksPassThroughByDefault) {
  auto fn = [](const int& x) { return x; };
  OperatorHarness<int, int> harness(
      std::make_unique<MapOperator<int, int, decltype(fn)>>(fn));
  harness.Process({1});
  harness.Watermark(100);
  using Control = ::sluice::testing::CapturingOutput<int>::Control;
  ASSERT_EQ(harness.output().entries().size(), 2u);
  EXPECT_EQ(std::get<Control>(harness.output().entries()[1]),
            (Control{ElementKind::kWatermark, 100}));
}

}  // namespace
}  // namespace sluice
