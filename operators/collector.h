// What a FlatMap function writes its outputs to.
#pragma once

#include <utility>
#include <vector>

namespace sluice {

template <class T>
class Collector {
 public:
  explicit Collector(std::vector<T>* out) : out_(out) {}
  void Emit(const T& value) { out_->push_back(value); }
  void Emit(T&& value) { out_->push_back(std::move(value)); }

 private:
  std::vector<T>* out_;
};

}  // namespace sluice
