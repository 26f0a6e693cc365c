#include "sluice/io/log/shared_log_topic.h"

namespace sluice {

absl::StatusOr<log::LogTopic*> SharedLogTopic::Acquire() {
  std::lock_guard<std::mutex> lock(mutex_);
  if (open_ == nullptr) {
    auto topic = log::LogTopic::Open(dir_, topic_, log::LogPartition::Access::kReadWrite);
    if (!topic.ok()) return topic.status();
    open_ = std::move(*topic);
  }
  ++users_;
  return open_.get();
}

void SharedLogTopic::Release() {
  std::lock_guard<std::mutex> lock(mutex_);
  if (users_ > 0 && --users_ == 0) open_.reset();  // syncs as its policy says
}

}  // namespace sluice
