// How many bad input records a source skipped or sent to its dead-letter file.
// Copies share one set of counters, so keep a copy to read them after the job.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>

namespace sluice {

// Thread-safe: parallel readers add while the user reads. Counts add up over every
// job that ran with the same policy.
class BadRecordCounts {
 public:
  BadRecordCounts() : counters_(std::make_shared<Counters>()) {}

  uint64_t skipped() const { return counters_->skipped.load(std::memory_order_relaxed); }
  uint64_t dead_lettered() const {
    return counters_->dead_lettered.load(std::memory_order_relaxed);
  }
  uint64_t total() const { return skipped() + dead_lettered(); }

  // For the sources that apply the policy.
  void AddSkipped() const { counters_->skipped.fetch_add(1, std::memory_order_relaxed); }
  void AddDeadLettered() const {
    counters_->dead_lettered.fetch_add(1, std::memory_order_relaxed);
  }

 private:
  struct Counters {
    std::atomic<uint64_t> skipped{0};
    std::atomic<uint64_t> dead_lettered{0};
  };
  std::shared_ptr<Counters> counters_;
};

}  // namespace sluice
