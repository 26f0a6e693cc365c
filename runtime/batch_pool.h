// Process-wide free list of Batch<T> objects, with a small cache per thread in front
// of it. Recycled batches keep their vector capacity, so a job in steady state
// allocates no memory per event; the thread cache keeps a batch on the core that last
// touched it and keeps the shared lock off the per-batch path.
#pragma once

#include <algorithm>
#include <mutex>
#include <vector>

#include "sluice/runtime/batch.h"

namespace sluice {

template <class T>
class BatchPool {
 public:
  // The pool lives for the whole process (it is never destroyed, so batches that
  // outlive static destruction, or thread caches flushed at thread exit, can still be
  // released safely).
  static BatchPool& Instance() {
    static BatchPool* pool = new BatchPool();
    return *pool;
  }

  // Thread-safe. Returns an empty batch, reusing a recycled one when possible.
  BatchPtr Acquire() {
    ThreadCache& cache = LocalCache();
    if (cache.batches.empty()) Refill(cache);
    if (!cache.batches.empty()) {
      Batch<T>* batch = cache.batches.back();
      cache.batches.pop_back();
      return BatchPtr(batch);
    }
    return BatchPtr(new Batch<T>());
  }

  // Thread-safe. Takes a batch back.
  void Release(Batch<T>* batch) {
    batch->items.clear();
    batch->timestamps.clear();
    batch->split = -1;
    ThreadCache& cache = LocalCache();
    cache.batches.push_back(batch);
    if (cache.batches.size() > kThreadCacheMax) Spill(cache, kThreadCacheMax / 2);
  }

 private:
  static constexpr size_t kThreadCacheMax = 32;
  static constexpr size_t kGlobalMax = 1024;  // bounds idle memory

  struct ThreadCache {
    std::vector<Batch<T>*> batches;
    ~ThreadCache() { Instance().Spill(*this, 0); }
  };

  static ThreadCache& LocalCache() {
    static thread_local ThreadCache cache;
    return cache;
  }

  BatchPool() = default;

  void Refill(ThreadCache& cache) {
    std::lock_guard<std::mutex> lock(mutex_);
    size_t take = std::min(free_.size(), kThreadCacheMax / 2);
    cache.batches.insert(cache.batches.end(), free_.end() - take, free_.end());
    free_.resize(free_.size() - take);
  }

  // Moves all but `keep` cached batches to the shared list (or frees them).
  void Spill(ThreadCache& cache, size_t keep) {
    std::lock_guard<std::mutex> lock(mutex_);
    while (cache.batches.size() > keep) {
      Batch<T>* batch = cache.batches.back();
      cache.batches.pop_back();
      if (free_.size() < kGlobalMax) {
        free_.push_back(batch);
      } else {
        delete batch;
      }
    }
  }

  std::mutex mutex_;
  std::vector<Batch<T>*> free_;
};

template <class T>
BatchPtr AcquireBatch() {
  return BatchPool<T>::Instance().Acquire();
}

}  // namespace sluice
