// Watermarks per source split and watermark alignment between sources: the
// assigner's watermarks checked by hand through the harness, and jobs whose window
// results and progress are checked against the input.
#include <algorithm>
#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "sluice/operators/timestamp_assigner_operator.h"
#include "sluice/sluice.h"
#include "sluice/tests/fake_processing_timers.h"
#include "sluice/tests/operator_harness.h"
#include "sluice/tests/run_config.h"
#include "sluice/tests/status_matchers.h"

namespace sluice {
namespace {

using ::sluice::testing::RunConfig;
using ::sluice::testing::RunConfigName;
using ::sluice::testing::RunConfigTest;
using ::testing::ElementsAre;

struct Reading {
  int32_t split = 0;
  int64_t time = 0;
};

using ::sluice::testing::FakeProcessingTimers;

using Control = testing::CapturingOutput<Reading>::Control;

std::vector<int64_t> Watermarks(const testing::CapturingOutput<Reading>& out) {
  std::vector<int64_t> watermarks;
  for (const auto& entry : out.entries()) {
    if (const auto* c = std::get_if<Control>(&entry)) {
      if (c->kind == ElementKind::kWatermark) watermarks.push_back(c->value);
    }
  }
  return watermarks;
}

auto TimeOf = [](const Reading& r) { return r.time; };
using Assigner = TimestampAssignerOperator<Reading, decltype(TimeOf)>;

TEST(SplitWatermarkTest, TheMinimumOverLiveSplits) {
  testing::OperatorHarness<Reading, Reading> h(
      std::make_unique<Assigner>(TimeOf, WatermarkStrategy::Monotonous()));
  SLUICE_ASSERT_OK(h.Open());
  h.ProcessSplit({{0, 100}}, 0);  // only split 0 so far: 99
  h.ProcessSplit({{1, 10}}, 1);   // split 1 holds it back: min(99, 9)
  h.ProcessSplit({{0, 200}}, 0);
  h.ProcessSplit({{1, 50}}, 1);   // min(199, 49): still below 99
  h.SplitEnd(1);                  // split 1 done: 199
  h.ProcessSplit({{2, 150}}, 2);  // a new split starts behind: no step back
  h.ProcessSplit({{0, 300}}, 0);  // min(299, 149) = 149 <= 199: nothing
  h.ProcessSplit({{2, 400}}, 2);  // min(299, 399)
  EXPECT_THAT(Watermarks(h.output()), ElementsAre(99, 199, 299));
  EXPECT_THAT(h.Timestamps(), ElementsAre(100, 10, 200, 50, 150, 300, 400));
}

TEST(SplitWatermarkTest, AnAnnouncedSplitHoldsTheWatermarkBeforeItsFirstBatch) {
  testing::OperatorHarness<Reading, Reading> h(
      std::make_unique<Assigner>(TimeOf, WatermarkStrategy::Monotonous()));
  SLUICE_ASSERT_OK(h.Open());
  h.SplitStart(0);
  h.SplitStart(1);
  h.ProcessSplit({{0, 100}}, 0);  // split 1 has nothing yet: no watermark
  h.ProcessSplit({{0, 200}}, 0);
  h.ProcessSplit({{1, 50}}, 1);  // min(199, 49)
  h.SplitEnd(1);                 // 199
  EXPECT_THAT(Watermarks(h.output()), ElementsAre(49, 199));
}

// An assigner whose splits go idle after 100 ms of `timers`' clock.
testing::OperatorHarness<Reading, Reading> IdleAfter100ms(FakeProcessingTimers& timers) {
  OperatorContext context;
  context.processing_timers = &timers;
  return testing::OperatorHarness<Reading, Reading>(
      std::make_unique<Assigner>(TimeOf,
                                 WatermarkStrategy::Monotonous().WithIdleness(100)),
      context);
}

TEST(SplitWatermarkTest, AnIdleSplitStopsHoldingBack) {
  FakeProcessingTimers timers;
  auto h = IdleAfter100ms(timers);
  SLUICE_ASSERT_OK(h.Open());
  timers.now = 0;
  h.ProcessSplit({{0, 10}}, 0);
  timers.now = 60;
  h.ProcessSplit({{1, 500}}, 1);  // min(9, 499) = 9
  timers.now = 120;
  h.ProcessSplit({{1, 600}}, 1);
  h.ProcessingTime(120);  // split 0 quiet for 120 ms: idle, 599
  timers.now = 130;
  h.ProcessSplit({{0, 20}}, 0);   // active again: min(19, 599) <= 599, no step back
  h.ProcessSplit({{0, 700}}, 0);  // min(699, 599) = 599: nothing new
  h.ProcessSplit({{1, 800}}, 1);  // min(699, 799)
  EXPECT_THAT(Watermarks(h.output()), ElementsAre(9, 599, 699));
}

// A split announced as queued (a file waiting for a free slot) holds the watermark
// however long it waits; once it has had a batch it can go idle like any other.
TEST(SplitWatermarkTest, AQueuedSplitDoesNotGoIdleBeforeItsFirstBatch) {
  FakeProcessingTimers timers;
  auto h = IdleAfter100ms(timers);
  SLUICE_ASSERT_OK(h.Open());
  timers.now = 0;
  h.SplitStart(0);
  h.SplitStart(1 + kSplitQueued);
  h.ProcessSplit({{0, 500}}, 0);  // split 1 has nothing yet: no watermark
  timers.now = 300;
  h.ProcessSplit({{0, 600}}, 0);
  h.ProcessingTime(300);         // split 1 waited 300 ms: still holding
  h.ProcessSplit({{1, 50}}, 1);  // min(599, 49)
  timers.now = 450;
  h.ProcessSplit({{0, 700}}, 0);
  h.ProcessingTime(450);  // split 1 quiet 150 ms since its batch: idle, 699
  EXPECT_THAT(Watermarks(h.output()), ElementsAre(49, 699));
}

// A source that reads `splits` splits in turn, one batch of each per round, where
// split s advances s + 1 times as fast as split 0; then ends each split.
class InterleavedSplits final : public SourceSpec<Reading> {
 public:
  InterleavedSplits(int splits, int per_split) : splits_(splits), per_split_(per_split) {}
  std::string Kind() const override { return "interleaved_splits"; }
  int MaxParallelism() const override { return 1; }
  std::unique_ptr<SourceOperator> CreateInstance() const override {
    return std::make_unique<Instance>(splits_, per_split_);
  }

