// A bounded source over an in-memory vector, mainly for tests. Instance i of P emits
// elements i, i+P, ...
#pragma once

#include <memory>
#include <vector>

#include "io/generator_source.h"

namespace sluice {

template <class T>
auto FromCollection(std::vector<T> items) {
  auto shared = std::make_shared<const std::vector<T>>(std::move(items));
  auto source = Generator([shared](uint64_t index) { return (*shared)[index]; });
  source.Count(shared->size());
  return source;
}

}  // namespace sluice
