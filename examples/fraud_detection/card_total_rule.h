// The first fraud rule: a rolling per-card total and count, raising one alert when a
// card's total spend crosses a threshold.
#pragma once

#include <cstdint>
#include <string>

#include "sluice/examples/fraud_detection/transaction.h"

namespace fraud {

struct CardUpdate {
  uint64_t card = 0;
  int64_t total_cents = 0;
  int64_t count = 0;
  int64_t timestamp_ms = 0;
  bool crossed = false;  // true only for the transaction that crossed the threshold
};

struct Alert {
  uint64_t card = 0;
  int64_t total_cents = 0;
  int64_t count = 0;
  int64_t timestamp_ms = 0;
  std::string rule;
};

// An aggregate for KeyedStream::Aggregate.
class CardTotalRule {
 public:
  explicit CardTotalRule(int64_t threshold_cents) : threshold_cents_(threshold_cents) {}

  struct Accumulator {
    int64_t total_cents = 0;
    int64_t count = 0;
    int64_t last_timestamp_ms = 0;
    bool crossed_now = false;
  };

  Accumulator CreateAccumulator() const { return {}; }
  void Add(Accumulator& acc, const Transaction& txn) const {
    bool below = acc.total_cents < threshold_cents_;
    acc.total_cents += txn.amount_cents;
    ++acc.count;
    acc.last_timestamp_ms = txn.timestamp_ms;
    acc.crossed_now = below && acc.total_cents >= threshold_cents_;
  }
  CardUpdate Result(const uint64_t& card, const Accumulator& acc) const {
    return CardUpdate{card, acc.total_cents, acc.count, acc.last_timestamp_ms,
                      acc.crossed_now};
  }

 private:
  int64_t threshold_cents_;
};

}  // namespace fraud
