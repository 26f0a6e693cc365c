// The sketches behind the approximate window aggregates, checked against exact answers
// computed by brute force here: HyperLogLog against distinct counts from sort + unique,
// KLL against ranks in the std::sort-ed input, and both inside windowed jobs against
// per-window exact values, under every RunConfig.
#include <algorithm>
#include <bit>
#include <cmath>
#include <cstdint>
#include <iostream>
#include <limits>
#include <map>
#include <stdexcept>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "gtest/gtest.h"
#include "sluice/operators/structures/hyper_log_log.h"
#include "sluice/operators/structures/kll_sketch.h"
#include "sluice/runtime/stable_hash.h"
#include "sluice/sluice.h"
#include "sluice/tests/run_config.h"
#include "sluice/tests/status_matchers.h"

namespace sluice {
namespace {

// Relative standard error of a HyperLogLog with 2^precision registers.
double StandardError(int precision) {
  return 1.04 / std::sqrt(std::ldexp(1.0, precision));
}

int64_t DistinctCount(std::vector<uint64_t> items) {
  std::sort(items.begin(), items.end());
  return std::unique(items.begin(), items.end()) - items.begin();
}

// Each of `cardinality` items twice, interleaved, so duplicates must not count.
std::vector<uint64_t> ItemsWithRepeats(int64_t cardinality, uint64_t salt) {
  std::vector<uint64_t> items;
  for (int64_t i = 0; i < 2 * cardinality; ++i) {
    items.push_back(static_cast<uint64_t>(i % std::max<int64_t>(cardinality, 1)) + salt);
  }
  return items;
}

HyperLogLog Sketch(const std::vector<uint64_t>& items, int precision) {
  HyperLogLog sketch(precision);
  for (uint64_t item : items) sketch.Add(StableHash(item));
  return sketch;
}

TEST(HyperLogLogSketchTest, EstimateWithinThreeStandardErrors) {
  for (int64_t cardinality : {0, 1, 10, 1000, 100'000, 1'000'000}) {
    const std::vector<uint64_t> items = ItemsWithRepeats(cardinality, 12345);
    const int64_t exact = DistinctCount(items);
    ASSERT_EQ(exact, cardinality);
    for (int precision : {4, 10, 14, 18}) {
      const double estimate = Sketch(items, precision).Estimate();
      if (exact == 0) {
        EXPECT_EQ(estimate, 0.0);
        continue;
      }
      const double error = (estimate - exact) / static_cast<double>(exact);
      std::cout << "[ measured ] HLL p=" << precision << " n=" << exact
                << " relative error " << error << " (" << error / StandardError(precision)
                << " standard errors)\n";
      EXPECT_LE(std::abs(error), 3 * StandardError(precision))
          << "p=" << precision << " n=" << exact << " estimate " << estimate;
    }
  }
}

// Cardinalities around the switch from linear counting to the raw estimate (0.7 m for
// p = 14), where an estimator without bias correction is off by tens of percent.
TEST(HyperLogLogSketchTest, NoBiasWhereLinearCountingHandsOver) {
  constexpr int kPrecision = 14;
  for (int64_t cardinality : {8000, 11000, 12000, 16384, 25000, 40000, 60000}) {
    const std::vector<uint64_t> items = ItemsWithRepeats(cardinality, 777);
    const int64_t exact = DistinctCount(items);
    const double error =
        (Sketch(items, kPrecision).Estimate() - exact) / static_cast<double>(exact);
    std::cout << "[ measured ] HLL p=14 n=" << exact << " relative error " << error
              << "\n";
    EXPECT_LE(std::abs(error), 3 * StandardError(kPrecision)) << "n=" << exact;
  }
}

// The registers, computed from the definition: register i holds the largest rank
// (leading zeros + 1 after the index bits) of the hashes whose top bits are i.
std::vector<uint8_t> BruteForceRegisters(const std::vector<uint64_t>& items,
                                         int precision) {
  std::vector<uint8_t> registers(size_t{1} << precision, 0);
  for (uint64_t item : items) {
    const uint64_t hash = StableHash(item);
    const int rank = std::min(std::countl_zero(hash << precision) + 1, 65 - precision);
    uint8_t& r = registers[hash >> (64 - precision)];
    r = std::max<uint8_t>(r, static_cast<uint8_t>(rank));
  }
  return registers;
}

// Small sketches start sparse and turn dense; either way the registers are the same.
TEST(HyperLogLogSketchTest, RegistersMatchDefinition) {
  for (int precision : {4, 12}) {
    for (int64_t cardinality : {1, 50, 300, 600, 5000}) {
      const std::vector<uint64_t> items = ItemsWithRepeats(cardinality, 99);
      EXPECT_EQ(Sketch(items, precision).Registers(),
                BruteForceRegisters(items, precision))
          << "p=" << precision << " n=" << cardinality;
    }
  }
}

TEST(HyperLogLogSketchTest, MergeIsSketchOfUnion) {
  constexpr int kPrecision = 12;
  // Overlapping ranges, small and large, so sparse and dense sketches meet.
  for (auto [a_size, b_size] : {std::pair<uint64_t, uint64_t>{100, 200},
                                {100, 90'000},
                                {90'000, 100},
                                {60'000, 90'000}}) {
    std::vector<uint64_t> a, b;
    for (uint64_t i = 0; i < a_size; ++i) a.push_back(i);
    for (uint64_t i = 0; i < b_size; ++i) b.push_back(a_size / 2 + i);
    std::vector<uint64_t> both = a;
    both.insert(both.end(), b.begin(), b.end());
    const int64_t exact = DistinctCount(both);

    HyperLogLog merged = Sketch(a, kPrecision);
    merged.Merge(Sketch(b, kPrecision));
    EXPECT_EQ(merged.Registers(), Sketch(both, kPrecision).Registers());
    EXPECT_EQ(merged.Registers(), BruteForceRegisters(both, kPrecision));
    const double error = (merged.Estimate() - exact) / static_cast<double>(exact);
    EXPECT_LE(std::abs(error), 3 * StandardError(kPrecision))
        << a_size << " + " << b_size << ": union " << exact;
  }
}

TEST(HyperLogLogSketchTest, PrecisionMismatchAndRangeAreErrors) {
  HyperLogLog p12(12);
  HyperLogLog p14(14);
  try {
    p12.Merge(p14);
    ADD_FAILURE() << "merging precisions 12 and 14 did not throw";
  } catch (const std::invalid_argument& e) {
    EXPECT_EQ(std::string(e.what()),
              "HyperLogLog::Merge: precision 14 does not match this sketch's "
              "precision 12");
  }
  EXPECT_THROW(HyperLogLog(3), std::invalid_argument);
  EXPECT_THROW(HyperLogLog(19), std::invalid_argument);
  EXPECT_THROW(aggregates::ApproxDistinct([](int x) { return x; }, 25),
               std::invalid_argument);
}

enum class Distribution { kUniform, kSorted, kReverseSorted, kHeavyDuplicates };

std::string DistributionName(const ::testing::TestParamInfo<Distribution>& info) {
  switch (info.param) {
    case Distribution::kUniform:
      return "Uniform";
    case Distribution::kSorted:
      return "Sorted";
    case Distribution::kReverseSorted:
      return "ReverseSorted";
    case Distribution::kHeavyDuplicates:
      return "HeavyDuplicates";
  }
  return "Unknown";
}

std::vector<int64_t> MakeValues(Distribution distribution, int64_t n) {
  std::vector<int64_t> values(n);
  for (int64_t i = 0; i < n; ++i) {
    const uint64_t h = StableHash(i);
    switch (distribution) {
      case Distribution::kUniform:
        values[i] = static_cast<int64_t>(h % 1'000'000'000);
        break;
      case Distribution::kSorted:
        values[i] = i;
        break;
      case Distribution::kReverseSorted:
        values[i] = n - i;
        break;
      case Distribution::kHeavyDuplicates:  // 60% one value, the rest 20 others
        values[i] = h % 100 < 60 ? 7 : static_cast<int64_t>((h >> 32) % 20) * 10;
        break;
    }
  }
  return values;
}

// How far the rank of the exact q-quantile, sorted[floor(q (n - 1))], lies from the
// ranks `value` occupies in `sorted`, over n: 0 when `value` is the exact quantile
// (ties make its ranks a range).
template <class V>
double NormalizedRankError(const std::vector<V>& sorted, const V& value, double q) {
  const double n = static_cast<double>(sorted.size());
  const double target = std::floor(q * (n - 1));
  const auto low = std::lower_bound(sorted.begin(), sorted.end(), value) - sorted.begin();
  const auto high =
      std::upper_bound(sorted.begin(), sorted.end(), value) - sorted.begin();
  if (low == high) return 1.0;  // not an input value at all
  if (target < low) return (low - target) / n;
  if (target > high - 1) return (target - (high - 1)) / n;
  return 0.0;
}

constexpr int64_t kValues = 1'000'000;
constexpr double kRankErrorBound = 0.025;  // for k = 200; measured errors are ~1%
const std::vector<double> kQuantiles = {0, 0.01, 0.5, 0.99, 1};

// The largest rank error over kQuantiles and a grid of 99 more; q = 0 and q = 1 must
// be the exact extremes.
double MaxRankError(const KllSketch<int64_t>& sketch,
                    const std::vector<int64_t>& sorted) {
  EXPECT_EQ(sketch.Count(), static_cast<int64_t>(sorted.size()));
  EXPECT_EQ(sketch.Quantile(0), sorted.front());
  EXPECT_EQ(sketch.Quantile(1), sorted.back());
  std::vector<double> qs = kQuantiles;
  for (int i = 1; i < 100; ++i) qs.push_back(i / 100.0);
  const std::vector<int64_t> answers = sketch.Quantiles(qs);
  double worst = 0;
  for (size_t i = 0; i < qs.size(); ++i) {
    worst = std::max(worst, NormalizedRankError(sorted, answers[i], qs[i]));
  }
  return worst;
}

class KllSketchTest : public ::testing::TestWithParam<Distribution> {};

TEST_P(KllSketchTest, RankErrorWithinBound) {
  std::vector<int64_t> values = MakeValues(GetParam(), kValues);
  KllSketch<int64_t> sketch;
  for (int64_t v : values) sketch.Add(v);
  std::sort(values.begin(), values.end());
  const double worst = MaxRankError(sketch, values);
  std::cout << "[ measured ] KLL k=200 " << DistributionName({GetParam(), 0})
            << " max normalized rank error " << worst << ", " << sketch.RetainedItems()
            << " values retained\n";
  EXPECT_LE(worst, kRankErrorBound);
  // O(k + log n) memory: about 3k values for a million inputs.
  EXPECT_LE(sketch.RetainedItems(), 4u * 200u);
}

TEST_P(KllSketchTest, MergedSplitInputWithinBound) {
  std::vector<int64_t> values = MakeValues(GetParam(), kValues);
  // Halves (as two slices) and 100 round-robin parts (as many partials) of the input.
  for (int parts : {2, 100}) {
    std::vector<KllSketch<int64_t>> sketches(parts);
    for (int64_t i = 0; i < kValues; ++i) {
      const int part = parts == 2 ? static_cast<int>(i * 2 / kValues) : i % parts;
      sketches[part].Add(values[i]);
    }
    KllSketch<int64_t> merged;
    for (const KllSketch<int64_t>& s : sketches) merged.Merge(s);
    std::vector<int64_t> sorted = values;
    std::sort(sorted.begin(), sorted.end());
    const double worst = MaxRankError(merged, sorted);
    std::cout << "[ measured ] KLL k=200 " << DistributionName({GetParam(), 0})
              << " merged from " << parts << " parts: max normalized rank error " << worst
              << "\n";
    EXPECT_LE(worst, kRankErrorBound) << parts << " parts";
  }
}

INSTANTIATE_TEST_SUITE_P(Distributions, KllSketchTest,
                         ::testing::Values(Distribution::kUniform, Distribution::kSorted,
                                           Distribution::kReverseSorted,
                                           Distribution::kHeavyDuplicates),
                         DistributionName);

TEST(KllSketchErrorsTest, EmptySketchAndBadQuantileAreErrors) {
  KllSketch<double> sketch;
  EXPECT_THROW(sketch.Quantile(0.5), std::logic_error);
  sketch.Add(1.0);
  sketch.Add(std::numeric_limits<double>::quiet_NaN());  // ignored
  EXPECT_EQ(sketch.Count(), 1);
  EXPECT_EQ(sketch.Quantile(0.5), 1.0);
  EXPECT_THROW(sketch.Quantile(-0.01), std::invalid_argument);
  EXPECT_THROW(sketch.Quantile(1.01), std::invalid_argument);
  EXPECT_THROW(sketch.Quantile(std::nan("")), std::invalid_argument);
  EXPECT_THROW(KllSketch<double>(4), std::invalid_argument);
  auto value = [](double x) { return x; };
  EXPECT_THROW(aggregates::ApproxQuantiles<double>(value, {0.5, 1.5}),
               std::invalid_argument);
  EXPECT_THROW(aggregates::ApproxQuantiles<double>(value, {}), std::invalid_argument);
}

TEST(KllSketchErrorsTest, SameInputGivesSameSketch) {
  const std::vector<int64_t> values = MakeValues(Distribution::kUniform, 100'000);
  KllSketch<int64_t> a, b;
  for (int64_t v : values) a.Add(v);
  for (int64_t v : values) b.Add(v);
  EXPECT_EQ(a.Quantiles(kQuantiles), b.Quantiles(kQuantiles));
}

}  // namespace
}  // namespace sluice

namespace sluice {
namespace {

// A page view: `page` is the key; `user` repeats, so windows have duplicates; and
// `latency` is skewed (exponential), so quantiles are spread unevenly.
struct View {
  uint32_t page = 0;
  int64_t time = 0;
  uint64_t user = 0;
  double latency = 0;
};

constexpr int64_t kBound = 40;  // how far an event runs behind the latest one
constexpr uint64_t kEvents = 60'000;
constexpr uint32_t kPages = 3;

// One event per time unit, pulled back by up to kBound - 1 (so the first ones have
// negative times): out of order, never late under BoundedOutOfOrderness(kBound).
View MakeView(uint64_t i) {
  const uint64_t h = StableHash(i + 31);
  const double uniform = static_cast<double>((h >> 11) + 1) * 0x1p-53;  // (0, 1]
  return View{static_cast<uint32_t>(h % kPages),
              static_cast<int64_t>(i) - static_cast<int64_t>((h >> 8) % kBound),
              (h >> 24) % 20'000, -100.0 * std::log(uniform)};
}

using WindowKey = std::tuple<uint32_t, int64_t, int64_t>;  // page, start, end

int64_t FloorTo(int64_t x, int64_t m) {
  const int64_t r = x % m;
  return r < 0 ? x - r - m : x - r;
}

// Every window [s, s + size) with s a multiple of slide that holds time t.
std::vector<int64_t> WindowStarts(int64_t t, int64_t size, int64_t slide) {
  std::vector<int64_t> starts;
  for (int64_t s = FloorTo(t, slide); s > t - size; s -= slide) starts.push_back(s);
  return starts;
}

template <class R>
std::map<WindowKey, R> ByWindow(const std::vector<WindowResult<uint32_t, R>>& results) {
  std::map<WindowKey, R> windows;
  for (const auto& r : results) {
    EXPECT_TRUE(windows.emplace(WindowKey{r.key, r.start, r.end}, r.value).second)
        << "window fired twice";
  }
  return windows;
}

class ApproxWindowTest : public testing::RunConfigTest {
 protected:
  static Stream<View> TimedViews(Dataflow& flow) {
    return flow.Source(GeneratorSource(MakeView).Count(kEvents))
        .AssignTimestamps([](const View& v) { return v.time; },
                          WatermarkStrategy::BoundedOutOfOrderness(kBound));
  }
};

TEST_P(ApproxWindowTest, ApproxDistinctMatchesBruteForce) {
  // Precision 10 (standard error 3.3%), so ~3000 users per window are past linear
  // counting and the raw estimator is exercised.
  constexpr int kPrecision = 10;
  constexpr int64_t kSize = 10'000;
  std::map<WindowKey, std::vector<uint64_t>> users;
  for (uint64_t i = 0; i < kEvents; ++i) {
    const View v = MakeView(i);
    const int64_t start = FloorTo(v.time, kSize);
    users[{v.page, start, start + kSize}].push_back(v.user);
  }
  Dataflow flow;
  CollectorSink<WindowResult<uint32_t, int64_t>> sink;
  TimedViews(flow)
      .KeyBy([](const View& v) { return v.page; })
      .Window(TumblingWindows(kSize))
      .Aggregate(
          aggregates::ApproxDistinct([](const View& v) { return v.user; }, kPrecision))
      .Sink(sink);
  SLUICE_ASSERT_OK(flow.Run(Options()));

  const std::map<WindowKey, int64_t> got = ByWindow(sink.Items());
  ASSERT_EQ(got.size(), users.size());
  double worst = 0;
  int64_t worst_exact = 0;
  for (const auto& [window, members] : users) {
    ASSERT_TRUE(got.contains(window));
    const int64_t exact = DistinctCount(members);
    const double error = (got.at(window) - exact) / static_cast<double>(exact);
    if (std::abs(error) > worst) {
      worst = std::abs(error);
      worst_exact = exact;
    }
    // Dozens of windows: 4 standard errors, which chance exceeds once in ~16000.
    EXPECT_LE(std::abs(error), 4 * StandardError(kPrecision))
        << "page " << std::get<0>(window) << " window at " << std::get<1>(window)
        << ": estimate " << got.at(window) << ", exact " << exact;
    // HyperLogLog merges lose nothing, so slicing, partials and parallelism leave
    // the estimate exactly that of one sketch of the window's users.
    EXPECT_EQ(got.at(window), std::llround(Sketch(members, kPrecision).Estimate()));
  }
  std::cout << "[ measured ] windowed ApproxDistinct p=10: " << users.size()
            << " windows, max relative error " << worst << " (at " << worst_exact
            << " distinct users)\n";
}

TEST_P(ApproxWindowTest, ApproxQuantilesMatchBruteForce) {
  const std::vector<double> qs = {0, 0.01, 0.25, 0.5, 0.9, 0.99, 1};
  // A tumbling window, and a sliding one whose windows merge three slices.
  for (auto [size, slide] :
       {std::pair<int64_t, int64_t>{10'000, 10'000}, {15'000, 5'000}}) {
    std::map<WindowKey, std::vector<double>> latencies;
    for (uint64_t i = 0; i < kEvents; ++i) {
      const View v = MakeView(i);
      for (int64_t start : WindowStarts(v.time, size, slide)) {
        latencies[{v.page, start, start + size}].push_back(v.latency);
      }
    }
    Dataflow flow;
    CollectorSink<WindowResult<uint32_t, std::vector<double>>> sink;
    TimedViews(flow)
        .KeyBy([](const View& v) { return v.page; })
        .Window(SlidingWindows(size, slide))
        .Aggregate(aggregates::ApproxQuantiles<double>(
            [](const View& v) { return v.latency; }, qs))
        .Sink(sink);
    SLUICE_ASSERT_OK(flow.Run(Options()));

    const std::map<WindowKey, std::vector<double>> got = ByWindow(sink.Items());
    ASSERT_EQ(got.size(), latencies.size()) << "size " << size;
    double worst = 0;
    for (auto& [window, values] : latencies) {
      ASSERT_TRUE(got.contains(window));
      const std::vector<double>& answers = got.at(window);
      ASSERT_EQ(answers.size(), qs.size());
      std::sort(values.begin(), values.end());
      EXPECT_EQ(answers.front(), values.front());  // q = 0 and 1 are exact
      EXPECT_EQ(answers.back(), values.back());
      for (size_t i = 0; i < qs.size(); ++i) {
        const double error = NormalizedRankError(values, answers[i], qs[i]);
        worst = std::max(worst, error);
        EXPECT_LE(error, kRankErrorBound)
            << "page " << std::get<0>(window) << " window at " << std::get<1>(window)
            << " size " << size << " q " << qs[i] << ": " << answers[i] << " of "
            << values.size() << " values";
      }
    }
    std::cout << "[ measured ] windowed ApproxQuantiles k=200 size " << size << " slide "
              << slide << ": " << latencies.size() << " windows, max rank error " << worst
              << "\n";
  }
}

INSTANTIATE_TEST_SUITE_P(Configs, ApproxWindowTest, testing::AllRunConfigs(),
                         testing::RunConfigName);

}  // namespace
}  // namespace sluice
