// The fraud-detection example's dataflow against a brute-force replay of its rule.
#include <cstdlib>
#include <map>
#include <set>
#include <tuple>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "sluice/examples/fraud_detection/card_total_rule.h"
#include "sluice/examples/fraud_detection/card_velocity_rule.h"
#include "sluice/examples/fraud_detection/repeat_large_purchase_rule.h"
#include "sluice/examples/fraud_detection/transaction.h"
#include "sluice/sluice.h"
#include "sluice/tests/run_config.h"
#include "sluice/tests/status_matchers.h"

namespace fraud {
namespace {

using ::sluice::testing::RunConfig;
using ::sluice::testing::RunConfigName;

class FraudDetectionTest : public ::sluice::testing::RunConfigTest {};

TEST_P(FraudDetectionTest, AlertsMatchBruteForceReplay) {
  constexpr uint64_t kTransactions = 200000;
  constexpr int64_t kThreshold = 2'000'000;
  TransactionGeneratorOptions generator_options;
  generator_options.cards = 500;
  TransactionGenerator generator(generator_options);

  sluice::Dataflow flow;
  sluice::CollectorSink<Alert> sink;
  // One source instance keeps each card's transactions in index order, so the
  // crossing transaction is well defined; the keyed part runs at the parallelism
  // under test behind a key-hash exchange.
  flow.Source(sluice::GeneratorSource(generator).Count(kTransactions))
      .Parallelism(1)
      .KeyBy([](const Transaction& t) { return t.card; })
      .Aggregate(CardTotalRule(kThreshold))
      .Filter([](const CardUpdate& u) { return u.crossed; })
      .Map([](const CardUpdate& u) {
        return Alert{u.card, u.total_cents, u.count, u.timestamp_ms, "card_total"};
      })
      .Sink(sink);
  SLUICE_ASSERT_OK(flow.Run(Options()));

  // Replay in index order.
  std::map<uint64_t, std::pair<int64_t, int64_t>> totals;
  std::set<std::tuple<uint64_t, int64_t, int64_t, int64_t>> expected;
  for (uint64_t i = 0; i < kTransactions; ++i) {
    Transaction t = generator(i);
    auto& [total, count] = totals[t.card];
    bool below = total < kThreshold;
    total += t.amount_cents;
    ++count;
    if (below && total >= kThreshold)
      expected.emplace(t.card, total, count, t.timestamp_ms);
  }
  std::set<std::tuple<uint64_t, int64_t, int64_t, int64_t>> got;
  for (const Alert& a : sink.Items())
    got.emplace(a.card, a.total_cents, a.count, a.timestamp_ms);
  ASSERT_FALSE(expected.empty());
  EXPECT_EQ(got.size(), sink.Size()) << "a card alerted twice";
  EXPECT_EQ(got, expected);
}

// The velocity rule against a brute-force sum over every 60 s window (sliding by
// 10 s) of each card's transactions.
TEST_P(FraudDetectionTest, VelocityAlertsMatchBruteForceWindows) {
  constexpr uint64_t kTransactions = 300000;
  constexpr int64_t kThreshold = 150'000;
  constexpr int64_t kSize = 60'000, kSlide = 10'000;
  TransactionGeneratorOptions generator_options;
  generator_options.cards = 20000;
  TransactionGenerator generator(generator_options);

  sluice::Dataflow flow;
  sluice::CollectorSink<Alert> sink;
  auto transactions =
      flow.Source(sluice::GeneratorSource(generator).Count(kTransactions))
          .AssignTimestamps([](const Transaction& t) { return t.timestamp_ms; },
                            sluice::WatermarkStrategy::BoundedOutOfOrderness(1000));
  VelocityAlerts(transactions, kThreshold).Sink(sink);
  SLUICE_ASSERT_OK(flow.Run(Options()));

  // (card, window end) -> (spend, count)
  std::map<std::pair<uint64_t, int64_t>, std::pair<int64_t, int64_t>> windows;
  for (uint64_t i = 0; i < kTransactions; ++i) {
    Transaction t = generator(i);
    for (int64_t start = t.timestamp_ms / kSlide * kSlide; start > t.timestamp_ms - kSize;
         start -= kSlide) {
      auto& [spend, count] = windows[{t.card, start + kSize}];
      spend += t.amount_cents;
      ++count;
    }
  }
  std::set<std::tuple<uint64_t, int64_t, int64_t, int64_t>> expected;
  for (const auto& [card_end, spend_count] : windows) {
    if (spend_count.first >= kThreshold) {
      expected.emplace(card_end.first, spend_count.first, spend_count.second,
                       card_end.second - 1);
    }
  }
  std::set<std::tuple<uint64_t, int64_t, int64_t, int64_t>> got;
  for (const Alert& a : sink.Items()) {
    EXPECT_EQ(a.rule, "velocity_60s");
    got.emplace(a.card, a.total_cents, a.count, a.timestamp_ms);
  }
  ASSERT_GT(expected.size(), 10u);
  EXPECT_EQ(got.size(), sink.Size());
  EXPECT_EQ(got, expected);
}

// The repeat-large-purchase rule (a keyed process function with timers) against
// every pair of large purchases on a card within the span, found by brute force.
TEST_P(FraudDetectionTest, RepeatLargePurchaseAlertsMatchBruteForcePairs) {
  constexpr uint64_t kTransactions = 300000;
  constexpr int64_t kLarge = 150'000, kWithin = 30'000;
  TransactionGeneratorOptions generator_options;
  generator_options.cards = 20000;
  TransactionGenerator generator(generator_options);

  sluice::Dataflow flow;
  sluice::CollectorSink<Alert> sink;
  flow.Source(sluice::GeneratorSource(generator).Count(kTransactions))
      .AssignTimestamps([](const Transaction& t) { return t.timestamp_ms; },
                        sluice::WatermarkStrategy::BoundedOutOfOrderness(1000))
      .KeyBy([](const Transaction& t) { return t.card; })
      .Process(RepeatLargePurchaseRule(kLarge, kWithin))
      .Sink(sink);
  SLUICE_ASSERT_OK(flow.Run(Options()));

  std::map<uint64_t, std::vector<Transaction>> large;
  for (uint64_t i = 0; i < kTransactions; ++i) {
    Transaction t = generator(i);
    if (t.amount_cents >= kLarge) large[t.card].push_back(t);
  }
  std::multiset<std::tuple<uint64_t, int64_t, int64_t>> expected;
  for (const auto& [card, purchases] : large) {
    for (size_t i = 0; i < purchases.size(); ++i) {
      for (size_t j = i + 1; j < purchases.size(); ++j) {
        const Transaction& a = purchases[i];
        const Transaction& b = purchases[j];
        if (std::abs(a.timestamp_ms - b.timestamp_ms) <= kWithin) {
          expected.emplace(card, a.amount_cents + b.amount_cents,
                           std::max(a.timestamp_ms, b.timestamp_ms));
        }
      }
    }
  }
  std::multiset<std::tuple<uint64_t, int64_t, int64_t>> got;
  for (const Alert& a : sink.Items()) {
    EXPECT_EQ(a.rule, "repeat_large");
    got.emplace(a.card, a.total_cents, a.timestamp_ms);
  }
  ASSERT_GT(expected.size(), 10u);
  EXPECT_EQ(got, expected);
}

INSTANTIATE_TEST_SUITE_P(Configs, FraudDetectionTest,
                         ::testing::Values(RunConfig{1, 1024, 0}, RunConfig{2, 1024, 0},
                                           RunConfig{1, 1024, 5}, RunConfig{2, 1024, 9}),
                         RunConfigName);

}  // namespace
}  // namespace fraud
