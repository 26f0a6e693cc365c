// Counters kept by one operator instance. Written by the one task that drives the
// instance, read by anyone (Job::Metrics) while the job runs.
#pragma once

#include <atomic>
#include <cstdint>
#include <string>
#include <vector>

#include "sluice/runtime/channel.h"

namespace sluice {

// A counter with a single writer: a relaxed load+store, cheaper than fetch_add.
class RelaxedCounter {
 public:
  void Add(uint64_t delta) {
    value_.store(value_.load(std::memory_order_relaxed) + delta,
                 std::memory_order_relaxed);
  }
  uint64_t Get() const { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<uint64_t> value_{0};
};

// A point-in-time copy of one instance's metrics.
struct OperatorMetricsSnapshot {
  std::string name;
  int instance = 0;
  int parallelism = 1;
  uint64_t records_in = 0;
  uint64_t records_out = 0;
  uint64_t busy_nanos = 0;     // time in this operator's own code (1 in 8 batches timed)
  uint64_t blocked_nanos = 0;  // time its task waited for room downstream
  uint64_t late_records = 0;   // events behind the watermark (windows, timers)
  uint64_t state_entries = 0;  // keys (or windows) held in keyed state
  size_t input_queued = 0;     // batches waiting in its input channels
  size_t input_capacity = 0;   // total capacity of those channels

  // Adds another instance's counts (the name, instance and parallelism stay).
  void Add(const OperatorMetricsSnapshot& other);
};

// Cache-line aligned: the metrics of different instances are allocated one after
// another and written per batch from different cores.
class alignas(64) OperatorMetrics {
 public:
  OperatorMetrics(std::string name, int instance, int parallelism)
      : name_(std::move(name)), instance_(instance), parallelism_(parallelism) {}

  RelaxedCounter records_in;
  RelaxedCounter records_out;
  RelaxedCounter busy_inclusive_nanos;  // includes the chained operators it calls
  RelaxedCounter blocked_nanos;
  RelaxedCounter late_records;
  // A gauge: the operator stores its current count (single writer).
  std::atomic<uint64_t> state_entries{0};
  void SetStateEntries(uint64_t n) { state_entries.store(n, std::memory_order_relaxed); }

  const std::string& name() const { return name_; }
  void AddInput(const Channel* channel) { inputs_.push_back(channel); }
  // The operator chained after this one, whose time is subtracted to get self time.
  void SetChained(const OperatorMetrics* next) { chained_ = next; }

  OperatorMetricsSnapshot Snapshot() const;

 private:
  std::string name_;
  int instance_;
  int parallelism_;
  std::vector<const Channel*> inputs_;
  const OperatorMetrics* chained_ = nullptr;
};

// Renders snapshots as a table, one row per operator with instances summed.
std::string FormatMetricsTable(const std::vector<OperatorMetricsSnapshot>& metrics,
                               double wall_seconds);

}  // namespace sluice
