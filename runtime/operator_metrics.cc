#include "sluice/runtime/operator_metrics.h"

#include <map>

#include "absl/strings/str_format.h"

namespace sluice {

OperatorMetricsSnapshot OperatorMetrics::Snapshot() const {
  OperatorMetricsSnapshot s;
  s.name = name_;
  s.instance = instance_;
  s.parallelism = parallelism_;
  s.records_in = records_in.Get();
  s.records_out = records_out.Get();
  s.late_records = late_records.Get();
  s.state_entries = state_entries.load(std::memory_order_relaxed);
  uint64_t inclusive = busy_inclusive_nanos.Get();
  uint64_t chained = chained_ != nullptr ? chained_->busy_inclusive_nanos.Get() : 0;
  s.busy_nanos = inclusive > chained ? inclusive - chained : 0;
  s.blocked_nanos = blocked_nanos.Get();
  for (const Channel* channel : inputs_) {
    s.input_queued += channel->queued_batches();
    s.input_capacity += channel->capacity();
  }
  return s;
}

void OperatorMetricsSnapshot::Add(const OperatorMetricsSnapshot& other) {
  records_in += other.records_in;
  records_out += other.records_out;
  busy_nanos += other.busy_nanos;
  blocked_nanos += other.blocked_nanos;
  late_records += other.late_records;
  state_entries += other.state_entries;
  input_queued += other.input_queued;
  input_capacity += other.input_capacity;
}

std::string FormatMetricsTable(const std::vector<OperatorMetricsSnapshot>& metrics,
                               double wall_seconds) {
  // Keep the operators in first-seen (topological) order.
  std::vector<std::string> order;
  std::map<std::string, OperatorMetricsSnapshot> sums;
  for (const auto& m : metrics) {
    auto [it, inserted] = sums.try_emplace(m.name, m);
    if (inserted) {
      order.push_back(m.name);
      continue;
    }
    it->second.Add(m);
  }
  std::string out = absl::StrFormat("%-28s %4s %14s %14s %10s %11s %9s %10s %12s\n",
                                    "operator", "par", "records in", "records out",
                                    "busy s", "blocked s", "fill", "late", "state keys");
  for (const std::string& name : order) {
    const OperatorMetricsSnapshot& m = sums[name];
    std::string fill =
        m.input_capacity == 0
            ? "-"
            : absl::StrFormat("%.0f%%", 100.0 * m.input_queued / m.input_capacity);
    absl::StrAppendFormat(&out, "%-28s %4d %14d %14d %10.3f %11.3f %9s %10d %12d\n", name,
                          m.parallelism, m.records_in, m.records_out, m.busy_nanos / 1e9,
                          m.blocked_nanos / 1e9, fill, m.late_records, m.state_entries);
  }
  absl::StrAppendFormat(&out, "wall time %.3f s\n", wall_seconds);
  return out;
}

}  // namespace sluice
