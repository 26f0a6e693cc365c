// std::allocator, except that constructing an element without arguments
// default-initialises it rather than value-initialising it. For a trivial type that
// means no write at all: vector::resize(n) leaves the new elements uninitialised
// instead of zeroing them. Batches grow this way and then fill every new slot (key
// partitioning, timestamp assignment), so the zeroing was a second write of each
// element; a class type is still constructed by its default constructor.
#pragma once

#include <memory>
#include <new>
#include <type_traits>
#include <utility>
#include <vector>

namespace sluice {

template <class T>
class DefaultInitAllocator : public std::allocator<T> {
 public:
  template <class U>
  struct rebind {
    using other = DefaultInitAllocator<U>;
  };

  DefaultInitAllocator() = default;
  template <class U>
  DefaultInitAllocator(const DefaultInitAllocator<U>&) noexcept {}

  template <class U>
  void construct(U* p) noexcept(std::is_nothrow_default_constructible_v<U>) {
    ::new (static_cast<void*>(p)) U;
  }
  template <class U, class... Args>
  void construct(U* p, Args&&... args) {
    std::allocator_traits<std::allocator<T>>::construct(
        static_cast<std::allocator<T>&>(*this), p, std::forward<Args>(args)...);
  }
};

// The vector type of a batch's items and timestamps.
template <class T>
using BatchVector = std::vector<T, DefaultInitAllocator<T>>;

}  // namespace sluice
