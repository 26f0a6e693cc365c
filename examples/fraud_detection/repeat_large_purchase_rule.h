// The third fraud rule, a keyed process function with state and event-time timers:
// two large purchases on one card within a short span of event time. Each card keeps
// only its recent large purchases; a timer drops each one when it can no longer pair,
// so state stays small however long the job runs.
#pragma once

#include <cstdint>
#include <tuple>
#include <utility>

#include "sluice/examples/fraud_detection/card_total_rule.h"
#include "sluice/examples/fraud_detection/transaction.h"
#include "sluice/sluice.h"

namespace fraud {

class RepeatLargePurchaseRule {
 public:
  struct Purchase {
    int64_t timestamp_ms;
    int64_t amount_cents;
  };
  struct State {
    sluice::ListState<Purchase> recent;  // large purchases within `within_ms`
    auto Fields() { return std::tie(recent); }
  };
  using Output = Alert;
  using Context = sluice::KeyedContext<uint64_t, State, Alert>;

  RepeatLargePurchaseRule(int64_t large_cents, int64_t within_ms)
      : large_cents_(large_cents), within_ms_(within_ms) {}

  // Pairs a large purchase with every recent one near it in event time, whichever
  // arrives first, so the alerts do not depend on arrival order.
  void ProcessElement(const Transaction& txn, Context& ctx) const {
    if (txn.amount_cents < large_cents_) return;
    for (const Purchase& p : ctx.state().recent.Get()) {
      int64_t gap = txn.timestamp_ms - p.timestamp_ms;
      if (gap <= within_ms_ && -gap <= within_ms_) {
        ctx.Emit(Alert{ctx.key(), p.amount_cents + txn.amount_cents, 2,
                       std::max(p.timestamp_ms, txn.timestamp_ms), "repeat_large"});
      }
    }
    ctx.state().recent.Add(Purchase{txn.timestamp_ms, txn.amount_cents});
    ctx.RegisterEventTimeTimer(txn.timestamp_ms + within_ms_);
  }

  // Once the watermark is past t + within, no purchase can still pair with t. A card
  // left with no recent purchase and no timer is dropped.
  void OnTimer(int64_t time, Context& ctx) const {
    ctx.state().recent.RemoveIf(
        [&](const Purchase& p) { return p.timestamp_ms + within_ms_ <= time; });
  }

 private:
  int64_t large_cents_;
  int64_t within_ms_;
};

}  // namespace fraud
