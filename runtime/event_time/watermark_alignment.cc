#include "sluice/runtime/event_time/watermark_alignment.h"

#include <algorithm>

#include "sluice/runtime/event_time/event_time.h"

namespace sluice {

int AlignmentGroup::Join() {
  std::lock_guard<std::mutex> lock(mutex_);
  watermarks_.push_back(kMinWatermark);
  return static_cast<int>(watermarks_.size()) - 1;
}

void AlignmentGroup::Report(int member, int64_t watermark) {
  std::lock_guard<std::mutex> lock(mutex_);
  watermarks_[member] = watermark;
}

int64_t AlignmentGroup::Minimum() const {
  std::lock_guard<std::mutex> lock(mutex_);
  if (watermarks_.empty()) return kMaxWatermark;
  return *std::min_element(watermarks_.begin(), watermarks_.end());
}

AlignmentGroup* WatermarkAlignment::Group(const std::string& name) {
  std::lock_guard<std::mutex> lock(mutex_);
  auto& group = groups_[name];
  if (!group) group = std::make_unique<AlignmentGroup>();
  return group.get();
}

}  // namespace sluice
