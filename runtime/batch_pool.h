// Process-wide free list of Batch<T> objects. Recycled batches keep their vector
// capacity, so a job in steady state allocates no memory per event.
#pragma once

#include <mutex>
#include <vector>

#include "runtime/batch.h"

namespace sluice {

template <class T>
class BatchPool {
 public:
  // The pool lives for the whole process (it is never destroyed, so batches that
  // outlive static destruction can still be released safely).
  static BatchPool& Instance() {
    static BatchPool* pool = new BatchPool();
    return *pool;
  }

  // Thread-safe. Returns an empty batch, reusing a recycled one when possible.
  BatchPtr Acquire() {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      if (!free_.empty()) {
        Batch<T>* batch = free_.back();
        free_.pop_back();
        return BatchPtr(batch);
      }
    }
    return BatchPtr(new Batch<T>());
  }

  // Thread-safe. Takes a batch back; keeps at most kMaxFree to bound idle memory.
  void Release(Batch<T>* batch) {
    batch->items.clear();
    std::lock_guard<std::mutex> lock(mutex_);
    if (free_.size() < kMaxFree) {
      free_.push_back(batch);
      return;
    }
    delete batch;
  }

 private:
  static constexpr size_t kMaxFree = 1024;
  BatchPool() = default;
  std::mutex mutex_;
  std::vector<Batch<T>*> free_;
};

template <class T>
BatchPtr AcquireBatch() {
  return BatchPool<T>::Instance().Acquire();
}

}  // namespace sluice
