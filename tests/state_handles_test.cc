// The state handles and their time to live, driven by hand-set processing times
// (StateTime::Scope), against expectations worked out in each test.
#include <chrono>
#include <cstdint>
#include <functional>
#include <stdexcept>
#include <string>
#include <tuple>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "sluice/operators/aggregates.h"
#include "sluice/runtime/operator_error.h"
#include "sluice/runtime/state/aggregating_state.h"
#include "sluice/runtime/state/list_state.h"
#include "sluice/runtime/state/map_state.h"
#include "sluice/runtime/state/reducing_state.h"
#include "sluice/runtime/state/state_codec.h"
#include "sluice/runtime/state/state_fields.h"
#include "sluice/runtime/state/value_state.h"

namespace sluice {
namespace {

using ::testing::ElementsAre;

// Runs `fn` with processing time `now`.
template <class Fn>
auto At(int64_t now, Fn fn) {
  StateTime::Scope scope(now);
  return fn();
}

template <class T>
std::vector<T> ToVector(absl::Span<const T> span) {
  return std::vector<T>(span.begin(), span.end());
}

TEST(ValueStateTest, WithoutTtlKeepsItsValue) {
  ValueState<std::string> name;
  EXPECT_TRUE(name.empty());
  EXPECT_EQ(name.Get(), nullptr);
  name.Set("ada");
  EXPECT_EQ(*name.Get(), "ada");
  name.Mutable() += "!";
  EXPECT_EQ(name.value_or(""), "ada!");
  name.Clear();
  EXPECT_TRUE(name.empty());
}

TEST(ValueStateTest, ExpiresTtlAfterTheLastWrite) {
  ValueState<int64_t> v(StateTtl{100});
  At(1000, [&] { v.Set(7); });
  EXPECT_EQ(At(1099, [&] { return v.value_or(-1); }), 7);
  At(1050, [&] { v.Set(8); });  // a write restarts the time to live
  EXPECT_EQ(At(1149, [&] { return v.value_or(-1); }), 8);
  EXPECT_EQ(At(1150, [&] { return v.value_or(-1); }), -1);  // expired at exactly +ttl
  EXPECT_TRUE(v.empty());  // reading an expired value removes it
}

TEST(ValueStateTest, ReadsDoNotRefreshUnlessAsked) {
  ValueState<int64_t> on_write(StateTtl{100});
  ValueState<int64_t> on_read(StateTtl{100, StateTtl::Update::kOnReadAndWrite});
  At(0, [&] {
    on_write.Set(1);
    on_read.Set(1);
  });
  At(90, [&] {
    on_write.Get();
    on_read.Get();
  });
  EXPECT_EQ(At(150, [&] { return on_write.Get(); }), nullptr);
  EXPECT_EQ(At(150, [&] { return on_read.value_or(-1); }), 1);
}

TEST(ValueStateTest, ExpireReportsTheNextExpiry) {
  ValueState<int64_t> v(StateTtl{100});
  EXPECT_EQ(v.Expire(0), kNeverExpires);
  At(10, [&] { v.Set(1); });
  EXPECT_EQ(v.Expire(50), 110);
  EXPECT_FALSE(v.empty());
  EXPECT_EQ(v.Expire(110), kNeverExpires);
  EXPECT_TRUE(v.empty());
}

TEST(ValueStateTest, TtlOutsideAKeyedOperatorIsAClearError) {
  ValueState<int64_t> v(StateTtl{100});
  try {
    v.Set(1);
    FAIL() << "expected an OperatorError";
  } catch (const OperatorError& e) {
    EXPECT_THAT(std::string(e.status().message()), ::testing::HasSubstr("TTL"));
  }
}

TEST(ListStateTest, ElementsExpireOneByOne) {
  ListState<int> list(StateTtl{100});
  for (int i = 0; i < 50; ++i) At(i * 10, [&] { list.Add(i); });
  // At time t, elements added at i*10 > t - 100 are live: i > (t - 100) / 10.
  for (int64_t t = 490; t < 600; t += 7) {
    std::vector<int> expected;
    for (int i = 0; i < 50; ++i) {
      if (i * 10 + 100 > t) expected.push_back(i);
    }
    EXPECT_EQ(At(t, [&] { return ToVector(list.Get()); }), expected) << "t=" << t;
  }
  EXPECT_EQ(list.Expire(590), kNeverExpires);
  EXPECT_TRUE(list.empty());
}

TEST(ListStateTest, RemoveIfKeepsExpiriesInStep) {
  ListState<int> list(StateTtl{100});
  At(0, [&] { list.Add(1); });
  At(10, [&] { list.Add(2); });
  At(20, [&] { list.Add(3); });
  list.RemoveIf([](int v) { return v == 1; });
  EXPECT_EQ(At(105, [&] { return ToVector(list.Get()); }), (std::vector<int>{2, 3}));
  EXPECT_EQ(At(115, [&] { return ToVector(list.Get()); }), (std::vector<int>{3}));
  EXPECT_EQ(list.Expire(115), 120);
}

TEST(ListStateTest, RestoredUnderANewTtlStillExpiresItsNewElements) {
  ListState<int> plain;
  plain.Add(1);
  plain.Add(2);
  std::string bytes;
  StateWriter out(bytes);
  EncodeState(plain, out);
  ListState<int> with_ttl(StateTtl{100});
  StateReader in(bytes);
  DecodeState(in, with_ttl);
  ASSERT_FALSE(in.failed());
  At(0, [&] { with_ttl.Add(3); });
  // 1 and 2 were written without a TTL and keep none; 3 expires at 100.
  EXPECT_EQ(At(50, [&] { return ToVector(with_ttl.Get()); }),
            (std::vector<int>{1, 2, 3}));
  EXPECT_EQ(At(200, [&] { return ToVector(with_ttl.Get()); }), (std::vector<int>{1, 2}));
}

TEST(StateTtlTest, AfterRejectsNonPositiveAndRoundsUpSubMillisecond) {
  EXPECT_THROW(StateTtl::After(std::chrono::seconds(0)), std::invalid_argument);
  EXPECT_THROW(StateTtl::After(std::chrono::seconds(-1)), std::invalid_argument);
  EXPECT_EQ(StateTtl::After(std::chrono::microseconds(10)).millis, 1);
  EXPECT_EQ(StateTtl{100}.ExpiryFrom(kNeverExpires - 5), kNeverExpires);
}

TEST(ListStateTest, WithoutTtlIsAPlainList) {
  ListState<std::string> list;
  list.Add("a");
  list.Update({"x", "y"});
  list.Add("z");
  EXPECT_EQ(ToVector(list.Get()), (std::vector<std::string>{"x", "y", "z"}));
  list.Clear();
  EXPECT_TRUE(list.empty());
}

TEST(MapStateTest, EntriesExpireSeparately) {
  MapState<std::string, int64_t> map(StateTtl{100});
  At(0, [&] { map.Put("a", 1); });
  At(50, [&] { map.Mutable("b") += 2; });
  At(60, [&] { map.Mutable("a") += 10; });  // refreshes a
  EXPECT_EQ(At(140, [&] { return *map.Get("a"); }), 11);
  EXPECT_EQ(At(150, [&] { return map.Get("b"); }), nullptr);
  std::vector<std::string> keys;
  At(155,
     [&] { map.ForEach([&](const std::string& k, int64_t) { keys.push_back(k); }); });
  EXPECT_THAT(keys, ElementsAre("a"));
  EXPECT_EQ(map.Expire(155), 160);
  EXPECT_EQ(map.Expire(160), kNeverExpires);
  EXPECT_TRUE(map.empty());
}

TEST(MapStateTest, ExpiredEntryRecreatedByMutableStartsFresh) {
  MapState<int, int64_t> map(StateTtl{100});
  At(0, [&] { map.Put(1, 5); });
  EXPECT_EQ(At(200, [&] { return ++map.Mutable(1); }), 1);
}

TEST(ReducingStateTest, FoldsEveryAdd) {
  ReducingState<int64_t, std::plus<>> total;
  EXPECT_EQ(total.Get(), nullptr);
  for (int64_t v : {3, 4, 5}) total.Add(v);
  EXPECT_EQ(*total.Get(), 12);
}

TEST(AggregatingStateTest, UsesAWindowAggregate) {
  auto average = aggregates::Average([](int v) { return v; });
  AggregatingState<decltype(average), int> state(average);
  EXPECT_EQ(state.Get(), std::nullopt);
  for (int v : {1, 2, 6}) state.Add(v);
  EXPECT_DOUBLE_EQ(*state.Get(), 3.0);
}

// An aggregate whose result needs the key, as keyed Aggregate allows.
struct LabelledSum {
  int64_t CreateAccumulator() const { return 0; }
  void Add(int64_t& sum, const int& v) const { sum += v; }
  std::string Result(const std::string& key, const int64_t& sum) const {
    return key + "=" + std::to_string(sum);
  }
};

TEST(AggregatingStateTest, PassesTheKeyToAnAggregateThatTakesIt) {
  AggregatingState<LabelledSum, int> labelled;
  EXPECT_EQ(labelled.Get(std::string("k")), std::nullopt);
  for (int v : {2, 3, 4}) labelled.Add(v);
  EXPECT_EQ(labelled.Get(std::string("k")), "k=9");

  // Get(key) serves aggregates without a key too.
  auto average = aggregates::Average([](int v) { return v; });
  AggregatingState<decltype(average), int> state(average);
  for (int v : {1, 2, 6}) state.Add(v);
  EXPECT_DOUBLE_EQ(*state.Get(std::string("ignored")), 3.0);
}

struct Mixed {
  ValueState<int64_t> short_lived{StateTtl{10}};
  ListState<int> long_lived{StateTtl{100}};
  MapState<int, int> forever;
  auto Fields() { return std::tie(short_lived, long_lived, forever); }
};

TEST(StateFieldsTest, EmptinessAndExpiryOverAllHandles) {
  Mixed state;
  EXPECT_TRUE(StateIsEmpty(state));
  At(0, [&] {
    state.short_lived.Set(1);
    state.long_lived.Add(1);
  });
  EXPECT_FALSE(StateIsEmpty(state));
  EXPECT_EQ(ExpireState(state, 5), 10);
  EXPECT_EQ(ExpireState(state, 10), 100);
  EXPECT_FALSE(StateIsEmpty(state));
  EXPECT_EQ(ExpireState(state, 100), kNeverExpires);
  EXPECT_TRUE(StateIsEmpty(state));
  state.forever.Put(1, 1);
  EXPECT_FALSE(StateIsEmpty(state));
}

struct Opaque {
  int64_t count = 0;
};

TEST(StateFieldsTest, OpaqueStateIsNeverEmptyAndNeverExpires) {
  Opaque state;
  EXPECT_FALSE(StateIsEmpty(state));
  EXPECT_EQ(ExpireState(state, 1'000'000), kNeverExpires);
  static_assert(!StateMayExpire<Opaque>());
  static_assert(StateMayExpire<Mixed>());
}

}  // namespace
}  // namespace sluice
