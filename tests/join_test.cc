// Interval, window and stream-table joins end to end, against brute-force joins
// written here, over out-of-order input at parallelism 1 and 2 with re-cut batches.
#include <algorithm>
#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "sluice/operators/joins/interval_join_operator.h"
#include "sluice/operators/joins/table_join_operator.h"
#include "sluice/runtime/operator_metrics.h"
#include "sluice/runtime/stable_hash.h"
#include "sluice/sluice.h"
#include "sluice/tests/operator_harness.h"
#include "sluice/tests/run_config.h"
#include "sluice/tests/status_matchers.h"

namespace sluice {
namespace {

using ::sluice::testing::RunConfig;
using ::sluice::testing::RunConfigName;
using ::sluice::testing::RunConfigTest;
using ::testing::HasSubstr;
using ::testing::UnorderedElementsAreArray;

constexpr int64_t kBound = 40;  // out-of-orderness of both streams
constexpr uint32_t kUsers = 17;

struct Order {
  uint32_t user = 0;
  int64_t time = 0;
  int64_t id = 0;
};
struct Payment {
  uint32_t user = 0;
  int64_t time = 0;
  int64_t id = 0;
};

// Out of order by up to kBound - 1 behind the stream's progress.
Order MakeOrder(uint64_t i) {
  uint64_t h = StableHash(i * 2 + 1);
  return Order{static_cast<uint32_t>(h % kUsers),
               static_cast<int64_t>(i) * 3 - static_cast<int64_t>((h >> 20) % kBound),
               static_cast<int64_t>(i)};
}
Payment MakePayment(uint64_t i) {
  uint64_t h = StableHash(i * 2 + 2);
  return Payment{static_cast<uint32_t>(h % kUsers),
                 static_cast<int64_t>(i) * 4 - static_cast<int64_t>((h >> 24) % kBound),
                 static_cast<int64_t>(i)};
}

constexpr uint64_t kOrders = 3000;
constexpr uint64_t kPayments = 2200;

std::vector<Order> AllOrders() {
  std::vector<Order> v;
  for (uint64_t i = 0; i < kOrders; ++i) v.push_back(MakeOrder(i));
  return v;
}
std::vector<Payment> AllPayments() {
  std::vector<Payment> v;
  for (uint64_t i = 0; i < kPayments; ++i) v.push_back(MakePayment(i));
  return v;
}

using Pair = std::pair<int64_t, int64_t>;  // (order id, payment id)

class JoinTest : public RunConfigTest {
 protected:
  // The two inputs, with event time, keyed by user.
  auto Orders(Dataflow& flow) {
    return flow.Source(GeneratorSource(MakeOrder).Count(kOrders))
        .AssignTimestamps([](const Order& o) { return o.time; },
                          WatermarkStrategy::BoundedOutOfOrderness(kBound))
        .KeyBy([](const Order& o) { return o.user; });
  }
  auto Payments(Dataflow& flow) {
    return flow.Source(GeneratorSource(MakePayment).Count(kPayments))
        .AssignTimestamps([](const Payment& p) { return p.time; },
                          WatermarkStrategy::BoundedOutOfOrderness(kBound))
        .KeyBy([](const Payment& p) { return p.user; });
  }
};

TEST_P(JoinTest, IntervalJoinMatchesBruteForce) {
  constexpr int64_t kLower = -25;
  constexpr int64_t kUpper = 60;
  // Expected pairs, and per (user, 100 ms window of the pair's timestamp) counts:
  // the window count checks that each pair carries max(order, payment) time.
  std::vector<Pair> pairs;
  std::map<std::pair<uint32_t, int64_t>, int64_t> per_window;
  for (const Order& o : AllOrders()) {
    for (const Payment& p : AllPayments()) {
      if (o.user == p.user && p.time >= o.time + kLower && p.time <= o.time + kUpper) {
        pairs.push_back({o.id, p.id});
        int64_t ts = std::max(o.time, p.time);
        ++per_window[{o.user, ts - ((ts % 100) + 100) % 100}];
      }
    }
  }
  ASSERT_GT(pairs.size(), 1000u);

  Dataflow flow;
  CollectorSink<Pair> sink;
  CollectorSink<WindowResult<uint32_t, int64_t>> counts;
  struct Joined {
    uint32_t user;
    int64_t order;
    int64_t payment;
  };
  auto joined = Orders(flow)
                    .IntervalJoin(Payments(flow))
                    .Between(kLower, kUpper)
                    .Apply([](const Order& o, const Payment& p) {
                      return Joined{o.user, o.id, p.id};
                    });
  joined.Map([](const Joined& j) { return Pair{j.order, j.payment}; }).Sink(sink);
  joined.KeyBy([](const Joined& j) { return j.user; })
      .Window(TumblingWindows(100))
      .Aggregate(aggregates::Count())
      .Sink(counts);
  SLUICE_ASSERT_OK(flow.Run(Options()));
  EXPECT_THAT(sink.Items(), UnorderedElementsAreArray(pairs));
  std::map<std::pair<uint32_t, int64_t>, int64_t> got;
  for (const auto& r : counts.Items()) got[{r.key, r.start}] = r.value;
  EXPECT_EQ(got, per_window);
}

// Windows containing `t`: [start, start + size) with start a multiple of slide.
std::vector<int64_t> WindowStarts(int64_t t, int64_t size, int64_t slide) {
  std::vector<int64_t> starts;
  int64_t last = t - ((t % slide) + slide) % slide;
  for (int64_t s = last; s > t - size; s -= slide) starts.push_back(s);
  return starts;
}

void ExpectWindowJoin(const std::vector<Pair>& got, int64_t size, int64_t slide) {
  std::map<std::pair<uint32_t, int64_t>,
           std::pair<std::vector<int64_t>, std::vector<int64_t>>>
      panes;
  for (const Order& o : AllOrders()) {
    for (int64_t s : WindowStarts(o.time, size, slide))
      panes[{o.user, s}].first.push_back(o.id);
  }
  for (const Payment& p : AllPayments()) {
    for (int64_t s : WindowStarts(p.time, size, slide))
      panes[{p.user, s}].second.push_back(p.id);
  }
  std::vector<Pair> expected;
  for (const auto& [window, sides] : panes) {
    for (int64_t o : sides.first) {
      for (int64_t p : sides.second) expected.push_back({o, p});
    }
  }
  ASSERT_GT(expected.size(), 1000u);
  EXPECT_THAT(got, UnorderedElementsAreArray(expected));
}

TEST_P(JoinTest, TumblingWindowJoinMatchesBruteForce) {
  Dataflow flow;
  CollectorSink<Pair> sink;
  Orders(flow)
      .Join(Payments(flow))
      .Window(TumblingWindows(50))
      .Apply([](const Order& o, const Payment& p) {
        return Pair{o.id, p.id};
      })
      .Sink(sink);
  SLUICE_ASSERT_OK(flow.Run(Options()));
  ExpectWindowJoin(sink.Items(), 50, 50);
}

TEST_P(JoinTest, SlidingWindowJoinMatchesBruteForce) {
  Dataflow flow;
  CollectorSink<Pair> sink;
  Orders(flow)
      .Join(Payments(flow))
      .Window(SlidingWindows(60, 20))
      .Apply([](const Order& o, const Payment& p) {
        return Pair{o.id, p.id};
      })
      .Sink(sink);
  SLUICE_ASSERT_OK(flow.Run(Options()));
  ExpectWindowJoin(sink.Items(), 60, 20);
}

// The table: profile versions at distinct times (out of order by less than the 23 ms
// between them, so no two share a time and "latest" is unambiguous); every 5th is
// a delete.
struct Profile {
  uint32_t user = 0;
  int64_t time = 0;
  int64_t version = 0;
  bool deleted = false;
};
constexpr uint64_t kProfiles = 400;
Profile MakeProfile(uint64_t i) {
  uint64_t h = StableHash(i * 7 + 3);
  return Profile{static_cast<uint32_t>(h % kUsers),
                 static_cast<int64_t>(i) * 23 - static_cast<int64_t>((h >> 16) % 23),
                 static_cast<int64_t>(i), i % 5 == 4};
}

using Enriched = std::pair<int64_t, int64_t>;  // (order id, profile version or -1)

std::vector<Enriched> BruteForceEnrich(int64_t ttl) {
  std::vector<Profile> profiles;
  for (uint64_t i = 0; i < kProfiles; ++i) profiles.push_back(MakeProfile(i));
  std::vector<Enriched> expected;
  for (const Order& o : AllOrders()) {
    const Profile* best = nullptr;
    for (const Profile& p : profiles) {
      if (p.user == o.user && p.time <= o.time &&
          (best == nullptr || p.time > best->time)) {
        best = &p;
      }
    }
    bool valid =
        best != nullptr && !best->deleted && (ttl == 0 || o.time - best->time < ttl);
    expected.push_back({o.id, valid ? best->version : -1});
  }
  return expected;
}

auto Profiles(Dataflow& flow) {
  return flow.Source(GeneratorSource(MakeProfile).Count(kProfiles))
      .AssignTimestamps([](const Profile& p) { return p.time; },
                        WatermarkStrategy::BoundedOutOfOrderness(kBound));
}

auto EnrichFn() {
  return [](const Order& o, const Profile* p) {
    return Enriched{o.id, p == nullptr ? -1 : p->version};
  };
}

TEST_P(JoinTest, TableJoinSeesTheRowValidAtEachEvent) {
  for (int64_t ttl : {int64_t{0}, int64_t{150}}) {
    Dataflow flow;
    CollectorSink<Enriched> sink;
    Orders(flow)
        .JoinTable(Profiles(flow).KeyBy([](const Profile& p) { return p.user; }))
        .Deletes([](const Profile& p) { return p.deleted; })
        .Ttl(ttl)
        .Apply(EnrichFn())
        .Sink(sink);
    SLUICE_ASSERT_OK(flow.Run(Options()));
    std::vector<Enriched> expected = BruteForceEnrich(ttl);
    std::vector<Enriched> got = sink.Items();
    std::sort(got.begin(), got.end());
    std::sort(expected.begin(), expected.end());
    EXPECT_EQ(got, expected) << "ttl " << ttl;
    for (size_t i = 0, shown = 0; i < got.size() && i < expected.size() && shown < 5;
         ++i) {
      if (got[i] != expected[i]) {
        ++shown;
        Order o = MakeOrder(static_cast<uint64_t>(got[i].first));
        ADD_FAILURE() << "order " << got[i].first << " user " << o.user << " t " << o.time
                      << ": got " << got[i].second << " expected " << expected[i].second;
      }
    }
  }
}

TEST_P(JoinTest, BroadcastTableJoinMatchesTheKeyedOne) {
  Dataflow flow;
  CollectorSink<Enriched> sink;
  flow.Source(GeneratorSource(MakeOrder).Count(kOrders))
      .AssignTimestamps([](const Order& o) { return o.time; },
                        WatermarkStrategy::BoundedOutOfOrderness(kBound))
      .KeyBy([](const Order& o) { return o.user; })
      .JoinBroadcastTable(Profiles(flow).KeyBy([](const Profile& p) { return p.user; }))
      .Deletes([](const Profile& p) { return p.deleted; })
      .Ttl(150)
      .Apply(EnrichFn())
      .Sink(sink);
  SLUICE_ASSERT_OK(flow.Run(Options()));
  EXPECT_THAT(sink.Items(), UnorderedElementsAreArray(BruteForceEnrich(150)));
}

INSTANTIATE_TEST_SUITE_P(Configs, JoinTest,
                         ::testing::Values(RunConfig{1, 1024, 0}, RunConfig{2, 1024, 0},
                                           RunConfig{1, 7, 3}, RunConfig{2, 5, 17}),
                         RunConfigName);

TEST(JoinValidationTest, BadJoinsFailToBuildWithAMessage) {
  {
    Dataflow flow;
    auto orders = flow.Source(GeneratorSource(MakeOrder).Count(10))
                      .AssignTimestamps([](const Order& o) { return o.time; },
                                        WatermarkStrategy::Monotonous())
                      .KeyBy([](const Order& o) { return o.user; });
    auto payments = flow.Source(GeneratorSource(MakePayment).Count(10))
                        .AssignTimestamps([](const Payment& p) { return p.time; },
                                          WatermarkStrategy::Monotonous())
                        .KeyBy([](const Payment& p) { return p.user; });
    orders.IntervalJoin(payments)
        .Between(10, -10)
        .Apply([](const Order& o, const Payment&) { return o.id; })
        .Sink([](int64_t) {});
    auto job = flow.Build(testing::QuietOptions());
    EXPECT_EQ(job.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_THAT(std::string(job.status().message()), HasSubstr("lower (10)"));
  }
  {
    Dataflow flow;
    auto orders = flow.Source(GeneratorSource(MakeOrder).Count(10))
                      .AssignTimestamps([](const Order& o) { return o.time; },
                                        WatermarkStrategy::Monotonous())
                      .KeyBy([](const Order& o) { return o.user; });
    orders.Join(orders)
        .Apply([](const Order& a, const Order&) { return a.id; })
        .Sink([](int64_t) {});
    auto job = flow.Build(testing::QuietOptions());
    EXPECT_THAT(std::string(job.status().message()), HasSubstr("Window("));
  }
}

}  // namespace
}  // namespace sluice

namespace sluice {
namespace {

// Late elements are counted and not joined; on-time ones still pair up. Both
// sides of the same type, so the harness can feed either port.
TEST(JoinOperatorTest, LateElementsAreCountedNotJoined) {
  auto user = [](const Order& o) { return o.user; };
  auto fn = [](const Order& a, const Order& b) { return Pair{a.id, b.id}; };
  OperatorMetrics metrics("join", 0, 1);
  OperatorContext context;
  context.metrics = &metrics;
  testing::OperatorHarness<Order, Pair> h(
      std::make_unique<IntervalJoinOperator<uint32_t, Order, Order, decltype(user),
                                            decltype(user), decltype(fn)>>(user, user,
                                                                           -10, 10, fn),
      context);
  SLUICE_ASSERT_OK(h.Open());
  h.ProcessTimed({{1, 100, 1}}, {100}, /*port=*/0);
  h.ProcessTimed({{1, 105, 2}}, {105}, /*port=*/1);
  h.Watermark(104);
  h.ProcessTimed({{1, 95, 3}}, {95}, /*port=*/1);    // late: not joined
  h.ProcessTimed({{1, 109, 4}}, {109}, /*port=*/1);  // on time: pairs with order 1
  h.Watermark(120);                                  // order 1 expires at 110
  h.ProcessTimed({{1, 121, 5}}, {121}, /*port=*/1);
  EXPECT_THAT(h.Items(), ::testing::ElementsAre(Pair{1, 2}, Pair{1, 4}));
  EXPECT_THAT(h.Timestamps(), ::testing::ElementsAre(105, 109));
  EXPECT_EQ(metrics.late_records.Get(), 1u);
  EXPECT_EQ(h.op().keyed_state()->key_count(), 1u);  // payment 5 waits for orders
}

}  // namespace
}  // namespace sluice

namespace sluice {
namespace {

TEST(JoinOperatorTest, UnboundedLowerBoundDoesNotOverflow) {
  auto user = [](const Order& o) { return o.user; };
  auto fn = [](const Order& a, const Order& b) { return Pair{a.id, b.id}; };
  testing::OperatorHarness<Order, Pair> h(
      std::make_unique<IntervalJoinOperator<uint32_t, Order, Order, decltype(user),
                                            decltype(user), decltype(fn)>>(
          user, user, kMinWatermark, 0, fn));
  SLUICE_ASSERT_OK(h.Open());
  h.ProcessTimed({{1, 10, 1}}, {10}, /*port=*/1);
  h.ProcessTimed({{1, 50, 2}}, {50}, /*port=*/0);  // any earlier payment matches
  h.Watermark(kMaxWatermark);
  EXPECT_THAT(h.Items(), ::testing::ElementsAre(Pair{2, 1}));
  EXPECT_EQ(h.op().keyed_state()->key_count(), 0u);
}

// The broadcast table join of orders with order rows, reporting (order id, row id or
// -1), as instance `instance` of `parallelism`, restored from `restored` if given.
struct UserOf {
  uint32_t operator()(const Order& o) const { return o.user; }
};
struct RowIdOf {
  Pair operator()(const Order& o, const Order* row) const {
    return Pair{o.id, row == nullptr ? -1 : row->id};
  }
};
using BroadcastJoin =
    TableJoinOperator<uint32_t, Order, Order, UserOf, UserOf, NoDeletes, RowIdOf>;
using Harness = testing::OperatorHarness<Order, Pair>;

TableJoinOptions BroadcastOptions() {
  TableJoinOptions options;
  options.broadcast = true;
  return options;
}

std::unique_ptr<Harness> MakeBroadcastJoin(int instance, int parallelism,
                                           const std::vector<std::string>* restored) {
  OperatorContext context;
  context.instance = instance;
  context.parallelism = parallelism;
  context.restored_states = restored;
  auto h = std::make_unique<Harness>(
      std::make_unique<BroadcastJoin>(UserOf{}, UserOf{}, NoDeletes{}, BroadcastOptions(),
                                      RowIdOf{}),
      context);
  EXPECT_TRUE(h->Open().ok());
  return h;
}

// The broadcast join's state is per instance: every instance's table copy (pruned to
// its own watermark) and its own waiting events. A restore at any parallelism gives
// each new instance a whole table and its share of the events.
TEST(JoinOperatorTest, BroadcastTableJoinRestoresAtAnotherParallelism) {
  auto make = MakeBroadcastJoin;
  std::vector<std::unique_ptr<Harness>> old;
  for (int i = 0; i < 2; ++i) {
    old.push_back(make(i, 2, nullptr));
    old[i]->ProcessTimed({{1, 10, 7}, {1, 20, 8}, {2, 5, 9}}, {10, 20, 5}, /*port=*/1);
  }
  old[0]->ProcessTimed({{1, 25, 101}, {2, 30, 102}}, {25, 30});
  old[0]->Watermark(21);                       // drops row 7: no later event sees it
  old[1]->ProcessTimed({{1, 15, 100}}, {15});  // waits for the watermark
  old[1]->Watermark(12);                       // keeps rows 7 and 8
  EXPECT_EQ(old[0]->op().keyed_state(), nullptr);
  std::vector<std::string> states;
  for (auto& h : old) {
    auto state = h->op().SnapshotState(1);
    ASSERT_TRUE(state.ok()) << state.status();
    states.push_back(*state);
  }

  // At parallelism 1: order 100 needs row 7, which only instance 2 of 2 still had.
  auto one = make(0, 1, &states);
  one->Watermark(kMaxWatermark);
  EXPECT_THAT(one->Items(),
              UnorderedElementsAreArray(std::vector<Pair>{{100, 7}, {101, 8}, {102, 9}}));

  // At parallelism 3: each old instance's events go to one new instance; every new
  // instance has the whole table.
  std::vector<Pair> got;
  for (int i = 0; i < 3; ++i) {
    auto h = make(i, 3, &states);
    if (i == 2) h->ProcessTimed({{2, 40, 103}}, {40});
    h->Watermark(kMaxWatermark);
    for (const Pair& p : h->Items()) got.push_back(p);
  }
  EXPECT_THAT(got, UnorderedElementsAreArray(
                       std::vector<Pair>{{100, 7}, {101, 8}, {102, 9}, {103, 9}}));

  // At the same parallelism each instance takes back its own copy and events.
  got.clear();
  for (int i = 0; i < 2; ++i) {
    auto h = make(i, 2, &states);
    h->Watermark(kMaxWatermark);
    for (const Pair& p : h->Items()) got.push_back(p);
  }
  EXPECT_THAT(got,
              UnorderedElementsAreArray(std::vector<Pair>{{100, 7}, {101, 8}, {102, 9}}));

  // Damaged state is refused, naming the instance it came from.
  for (size_t cut : {size_t{0}, size_t{5}, states[1].size() - 1}) {
    std::vector<std::string> damaged = states;
    damaged[1] = damaged[1].substr(0, cut) + (cut == 0 ? "x" : "");
    OperatorContext context;
    context.restored_states = &damaged;
    BroadcastJoin op(UserOf{}, UserOf{}, NoDeletes{}, BroadcastOptions(), RowIdOf{});
    absl::Status status = op.Open(context);
    EXPECT_EQ(status.code(), absl::StatusCode::kDataLoss) << cut;
    EXPECT_THAT(std::string(status.message()), HasSubstr("instance 2 of 2")) << cut;
  }
}

// A row that comes behind the watermark lands in each copy at a different point of
// its pruning, so the copies are not suffixes of one another: the restore takes the
// table from the instance's own copy, or the one with the lowest watermark.
TEST(JoinOperatorTest, BroadcastTableJoinRestoresTheCopyItsWatermarkNeeds) {
  auto make = MakeBroadcastJoin;
  auto a = make(0, 2, nullptr);
  auto b = make(1, 2, nullptr);
  for (auto* h : {a.get(), b.get()}) {
    h->ProcessTimed({{5, 10, 1010}, {5, 30, 1030}, {5, 90, 1090}}, {10, 30, 90}, 1);
  }
  a->Watermark(100);                          // a keeps row 90 only
  a->ProcessTimed({{5, 20, 1020}}, {20}, 1);  // late: a holds 20 and 90
  b->ProcessTimed({{5, 20, 1020}}, {20}, 1);  // b holds all four
  b->Watermark(35);                           // then 30 and 90
  b->ProcessTimed({{5, 50, 200}}, {50});      // waits; needs row 30
  std::vector<std::string> states;
  for (auto* h : {a.get(), b.get()}) states.push_back(*h->op().SnapshotState(1));
  for (int parallelism : {1, 2}) {
    auto h =
        make(parallelism - 1, parallelism, &states);  // the instance b's events go to
    h->Watermark(kMaxWatermark);
    EXPECT_THAT(h->Items(), ::testing::ElementsAre(Pair{200, 1030})) << parallelism;
  }
}

}  // namespace
}  // namespace sluice
