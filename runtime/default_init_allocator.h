// std::allocator, except that constructing an element without arguments
// default-initialises it rather than value-initialising it: vector::resize(n) and
// emplace_back() leave a trivial type's new elements unwritten instead of zeroing
// them. Batches grow this way and then fill every new slot (key partitioning,
// timestamp assignment), so the zeroing was a second write of each element.
//
// The catch: a member without an initialiser, in a struct built this way, holds
// whatever the memory held (in a pooled batch, an earlier record's value). Code that
// does not assign every member must value-initialise explicitly: emplace_back(T()).
#pragma once

#include <memory>
#include <new>
#include <type_traits>
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

  // Only the no-argument form: with arguments, allocator_traits constructs as
  // std::allocator does (and vector keeps its noexcept relocation when it grows).
  template <class U>
  void construct(U* p) noexcept(std::is_nothrow_default_constructible_v<U>) {
    ::new (static_cast<void*>(p)) U;
  }
};

// The vector type of a batch's items and timestamps.
template <class T>
using BatchVector = std::vector<T, DefaultInitAllocator<T>>;

}  // namespace sluice
