#include "sluice/runtime/channel.h"

#include "sluice/runtime/task.h"

namespace sluice {

void Channel::Push(Element element) {
  bool data = element.is_data();
  {
    std::lock_guard<std::mutex> lock(mutex_);
    queue_.push_back(std::move(element));
    if (data) queued_batches_.fetch_add(1, std::memory_order_release);
  }
  if (consumer_ != nullptr) consumer_->Wake();
}

bool Channel::Pop(Element* element) {
  bool freed_room = false;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (queue_.empty()) return false;
    *element = std::move(queue_.front());
    queue_.pop_front();
    if (element->is_data()) {
      size_t before = queued_batches_.fetch_sub(1, std::memory_order_acq_rel);
      freed_room = before == capacity_;
    }
  }
  if (freed_room && producer_ != nullptr) producer_->Wake();
  return true;
}

}  // namespace sluice
