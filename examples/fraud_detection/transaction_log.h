// The demo's transactions in the embedded event log: topic "transactions", keyed by
// card, each record's value the transaction's card, amount and merchant (20 bytes,
// little-endian) and its timestamp the transaction's event time.
#pragma once

#include <cstdint>
#include <cstdio>
#include <cstring>
#include <stdexcept>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "sluice/examples/fraud_detection/transaction.h"
#include "sluice/io/log/log_topic.h"
#include "sluice/sluice.h"

namespace fraud {

inline constexpr char kTransactionTopic[] = "transactions";
inline constexpr size_t kTransactionValueBytes = 20;

inline std::string EncodeTransaction(const Transaction& txn) {
  std::string value(kTransactionValueBytes, '\0');
  std::memcpy(value.data(), &txn.card, 8);
  std::memcpy(value.data() + 8, &txn.amount_cents, 8);
  std::memcpy(value.data() + 16, &txn.merchant, 4);
  return value;
}

// Fails the job (naming the record) on a value that is not a transaction.
inline Transaction DecodeTransaction(const sluice::LogMessage& m) {
  if (m.value.size() != kTransactionValueBytes) {
    throw std::runtime_error(absl::StrCat("topic '", kTransactionTopic, "' partition ",
                                          m.partition, " offset ", m.offset,
                                          ": a transaction is ", kTransactionValueBytes,
                                          " bytes, this record has ", m.value.size()));
  }
  Transaction txn;
  std::memcpy(&txn.card, m.value.data(), 8);
  std::memcpy(&txn.amount_cents, m.value.data() + 8, 8);
  std::memcpy(&txn.merchant, m.value.data() + 16, 4);
  txn.timestamp_ms = m.timestamp;
  return txn;
}

// Creates the topic in `dir` with `count` generated transactions, unless it exists;
// an existing topic must hold exactly `count` (one left half-written by a killed
// first run, or written for another --transactions, is refused).
inline absl::Status EnsureTransactionTopic(const std::string& dir, int partitions,
                                           uint64_t count,
                                           const TransactionGenerator& generator) {
  namespace log = sluice::log;
  if (auto existing = log::LogTopic::Open(dir, kTransactionTopic,
                                          log::LogPartition::Access::kReadOnly);
      existing.ok()) {
    uint64_t held = 0;
    for (int p = 0; p < (*existing)->partition_count(); ++p) {
      held += static_cast<uint64_t>((*existing)->partition(p).end_offset());
    }
    if (held == count) return absl::OkStatus();
    return absl::FailedPreconditionError(absl::StrCat(
        "topic '", kTransactionTopic, "' in ", dir, " holds ", held,
        " transactions, not --transactions=", count,
        " (written by another run, or cut short): remove ", dir, " to write it again"));
  }
  log::LogConfig config;
  config.partitions = partitions;
  config.fsync = log::FsyncPolicy::kInterval;
  auto topic = log::LogTopic::Create(dir, kTransactionTopic, config);
  if (!topic.ok()) return topic.status();
  std::fprintf(stderr, "writing %llu transactions to %s/%s ...\n",
               static_cast<unsigned long long>(count), dir.c_str(), kTransactionTopic);
  std::vector<log::RecordBatchBuilder> batches(partitions);
  auto flush = [&](int p) -> absl::Status {
    if (batches[p].empty()) return absl::OkStatus();
    absl::Status s = (*topic)->partition(p).Append(batches[p]).status();
    batches[p].Clear();
    return s;
  };
  for (uint64_t i = 0; i < count; ++i) {
    const Transaction txn = generator(i);
    const std::string key = absl::StrCat(txn.card);
    const int p = (*topic)->PartitionForKey(key);
    batches[p].Add(key, EncodeTransaction(txn), txn.timestamp_ms, {});
    if (batches[p].record_count() >= 4096) {
      if (absl::Status s = flush(p); !s.ok()) return s;
    }
  }
  for (int p = 0; p < partitions; ++p) {
    if (absl::Status s = flush(p); !s.ok()) return s;
    if (absl::Status s = (*topic)->partition(p).Sync(); !s.ok()) return s;
  }
  return absl::OkStatus();
}

}  // namespace fraud
