// BatchVector leaves trivial elements unwritten on growth but still runs
// constructors and member initialisers, and explicit values are kept. (What an
// unwritten element holds cannot be observed without undefined behaviour.)
#include "sluice/runtime/default_init_allocator.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <type_traits>

namespace sluice {
namespace {

// Growth and swaps stay as cheap as std::vector's: no element-wise moves.
static_assert(std::is_nothrow_move_assignable_v<BatchVector<int64_t>>);
static_assert(std::is_nothrow_move_constructible_v<BatchVector<std::string>>);
static_assert(std::allocator_traits<DefaultInitAllocator<int>>::is_always_equal::value);

struct WithDefaults {
  int count = 7;
  std::string name = "unset";
};

TEST(DefaultInitAllocatorTest, ResizeStillConstructsClassTypes) {
  BatchVector<WithDefaults> items;
  items.resize(3);
  for (const WithDefaults& item : items) {
    EXPECT_EQ(item.count, 7);
    EXPECT_EQ(item.name, "unset");
  }
  BatchVector<std::string> strings(2);
  EXPECT_EQ(strings[0], "");
  EXPECT_EQ(strings[1], "");
}

TEST(DefaultInitAllocatorTest, ExplicitValuesAndCopiesAreKept) {
  BatchVector<int64_t> values(4, int64_t{42});
  values.resize(6, -1);
  EXPECT_EQ(values[3], 42);
  EXPECT_EQ(values[5], -1);
  values.push_back(9);
  values.emplace_back(10);
  EXPECT_EQ(values.back(), 10);
  BatchVector<int64_t> copy = values;
  EXPECT_EQ(copy, values);
  BatchVector<WithDefaults> built;
  built.emplace_back(WithDefaults{1, "one"});
  EXPECT_EQ(built[0].name, "one");
}

}  // namespace
}  // namespace sluice
