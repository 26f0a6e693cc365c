// Keyed process functions with state handles and TTL, and the key-group snapshots of
// their state: results are checked against a brute-force replay written here, and a
// run snapshotted halfway and restored at another parallelism must give the same
// output as an uninterrupted one.
#include <algorithm>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <random>
#include <set>
#include <string>
#include <tuple>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "sluice/operators/keyed_process_operator.h"
#include "sluice/runtime/key_groups.h"
#include "sluice/runtime/operator_metrics.h"
#include "sluice/runtime/stable_hash.h"
#include "sluice/runtime/state/list_state.h"
#include "sluice/runtime/state/map_state.h"
#include "sluice/runtime/state/reducing_state.h"
#include "sluice/runtime/state/value_state.h"
#include "sluice/tests/fake_processing_timers.h"
#include "sluice/tests/operator_harness.h"
#include "sluice/tests/status_matchers.h"

namespace sluice {
namespace {

using ::testing::HasSubstr;

using ::sluice::testing::FakeProcessingTimers;

struct Visit {
  uint32_t user;
  uint32_t page;
  int64_t amount;
};

struct Report {
  uint32_t user = 0;
  bool new_session = false;  // no visit by this user within the session TTL
  int64_t total = 0;         // all amounts of the user so far (no TTL)
  int64_t page_visits = 0;   // visits of this page, each within the TTL of the last
  int64_t recent = 0;        // amounts added within the list TTL, this one included
  bool timer = false;        // emitted by the event-time timer
  bool operator==(const Report&) const = default;
  bool operator<(const Report& o) const {
    return std::tie(user, timer, total, new_session, page_visits, recent) <
           std::tie(o.user, o.timer, o.total, o.new_session, o.page_visits, o.recent);
  }
};

constexpr int64_t kSessionTtl = 1000;
constexpr int64_t kListTtl = 500;
constexpr int64_t kTimerDelay = 100;

// Uses every kind of handle; each visit also sets an event-time timer.
struct Activity {
  struct State {
    ValueState<bool> seen{StateTtl{kSessionTtl}};
    ReducingState<int64_t, std::plus<>> total;
    MapState<uint32_t, int64_t> pages{StateTtl{kSessionTtl}};
    ListState<int64_t> amounts{StateTtl{kListTtl}};
    auto Fields() { return std::tie(seen, total, pages, amounts); }
  };
  using Output = Report;
  using Context = KeyedContext<uint32_t, State, Report>;

