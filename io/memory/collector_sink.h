// A sink that keeps every event in memory, for tests. Copies of a CollectorSink share
// one store, so keep a copy to read the results after the job ends.
#pragma once

#include <memory>
#include <mutex>
#include <utility>
#include <vector>

#include "sluice/runtime/connector_spec.h"

namespace sluice {

template <class T>
class CollectorSink final : public SinkSpec<T> {
 public:
  CollectorSink() : store_(std::make_shared<Store>()) {}

  std::string Kind() const override { return "collector"; }
  std::unique_ptr<Operator> CreateInstance() const override {
    return std::make_unique<Instance>(store_);
  }

  // Thread-safe. Everything collected so far, in arrival order per instance.
  std::vector<T> Items() const {
    std::lock_guard<std::mutex> lock(store_->mutex);
    return store_->items;
  }
  size_t Size() const {
    std::lock_guard<std::mutex> lock(store_->mutex);
    return store_->items.size();
  }

 private:
  struct Store {
    std::mutex mutex;
    std::vector<T> items;
  };
  class Instance final : public Operator {
   public:
    explicit Instance(std::shared_ptr<Store> store) : store_(std::move(store)) {}
    void ProcessBatch(int, BatchPtr batch, Output&) override {
      auto& items = BatchAs<T>(batch).items;
      std::lock_guard<std::mutex> lock(store_->mutex);
      for (T& item : items) store_->items.push_back(std::move(item));
    }

   private:
    std::shared_ptr<Store> store_;
  };
  std::shared_ptr<Store> store_;
};

}  // namespace sluice
