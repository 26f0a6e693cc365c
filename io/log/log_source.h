// A source of the records of a topic in the embedded event log (io/log):
//
//   flow.Source(sluice::LogSource("/var/lib/sluice/log", "orders"))         // to the end
//   flow.Source(sluice::LogSource(dir, "orders").Follow())                  // unbounded
//
// Partitions are shared out over the parallel instances (partition p to instance
// p mod parallelism; parallelism at most the partition count). Every batch is tagged
// with its partition as the split, so AssignTimestamps right after the source keeps a
// watermark per partition and idleness applies per partition.
//
// Bounded (the default): each partition is read up to its end as of the job's start,
// and the job ends: a batch job over a log. Follow(): new appends are read as they
// come (the writer may be another process), and the job runs until cancelled.
// Following, a partition that gets no records holds event time back (its watermark
// never moves): give the watermark strategy WithIdleness(...) so a quiet partition
// stops counting until it has records again.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <string>

#include "absl/status/status.h"
#include "sluice/io/log/log_message.h"
#include "sluice/runtime/connector_spec.h"

namespace sluice {

class LogSource final : public SourceSpec<LogMessage> {
 public:
  LogSource(std::string dir, std::string topic) {
    settings_.dir = std::move(dir);
    settings_.topic = std::move(topic);
  }

  // Where each partition starts. Default: its earliest retained record.
  [[nodiscard]] LogSource FromEarliest() const;
  // Only records appended after the job starts.
  [[nodiscard]] LogSource FromLatest() const;
  // The given partitions at the given offsets, the others at their earliest record.
  // An offset before a partition's first retained record or past its end fails the
  // job when it starts, naming both.
  [[nodiscard]] LogSource FromOffsets(std::map<int, int64_t> offsets) const;
  // Keeps reading new appends; with nothing new, looks again every `poll`.
  [[nodiscard]] LogSource Follow(
      std::chrono::milliseconds poll = std::chrono::milliseconds(20)) const;

  std::string Kind() const override { return "log"; }
  // The topic must exist; offsets must name existing partitions.
  absl::Status Validate() const override;
  int MaxParallelism() const override;
  std::unique_ptr<SourceOperator> CreateInstance() const override;

  // What an instance needs (log_source_reader.h).
  struct Settings {
    std::string dir;
    std::string topic;
    enum class Start { kEarliest, kLatest, kOffsets } start = Start::kEarliest;
    std::map<int, int64_t> offsets;
    bool follow = false;
    std::chrono::milliseconds poll{20};
  };

 private:
  Settings settings_;
};

}  // namespace sluice
