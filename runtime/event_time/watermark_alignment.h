// Watermark alignment: sources that declare the same alignment group
// (WatermarkStrategy::WithAlignment) report their watermarks here, and a source whose
// watermark runs more than the allowed drift ahead of the group's slowest member is
// held back until the others catch up (as Flink's watermark alignment), so a fast
// source does not fill downstream state with events the slow one is far from.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace sluice {

class AlignmentGroup {
 public:
  // A new member, starting at kMinWatermark. Returns its id.
  int Join();
  void Report(int member, int64_t watermark);
  // The smallest watermark of the group's members.
  int64_t Minimum() const;

 private:
  mutable std::mutex mutex_;
  std::vector<int64_t> watermarks_;
};

// The groups of one job. Thread-safe.
class WatermarkAlignment {
 public:
  AlignmentGroup* Group(const std::string& name);

 private:
  std::mutex mutex_;
  std::map<std::string, std::unique_ptr<AlignmentGroup>> groups_;
};

}  // namespace sluice
