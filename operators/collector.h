// What a FlatMap function writes its outputs to.
#pragma once

#include <cstdint>
#include <utility>
#include <vector>

#include "sluice/runtime/default_init_allocator.h"

namespace sluice {

// Outputs take the timestamp of the input event being processed, if the stream has
// event time.
template <class T>
class Collector {
 public:
  explicit Collector(BatchVector<T>* out, BatchVector<int64_t>* timestamps = nullptr,
                     int64_t timestamp = 0)
      : out_(out), timestamps_(timestamps), timestamp_(timestamp) {}
  void Emit(const T& value) {
    out_->push_back(value);
    if (timestamps_ != nullptr) timestamps_->push_back(timestamp_);
  }
  void Emit(T&& value) {
    out_->push_back(std::move(value));
    if (timestamps_ != nullptr) timestamps_->push_back(timestamp_);
  }

 private:
  BatchVector<T>* out_;
  BatchVector<int64_t>* timestamps_;
  int64_t timestamp_;
};

}  // namespace sluice
