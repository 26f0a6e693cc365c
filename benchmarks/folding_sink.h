// A sink that folds every event into a Totals value: each instance folds locally
// without locking and merges into the shared result when it closes (before
// Job::Wait returns). Totals: default-constructible, with Fold(const T&) and
// Merge(const Totals&), both commutative so the order of instances does not matter.
#pragma once

#include <memory>
#include <mutex>
#include <string>
#include <utility>

#include "sluice/runtime/batch.h"
#include "sluice/runtime/connector_spec.h"

namespace sluice::bench {

template <class T, class Totals>
class FoldingSink final : public SinkSpec<T> {
 public:
  FoldingSink() : store_(std::make_shared<Store>()) {}

  std::string Kind() const override { return "folding_sink"; }
  std::unique_ptr<Operator> CreateInstance() const override {
    return std::make_unique<Instance>(store_);
  }

  // Thread-safe. The merged totals of every instance closed so far.
  Totals Result() const {
    std::lock_guard<std::mutex> lock(store_->mutex);
    return store_->totals;
  }

 private:
  struct Store {
    std::mutex mutex;
    Totals totals;
  };
  class Instance final : public Operator {
   public:
    explicit Instance(std::shared_ptr<Store> store) : store_(std::move(store)) {}
    void ProcessBatch(int, BatchPtr batch, Output&) override {
      for (const T& item : BatchAs<T>(batch).items) local_.Fold(item);
    }
    absl::Status Close() override {
      std::lock_guard<std::mutex> lock(store_->mutex);
      store_->totals.Merge(local_);
      local_ = Totals{};
      return absl::OkStatus();
    }

   private:
    std::shared_ptr<Store> store_;
    Totals local_;
  };
  std::shared_ptr<Store> store_;
};

}  // namespace sluice::bench
