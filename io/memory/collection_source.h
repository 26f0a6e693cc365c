// A bounded source over an in-memory vector, mainly for tests and examples:
//
//   flow.Source(sluice::CollectionSource(std::vector<int>{1, 2, 3}))
//
// Instance i of P emits elements i, i+P, ... Checkpoints keep each instance's position,
// as the GeneratorSource it runs on does.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "sluice/io/memory/generator_source.h"
#include "sluice/runtime/connector_spec.h"

namespace sluice {

template <class T>
class CollectionSource final : public SourceSpec<T> {
 public:
  explicit CollectionSource(std::vector<T> items) : generator_(Over(std::move(items))) {}

  std::string Kind() const override { return "collection"; }
  absl::Status Validate() const override { return generator_.Validate(); }
  std::unique_ptr<SourceOperator> CreateInstance() const override {
    return generator_.CreateInstance();
  }

 private:
  // Shared, not copied, by the spec's copies and the parallel instances.
  struct ElementAt {
    std::shared_ptr<const std::vector<T>> items;
    T operator()(uint64_t index) const { return (*items)[index]; }
  };

  static GeneratorSource<T, ElementAt> Over(std::vector<T> items) {
    const uint64_t count = items.size();
    auto shared = std::make_shared<const std::vector<T>>(std::move(items));
    return GeneratorSource<T, ElementAt>(ElementAt{std::move(shared)}).Count(count);
  }

  GeneratorSource<T, ElementAt> generator_;
};

}  // namespace sluice
