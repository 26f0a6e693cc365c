// The second fraud rule: spend velocity. A card's spend in any 60 s of event time
// (windows sliding every 10 s) reaching a threshold raises an alert per window; a
// stolen card is typically drained fast, which a lifetime total notices late.
#pragma once

#include <chrono>
#include <cstdint>

#include "sluice/examples/fraud_detection/card_total_rule.h"
#include "sluice/examples/fraud_detection/transaction.h"
#include "sluice/sluice.h"

namespace fraud {

inline constexpr auto kVelocityWindow = std::chrono::seconds(60);
inline constexpr auto kVelocitySlide = std::chrono::seconds(10);

// A window aggregate: spend and transaction count.
struct CardSpend {
  struct Accumulator {
    int64_t total_cents = 0;
    int64_t count = 0;
  };
  Accumulator CreateAccumulator() const { return {}; }
  void Add(Accumulator& acc, const Transaction& txn) const {
    acc.total_cents += txn.amount_cents;
    ++acc.count;
  }
  void Merge(Accumulator& into, const Accumulator& from) const {
    into.total_cents += from.total_cents;
    into.count += from.count;
  }
  Accumulator Result(const Accumulator& acc) const { return acc; }
};

// Alerts from `transactions`, which must carry event time (AssignTimestamps).
inline sluice::Stream<Alert> VelocityAlerts(sluice::Stream<Transaction> transactions,
                                            int64_t threshold_cents) {
  using Spend = sluice::WindowResult<uint64_t, CardSpend::Accumulator>;
  return transactions.KeyBy([](const Transaction& txn) { return txn.card; })
      .Window(sluice::SlidingWindows(kVelocityWindow, kVelocitySlide))
      .Aggregate(CardSpend())
      .Name("card_spend_60s")
      .Filter([threshold_cents](const Spend& s) {
        return s.value.total_cents >= threshold_cents;
      })
      .Name("velocity_exceeded")
      .Map([](const Spend& s) {
        return Alert{s.key, s.value.total_cents, s.value.count, s.end - 1,
                     "velocity_60s"};
      })
      .Name("velocity_alert");
}

}  // namespace fraud
