// Card transactions for the fraud-detection demo, generated deterministically from
// the event index so every run (and every parallelism) sees the same stream.
#pragma once

#include <cstdint>

#include "sluice/runtime/stable_hash.h"

namespace fraud {

struct Transaction {
  uint64_t card = 0;
  int64_t amount_cents = 0;
  int64_t timestamp_ms = 0;
  uint32_t merchant = 0;
};

struct TransactionGeneratorOptions {
  uint64_t cards = 10000;
  // One card in this many is "compromised": its purchases are ten times larger.
  uint64_t compromised_one_in = 500;
  uint64_t seed = 42;
};

class TransactionGenerator {
 public:
  explicit TransactionGenerator(TransactionGeneratorOptions options)
      : options_(options) {}

  Transaction operator()(uint64_t index) const {
    uint64_t h = sluice::MixBits(index ^ sluice::MixBits(options_.seed));
    Transaction txn;
    txn.card = h % options_.cards;
    txn.amount_cents = 100 + static_cast<int64_t>((h >> 24) % 20000);  // $1 .. $200
    if (IsCompromised(txn.card)) txn.amount_cents *= 10;
    txn.timestamp_ms = static_cast<int64_t>(index);  // one transaction per millisecond
    txn.merchant = static_cast<uint32_t>((h >> 48) % 5000);
    return txn;
  }

  bool IsCompromised(uint64_t card) const {
    return sluice::MixBits(card + options_.seed) % options_.compromised_one_in == 0;
  }

 private:
  TransactionGeneratorOptions options_;
};

}  // namespace fraud
