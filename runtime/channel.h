// A bounded single-producer single-consumer queue of elements between two tasks.
// Capacity counts data batches; control elements always fit. Push never blocks:
// producers check HasRoom() before taking on work, and park when it is false.
#pragma once

#include <atomic>
#include <cstddef>
#include <deque>
#include <mutex>

#include "sluice/runtime/element.h"

namespace sluice {

class Task;

// Cache-line aligned: the channels of one exchange are allocated together and used
// by consumers on different cores; sharing a line, their locks would ping-pong.
class alignas(64) Channel {
 public:
  Channel(size_t capacity, int port) : capacity_(capacity), port_(port) {}
  Channel(const Channel&) = delete;
  Channel& operator=(const Channel&) = delete;

  // Wiring, done once before the job starts.
  void Connect(Task* producer, Task* consumer) {
    producer_ = producer;
    consumer_ = consumer;
  }

  // The consumer's logical input index (a union or join has several).
  int port() const { return port_; }
  size_t capacity() const { return capacity_; }

  // Producer side. Wakes the consumer.
  void Push(Element element);
  // Producer side. False when the channel holds `capacity` batches or more.
  bool HasRoom() const {
    return queued_batches_.load(std::memory_order_acquire) < capacity_;
  }

  // Consumer side. Returns false when empty. Wakes the producer when this frees room.
  bool Pop(Element* element);

  // Any thread. Batches queued now, for metrics.
  size_t queued_batches() const {
    return queued_batches_.load(std::memory_order_relaxed);
  }

 private:
  const size_t capacity_;
  const int port_;
  Task* producer_ = nullptr;
  Task* consumer_ = nullptr;
  std::mutex mutex_;
  std::deque<Element> queue_;
  std::atomic<size_t> queued_batches_{0};
};

}  // namespace sluice