 private:
  class Instance final : public SourceOperator {
   public:
    Instance(int splits, int per_split) : splits_(splits), per_split_(per_split) {}
    absl::Status Open(const OperatorContext&) override { return absl::OkStatus(); }
    absl::StatusOr<SourceStep> Produce(Output& out) override {
      if (next_ >= per_split_) {
        for (int s = 0; s < splits_; ++s) out.EmitControl(ElementKind::kSplitEnd, s);
        return SourceStep::End();
      }
      for (int s = 0; s < splits_; ++s) {
        BatchPtr batch = AcquireBatch<Reading>();
        auto& b = BatchAs<Reading>(batch);
        b.split = s;
        for (int i = next_; i < std::min(next_ + 10, per_split_); ++i) {
          b.items.push_back(Reading{s, int64_t{i} * 10 * (s + 1)});
        }
        out.Emit(std::move(batch));
      }
      next_ += 10;
      return SourceStep::More();
    }

   private:
    int splits_;
    int per_split_;
    int next_ = 0;
  };
  int splits_;
  int per_split_;
};

class SplitJobTest : public RunConfigTest {};

// Every split is in order, so with a watermark per split nothing is late even though
// the splits run at different speeds; one watermark for all would make most of the
// slow splits' events late.
TEST_P(SplitJobTest, InterleavedSplitsLoseNothing) {
  constexpr int kSplits = 3;
  constexpr int kPerSplit = 2000;
  std::map<std::pair<int32_t, int64_t>, int64_t> expected;
  for (int s = 0; s < kSplits; ++s) {
    for (int i = 0; i < kPerSplit; ++i)
      ++expected[{s, (int64_t{i} * 10 * (s + 1)) / 1000 * 1000}];
  }
  Dataflow flow;
  CollectorSink<WindowResult<int32_t, int64_t>> counts;
  CollectorSink<Reading> late;
  auto results = flow.Source(InterleavedSplits(kSplits, kPerSplit))
                     .AssignTimestamps(TimeOf, WatermarkStrategy::Monotonous())
                     .KeyBy([](const Reading& r) { return r.split; })
                     .Window(TumblingWindows(1000))
                     .SideOutputLateData(OutputTag<Reading, "late">{})
                     .Aggregate(aggregates::Count());
  results.Sink(counts);
  results.SideOutput(OutputTag<Reading, "late">{}).Sink(late);
  SLUICE_ASSERT_OK(flow.Run(Options()));
  EXPECT_EQ(late.Size(), 0u);
  std::map<std::pair<int32_t, int64_t>, int64_t> got;
  for (const auto& r : counts.Items()) got[{r.key, r.start}] += r.value;
  EXPECT_EQ(got, expected);
}

INSTANTIATE_TEST_SUITE_P(Configs, SplitJobTest,
                         ::testing::Values(RunConfig{1, 1024, 0}, RunConfig{2, 1024, 0},
                                           RunConfig{1, 7, 3}, RunConfig{2, 5, 17}),
                         RunConfigName);

class AlignmentTest : public ::testing::TestWithParam<int> {};

// A fast source and a rate-limited slow one in one alignment group: the fast one
// never gets more than the drift (plus one batch) ahead of the slow one's progress.
TEST_P(AlignmentTest, AFastSourceWaitsForTheSlowOne) {
  constexpr int64_t kDrift = 500;
  constexpr size_t kBatch = 16;
  constexpr int64_t kFastStep = 100;        // event time per fast event
  constexpr int64_t kSlowLast = 1999 * 10;  // the slow source's last timestamp
  auto slow_max = std::make_shared<std::atomic<int64_t>>(0);
  auto worst_lead = std::make_shared<std::atomic<int64_t>>(kMinWatermark);
  Dataflow flow;
  CollectorSink<int64_t> fast_sink;
  CollectorSink<int64_t> slow_sink;
  flow.Source(GeneratorSource([](uint64_t i) { return static_cast<int64_t>(i) * 10; })
                  .Count(2000)
                  .RatePerSecond(20000))
      .AssignTimestamps([](int64_t t) { return t; },
                        WatermarkStrategy::Monotonous().WithAlignment("g", kDrift))
      .Map([slow_max](int64_t t) {
        int64_t seen = slow_max->load();
        while (t > seen && !slow_max->compare_exchange_weak(seen, t)) {
        }
        return t;
      })
      .Sink(slow_sink);
  flow.Source(GeneratorSource([](uint64_t i) {
                return static_cast<int64_t>(i) * kFastStep;
              }).Count(2000))
      .AssignTimestamps([](int64_t t) { return t; },
                        WatermarkStrategy::Monotonous().WithAlignment("g", kDrift))
      .Map([slow_max, worst_lead](int64_t t) {
        int64_t slow = slow_max->load();
        if (slow >= kSlowLast) return t;  // the slow source is done: no limit
        int64_t lead = t - slow;
        int64_t worst = worst_lead->load();
        while (lead > worst && !worst_lead->compare_exchange_weak(worst, lead)) {
        }
        return t;
      })
      .Sink(fast_sink);
  JobOptions options = testing::QuietOptions(GetParam());
  options.batch_size = kBatch;
  SLUICE_ASSERT_OK(flow.Run(options));
  EXPECT_EQ(fast_sink.Size(), 2000u);
  EXPECT_EQ(slow_sink.Size(), 2000u);
  // Until the slow source ends (then it holds no one back), the fast one leads by at
  // most the drift plus the one batch it emits after a check that let it go (at
  // parallelism p each instance generates every p-th event, so a batch spans p times
  // as much event time).
  EXPECT_LE(worst_lead->load(), kDrift + int64_t{kBatch} * kFastStep * GetParam());
  EXPECT_GT(worst_lead->load(), kMinWatermark);  // the check ran
}

INSTANTIATE_TEST_SUITE_P(Parallelism, AlignmentTest, ::testing::Values(1, 2));

TEST(AlignmentValidationTest, NeedsTheAssignerChainedToItsSource) {
  Dataflow flow;
  flow.Source(
          GeneratorSource([](uint64_t i) { return static_cast<int64_t>(i); }).Count(10))
      .Rebalance()
      .AssignTimestamps([](int64_t t) { return t; },
                        WatermarkStrategy::Monotonous().WithAlignment("g", 100))
      .Sink([](int64_t) {});
  absl::Status status = flow.Run(testing::QuietOptions(2));
  EXPECT_EQ(status.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(std::string(status.message()), ::testing::HasSubstr("chained"));
}

}  // namespace
}  // namespace sluice