  void ProcessElement(const Visit& v, Context& ctx) {
    State& s = ctx.state();
    Report r{v.user};
    r.new_session = s.seen.Get() == nullptr;
    s.seen.Set(true);
    s.total.Add(v.amount);
    r.total = *s.total.Get();
    r.page_visits = ++s.pages.Mutable(v.page);
    s.amounts.Add(v.amount);
    r.recent = static_cast<int64_t>(s.amounts.Get().size());
    ctx.Emit(r);
    ctx.RegisterEventTimeTimer(ctx.timestamp() + kTimerDelay);
  }
  void OnTimer(int64_t, Context& ctx) {
    Report r{ctx.key()};
    r.timer = true;
    r.total = *ctx.state().total.Get();
    ctx.Emit(r);
  }
};

// Visits fed in batches; all visits of a batch arrive at one processing time.
struct Step {
  Visit visit;
  int64_t time;  // event time
};
struct Round {
  int64_t now;  // processing time
  std::vector<Step> steps;
};

std::vector<Round> MakeRounds(int n, uint32_t seed) {
  std::mt19937 rng(seed);
  std::vector<Round> rounds;
  int64_t now = 0;
  for (int i = 0; i < n;) {
    now += std::uniform_int_distribution<int64_t>(0, 120)(rng);
    Round& round = rounds.emplace_back(Round{now, {}});
    int size = 1 + static_cast<int>(rng() % 8);
    for (int j = 0; j < size && i < n; ++j, ++i) {
      Visit v{static_cast<uint32_t>(rng() % 20), static_cast<uint32_t>(rng() % 4),
              static_cast<int64_t>(rng() % 100)};
      round.steps.push_back({v, 10 * int64_t{i}});
    }
  }
  return rounds;
}

// Every report Activity must produce, worked out from the definitions of the TTLs
// and the timers over the whole input (the watermark after each round is the last
// event time of that round; at the end it is +infinity).
std::vector<Report> BruteForce(const std::vector<Round>& rounds) {
  struct Seen {
    int64_t now;
    const Step* step;
    size_t round;
  };
  std::vector<Seen> all;
  for (size_t r = 0; r < rounds.size(); ++r) {
    for (const Step& s : rounds[r].steps) all.push_back({rounds[r].now, &s, r});
  }
  std::vector<Report> reports;
  for (size_t i = 0; i < all.size(); ++i) {
    const Visit& v = all[i].step->visit;
    Report r{v.user};
    std::vector<const Seen*> before;  // this user's earlier visits
    for (size_t j = 0; j < i; ++j) {
      if (all[j].step->visit.user == v.user) before.push_back(&all[j]);
    }
    r.new_session = before.empty() || all[i].now >= before.back()->now + kSessionTtl;
    r.total = v.amount;
    for (const Seen* b : before) r.total += b->step->visit.amount;
    r.page_visits = 1;
    int64_t later = all[i].now;
    for (auto it = before.rbegin(); it != before.rend(); ++it) {
      if ((*it)->step->visit.page != v.page) continue;
      if (later >= (*it)->now + kSessionTtl) break;  // had expired by that write
      ++r.page_visits;
      later = (*it)->now;
    }
    r.recent = 1;
    for (const Seen* b : before) r.recent += b->now + kListTtl > all[i].now ? 1 : 0;
    reports.push_back(r);
    // The timer fires at the watermark after the first round reaching time + delay;
    // the total is then the user's total over the rounds up to that one.
    size_t fire = rounds.size();
    for (size_t k = all[i].round; k < rounds.size(); ++k) {
      if (rounds[k].steps.back().time >= all[i].step->time + kTimerDelay) {
        fire = k;
        break;
      }
    }
    Report t{v.user};
    t.timer = true;
    for (const Seen& s : all) {
      if (s.step->visit.user == v.user && s.round <= fire)
        t.total += s.step->visit.amount;
    }
    reports.push_back(t);
  }
  std::sort(reports.begin(), reports.end());
  return reports;
}

using ActivityOperator =
    KeyedProcessOperator<uint32_t, Visit, std::function<uint32_t(const Visit&)>,
                         Activity>;
using Harness = testing::OperatorHarness<Visit, Report>;

std::unique_ptr<Harness> MakeHarness(FakeProcessingTimers* timers,
                                     OperatorMetrics* metrics = nullptr) {
  OperatorContext context;
  context.processing_timers = timers;
  context.metrics = metrics;
  auto h =
      std::make_unique<Harness>(std::make_unique<ActivityOperator>(
                                    [](const Visit& v) { return v.user; }, Activity{}),
                                context);
  EXPECT_TRUE(h->Open().ok());
  return h;
}

void Feed(Harness& h, FakeProcessingTimers& timers, const Round& round,
          const std::function<bool(const Visit&)>& mine = nullptr) {
  timers.now = round.now;
  std::vector<Visit> items;
  std::vector<int64_t> times;
  for (const Step& s : round.steps) {
    if (mine && !mine(s.visit)) continue;
    items.push_back(s.visit);
    times.push_back(s.time);
  }
  h.ProcessTimed(items, times);
  h.Watermark(round.steps.back().time);
}

std::vector<Report> Sorted(std::vector<Report> reports) {
  std::sort(reports.begin(), reports.end());
  return reports;
}

TEST(KeyedStateTest, HandlesTtlAndTimersMatchBruteForce) {
  for (uint32_t seed : {1u, 2u, 3u}) {
    std::vector<Round> rounds = MakeRounds(600, seed);
    FakeProcessingTimers timers;
    auto h = MakeHarness(&timers);
    for (const Round& round : rounds) Feed(*h, timers, round);
    h->Watermark(kMaxWatermark);
    EXPECT_EQ(Sorted(h->Items()), BruteForce(rounds)) << "seed " << seed;
  }
}

int KeyGroupOf(uint32_t user) {
  return KeyGroups::ForHash(StableHash(user), KeyGroups::kDefaultCount);
}

// Snapshot halfway, restore into two instances that split the key groups as
// parallelism 2 does, and go on: the output must still be the brute-force one.
TEST(KeyedStateTest, SnapshotRestoredAtParallelismTwoContinuesExactly) {
  std::vector<Round> rounds = MakeRounds(600, 7);
  size_t half = rounds.size() / 2;
  FakeProcessingTimers timers;
  auto first = MakeHarness(&timers);
  for (size_t r = 0; r < half; ++r) Feed(*first, timers, rounds[r]);
  auto snapshots = first->op().keyed_state()->SnapshotKeyGroups();
  ASSERT_TRUE(snapshots.ok()) << snapshots.status();
  EXPECT_GT(snapshots->size(), 5u);

  std::vector<std::unique_ptr<Harness>> restored;
  for (int i = 0; i < 2; ++i) restored.push_back(MakeHarness(&timers));
  for (const auto& [group, bytes] : *snapshots) {
    int owner = KeyGroups::InstanceFor(group, KeyGroups::kDefaultCount, 2);
    SLUICE_ASSERT_OK(restored[owner]->op().keyed_state()->RestoreKeyGroup(bytes));
  }
  EXPECT_EQ(restored[0]->op().keyed_state()->key_count() +
                restored[1]->op().keyed_state()->key_count(),
            first->op().keyed_state()->key_count());
  for (size_t r = half; r < rounds.size(); ++r) {
    for (int i = 0; i < 2; ++i) {
      Feed(*restored[i], timers, rounds[r], [i](const Visit& v) {
        return KeyGroups::InstanceFor(KeyGroupOf(v.user), KeyGroups::kDefaultCount, 2) ==
               i;
      });
    }
  }
  std::vector<Report> all = first->Items();
  for (auto& h : restored) {
    h->Watermark(kMaxWatermark);
    for (const Report& r : h->Items()) all.push_back(r);
  }
  EXPECT_EQ(Sorted(all), BruteForce(rounds));
}

// Only TTL'd state: once it expires the key is removed, with no event to trigger it.
struct Dedupe {
  struct State {
    ValueState<bool> seen{StateTtl{kSessionTtl}};
    auto Fields() { return std::tie(seen); }
  };
  using Output = uint32_t;
  void ProcessElement(const Visit& v, KeyedContext<uint32_t, State, uint32_t>& ctx) {
    if (ctx.state().seen.Get() == nullptr) ctx.Emit(v.user);
    ctx.state().seen.Set(true);
  }
  void OnTimer(int64_t, KeyedContext<uint32_t, State, uint32_t>&) {}
};

TEST(KeyedStateTest, ExpiredKeysAreRemovedWithoutNewEvents) {
  FakeProcessingTimers timers;
  OperatorMetrics metrics("dedupe", 0, 1);
  OperatorContext context;
  context.processing_timers = &timers;
  context.metrics = &metrics;
  testing::OperatorHarness<Visit, uint32_t> h(
      std::make_unique<
          KeyedProcessOperator<uint32_t, Visit, uint32_t (*)(const Visit&), Dedupe>>(
          [](const Visit& v) { return v.user; }, Dedupe{}),
      context);
  SLUICE_ASSERT_OK(h.Open());
  std::vector<Visit> visits;
  std::vector<int64_t> times;
  for (uint32_t u = 0; u < 10'000; ++u) {
    visits.push_back({u, 0, 0});
    times.push_back(u);
  }
  timers.now = 100;
  h.ProcessTimed(visits, times);
  timers.now = 600;
  h.ProcessTimed({{1, 0, 0}}, {10'000});  // user 1 stays until 1600
  EXPECT_EQ(h.Items().size(), 10'000u);
  EXPECT_EQ(metrics.state_entries.load(), 10'000u);
  // The operator asked to be woken when the first values expire.
  ASSERT_FALSE(timers.registered.empty());
  EXPECT_EQ(timers.registered.front(), 100 + kSessionTtl);
  timers.now = 1100;
  h.ProcessingTime(1100);
  EXPECT_EQ(metrics.state_entries.load(), 1u);
  EXPECT_EQ(h.op().keyed_state()->key_count(), 1u);
  EXPECT_EQ(timers.registered.back(), 600 + kSessionTtl);
  timers.now = 1600;
  h.ProcessingTime(1600);
  EXPECT_EQ(h.op().keyed_state()->key_count(), 0u);
  // A user seen again after expiry is new again.
  timers.now = 1700;
  h.ProcessTimed({{5, 0, 0}}, {10'001});
  EXPECT_EQ(h.Items().back(), 5u);
  EXPECT_EQ(h.Items().size(), 10'001u);
}

// A key whose TTL'd state expired while it was stored is dropped on restore.
TEST(KeyedStateTest, StateExpiredWhileStoredIsDroppedOnRestore) {
  using DedupeOperator =
      KeyedProcessOperator<uint32_t, Visit, uint32_t (*)(const Visit&), Dedupe>;
  auto make = [](FakeProcessingTimers* timers) {
    OperatorContext context;
    context.processing_timers = timers;
    auto h = std::make_unique<testing::OperatorHarness<Visit, uint32_t>>(
        std::make_unique<DedupeOperator>([](const Visit& v) { return v.user; }, Dedupe{}),
        context);
    EXPECT_TRUE(h->Open().ok());
    return h;
  };
  FakeProcessingTimers timers;
  timers.now = 100;
  auto before = make(&timers);
  before->ProcessTimed({{1, 0, 0}, {2, 0, 0}}, {1, 2});
  timers.now = 900;
  before->ProcessTimed({{2, 0, 0}}, {3});  // user 2 lives until 1900
  auto snapshots = before->op().keyed_state()->SnapshotKeyGroups();
  ASSERT_TRUE(snapshots.ok());

  timers.now = 1500;  // user 1 expired at 1100, while stored
  auto after = make(&timers);
  for (const auto& [group, bytes] : *snapshots) {
    SLUICE_ASSERT_OK(after->op().keyed_state()->RestoreKeyGroup(bytes));
  }
  EXPECT_EQ(after->op().keyed_state()->key_count(), 1u);
  after->ProcessTimed({{1, 0, 0}, {2, 0, 0}}, {4, 5});
  EXPECT_THAT(after->Items(), ::testing::ElementsAre(1u));  // 1 is new again, 2 is not
}

// Handles may sit in a struct inside the State, to any depth: they expire, empty
// the key and snapshot as direct members do.
struct NestedDedupe {
  struct Seen {
    ValueState<bool> flag{StateTtl{kSessionTtl}};
    ListState<int64_t> times{StateTtl{kSessionTtl}};
    auto Fields() { return std::tie(flag, times); }
  };
  struct State {
    struct {
      Seen seen;
      auto Fields() { return std::tie(seen); }
    } inner;
    auto Fields() { return std::tie(inner); }
  };
  using Output = uint32_t;
  void ProcessElement(const Visit& v, KeyedContext<uint32_t, State, uint32_t>& ctx) {
    Seen& seen = ctx.state().inner.seen;
    if (seen.flag.Get() == nullptr) ctx.Emit(v.user);
    seen.flag.Set(true);
    seen.times.Add(ctx.timestamp());
  }
  void OnTimer(int64_t, KeyedContext<uint32_t, State, uint32_t>&) {}
};

TEST(KeyedStateTest, NestedHandlesExpireAndSnapshot) {
  using Op =
      KeyedProcessOperator<uint32_t, Visit, uint32_t (*)(const Visit&), NestedDedupe>;
  auto make = [](FakeProcessingTimers* timers) {
    OperatorContext context;
    context.processing_timers = timers;
    auto h = std::make_unique<testing::OperatorHarness<Visit, uint32_t>>(
        std::make_unique<Op>([](const Visit& v) { return v.user; }, NestedDedupe{}),
        context);
    EXPECT_TRUE(h->Open().ok());
    return h;
  };
  FakeProcessingTimers timers;
  timers.now = 100;
  auto h = make(&timers);
  h->ProcessTimed({{1, 0, 0}, {2, 0, 0}, {3, 0, 0}}, {1, 2, 3});
  timers.now = 600;
  h->ProcessTimed({{2, 0, 0}}, {4});  // user 2 lives until 1600
  EXPECT_EQ(h->op().keyed_state()->key_count(), 3u);

  auto snapshots = h->op().keyed_state()->SnapshotKeyGroups();
  ASSERT_TRUE(snapshots.ok()) << snapshots.status();
  auto restored = make(&timers);
  for (const auto& [group, bytes] : *snapshots) {
    SLUICE_ASSERT_OK(restored->op().keyed_state()->RestoreKeyGroup(bytes));
  }
  for (auto* op : {h.get(), restored.get()}) {
    timers.now = 1100;  // users 1 and 3 expire; nothing but the timer says so
    op->ProcessingTime(1100);
    EXPECT_EQ(op->op().keyed_state()->key_count(), 1u);
    timers.now = 1600;
    op->ProcessingTime(1600);
    EXPECT_EQ(op->op().keyed_state()->key_count(), 0u);
    timers.now = 1700;
    op->ProcessTimed({{2, 0, 0}, {4, 0, 0}}, {5, 6});  // both new
  }
  EXPECT_THAT(h->Items(), ::testing::ElementsAre(1u, 2u, 3u, 2u, 4u));
  EXPECT_THAT(restored->Items(), ::testing::ElementsAre(2u, 4u));
}

// Damaged, foreign and unsupported snapshots are refused with a message, and add
// nothing.
TEST(KeyedStateTest, BadSnapshotsAreRefused) {
  std::vector<Round> rounds = MakeRounds(200, 11);
  FakeProcessingTimers timers;
  auto h = MakeHarness(&timers);
  for (const Round& round : rounds) Feed(*h, timers, round);
  auto snapshots = h->op().keyed_state()->SnapshotKeyGroups();
  ASSERT_TRUE(snapshots.ok());
  const auto& [group, bytes] = snapshots->front();

  auto target = MakeHarness(&timers);
  KeyedStateBackend& state = *target->op().keyed_state();
  // Truncations are refused, except of the FlatBuffers alignment padding at the end
  // (less than 8 bytes), which leaves every byte of data in place.
  for (size_t cut = 0; cut + 8 <= bytes.size(); ++cut) {
    EXPECT_FALSE(state.RestoreKeyGroup(bytes.substr(0, cut)).ok()) << cut;
  }
  // Single flipped bytes: refused, or (in a value's payload) restored; never a crash.
  for (size_t i = 0; i < bytes.size(); ++i) {
    std::string damaged = bytes;
    damaged[i] = static_cast<char>(damaged[i] ^ 0x5a);
    auto scratch = MakeHarness(&timers);
    (void)scratch->op().keyed_state()->RestoreKeyGroup(damaged);
  }
  EXPECT_EQ(state.key_count(), 0u);

  // The same key group restored into another operator type names both types.
  testing::OperatorHarness<Visit, uint32_t> other(
      std::make_unique<
          KeyedProcessOperator<uint32_t, Visit, uint32_t (*)(const Visit&), Dedupe>>(
          [](const Visit& v) { return v.user; }, Dedupe{}));
  SLUICE_ASSERT_OK(other.Open());
  absl::Status foreign = other.op().keyed_state()->RestoreKeyGroup(bytes);
  EXPECT_EQ(foreign.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(std::string(foreign.message()), HasSubstr("Dedupe"));
  EXPECT_THAT(std::string(foreign.message()), HasSubstr("Activity"));

  SLUICE_ASSERT_OK(state.RestoreKeyGroup(bytes));
  std::set<uint32_t> users;  // every user keeps its total, so each has state
  for (const Round& round : rounds) {
    for (const Step& s : round.steps) {
      if (KeyGroupOf(s.visit.user) == group) users.insert(s.visit.user);
    }
  }
  EXPECT_EQ(state.key_count(), users.size());
  auto again = state.SnapshotKeyGroup(group);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->size(), bytes.size());
}

// A State without Fields() cannot be snapshotted; the error says what to add.
struct Counter {
  struct State {
    std::vector<int64_t> seen;  // not trivially copyable, no Fields()
  };
  using Output = int64_t;
  void ProcessElement(const Visit& v, KeyedContext<uint32_t, State, int64_t>& ctx) {
    ctx.state().seen.push_back(v.amount);
  }
  void OnTimer(int64_t, KeyedContext<uint32_t, State, int64_t>&) {}
};

TEST(KeyedStateTest, StateWithoutFieldsCannotBeSnapshotted) {
  testing::OperatorHarness<Visit, int64_t> h(
      std::make_unique<
          KeyedProcessOperator<uint32_t, Visit, uint32_t (*)(const Visit&), Counter>>(
          [](const Visit& v) { return v.user; }, Counter{}));
  SLUICE_ASSERT_OK(h.Open());
  h.ProcessTimed({{1, 0, 5}}, {1});
  auto snapshots = h.op().keyed_state()->SnapshotKeyGroups();
  EXPECT_EQ(snapshots.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(std::string(snapshots.status().message()), HasSubstr("Fields()"));
}

}  // namespace
}  // namespace sluice
