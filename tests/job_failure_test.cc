// Failures at every stage of an operator's life become a Status naming the operator;
// nothing escapes as an exception or hangs the job.
#include <atomic>
#include <stdexcept>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "sluice/sluice.h"
#include "sluice/tests/run_config.h"
#include "sluice/tests/status_matchers.h"

namespace sluice {
namespace {

using ::sluice::testing::IsOk;
using ::sluice::testing::QuietOptions;
using ::sluice::testing::StatusIs;

// A pass-through operator that throws from the life-cycle step it is told to.
enum class ThrowIn { kNothing, kOpen, kFinish, kClose };

class Fragile final : public Operator {
 public:
  Fragile(ThrowIn where, std::atomic<int>* closes) : where_(where), closes_(closes) {}
  absl::Status Open(const OperatorContext&) override {
    if (where_ == ThrowIn::kOpen) throw std::runtime_error("open failed");
    return absl::OkStatus();
  }
  void ProcessBatch(int, BatchPtr batch, Output& out) override {
    out.Emit(std::move(batch));
  }
  void Finish(Output&) override {
    if (where_ == ThrowIn::kFinish) throw std::runtime_error("finish failed");
  }
  absl::Status Close() override {
    closes_->fetch_add(1);
    if (where_ == ThrowIn::kClose) throw std::runtime_error("close failed");
    return absl::OkStatus();
  }

 private:
  ThrowIn where_;
  std::atomic<int>* closes_;
};

Stream<uint64_t> AddFragile(Stream<uint64_t> input, ThrowIn where,
                            std::atomic<int>* closes) {
  return input.Then<uint64_t>(
      "fragile", LogicalEdge{input.node_id(), Partitioning::kForward, {}},
      [where, closes] { return std::make_unique<Fragile>(where, closes); });
}

TEST(JobFailureTest, OpenThrowingFailsStartWithoutClosingUnopenedOperators) {
  std::atomic<int> closes{0};
  Dataflow flow;
  auto numbers = flow.Source(GeneratorSource([](uint64_t i) { return i; }).Count(10));
  AddFragile(numbers, ThrowIn::kOpen, &closes).Name("breaks").Sink([](const uint64_t&) {
  });
  auto job = flow.Build(QuietOptions());
  ASSERT_THAT(job, IsOk());
  EXPECT_THAT(job->Start(),
              StatusIs(absl::StatusCode::kUnknown,
                       "operator 'breaks' (instance 1 of 1): threw in Open: "
                       "open failed"));
  EXPECT_EQ(closes.load(), 0);
}

TEST(JobFailureTest, FinishThrowingFailsTheJob) {
  std::atomic<int> closes{0};
  Dataflow flow;
  auto numbers = flow.Source(GeneratorSource([](uint64_t i) { return i; }).Count(10));
  AddFragile(numbers, ThrowIn::kFinish, &closes).Name("breaks").Sink([](const uint64_t&) {
  });
  EXPECT_THAT(flow.Run(QuietOptions()),
              StatusIs(absl::StatusCode::kUnknown,
                       "operator 'breaks' (instance 1 of 1) threw: "
                       "finish failed"));
  EXPECT_EQ(closes.load(), 1);
}

TEST(JobFailureTest, CloseThrowingFailsTheJobAtEndAndOnCancel) {
  std::atomic<int> closes{0};
  Dataflow bounded;
  auto numbers = bounded.Source(GeneratorSource([](uint64_t i) { return i; }).Count(10));
  AddFragile(numbers, ThrowIn::kClose, &closes).Name("breaks").Sink([](const uint64_t&) {
  });
  EXPECT_THAT(bounded.Run(QuietOptions()),
              StatusIs(absl::StatusCode::kUnknown,
                       "operator 'breaks' (instance 1 of 1): threw "
                       "in Close: close failed"));

  Dataflow unbounded;
  auto endless = unbounded.Source(GeneratorSource([](uint64_t i) { return i; }));
  AddFragile(endless, ThrowIn::kClose, &closes).Name("breaks").Sink([](const uint64_t&) {
  });
  auto job = unbounded.Build(QuietOptions());
  ASSERT_THAT(job, IsOk());
  SLUICE_ASSERT_OK(job->Start());
  job->Cancel();
  EXPECT_THAT(job->Wait(), StatusIs(absl::StatusCode::kUnknown, "threw in Close"));
}

TEST(JobFailureTest, OperatorErrorKeepsItsStatusCode) {
  Dataflow flow;
  flow.Source(GeneratorSource([](uint64_t i) { return i; }).Count(1000))
      .Map([](const uint64_t& x) {
        if (x == 700) throw OperatorError(absl::NotFoundError("no row for 700"));
        return x;
      })
      .Name("lookup")
      .Sink([](const uint64_t&) {});
  EXPECT_THAT(flow.Run(QuietOptions(2)), StatusIs(absl::StatusCode::kNotFound,
                                                  "operator 'lookup' (instance 1 of 2): "
                                                  "no row for 700"));
}

TEST(JobFailureTest, ThrowingKeyFunctionNamesTheExchange) {
  Dataflow flow;
  flow.Source(GeneratorSource([](uint64_t i) { return i; }).Count(1000))
      .Name("numbers")
      .KeyBy([](const uint64_t& x) -> uint64_t {
        if (x == 500) throw std::runtime_error("no key for 500");
        return x;
      })
      .Reduce([](const uint64_t& a, const uint64_t& b) { return a + b; })
      .Sink([](const uint64_t&) {});
  EXPECT_THAT(
      flow.Run(QuietOptions(2)),
      StatusIs(absl::StatusCode::kUnknown, "the exchange after operator 'numbers'"));
}

TEST(JobFailureTest, KeyingAStreamMixingEventTimeAndNoneFails) {
  Dataflow flow;
  auto timed = flow.Source(GeneratorSource([](uint64_t i) { return i; }).Count(5000))
                   .AssignTimestamps([](const uint64_t& x) { return int64_t(x); },
                                     WatermarkStrategy::Monotonous());
  auto untimed = flow.Source(GeneratorSource([](uint64_t i) { return i; }).Count(5000));
  timed.Union(untimed)
      .KeyBy([](const uint64_t& x) { return x % 10; })
      .Reduce([](const uint64_t& a, const uint64_t& b) { return a + b; })
      .Sink([](const uint64_t&) {});
  EXPECT_THAT(flow.Run(QuietOptions(2)),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "mixes events with and without event time"));
}

TEST(JobFailureTest, CancelAfterCompletionKeepsSuccess) {
  Dataflow flow;
  flow.Source(GeneratorSource([](uint64_t i) { return i; }).Count(100))
      .Sink([](const uint64_t&) {});
  auto job = flow.Build(QuietOptions());
  ASSERT_THAT(job, IsOk());
  SLUICE_ASSERT_OK(job->Run());
  job->Cancel();
  SLUICE_EXPECT_OK(job->Wait());
}

// Regression test for a lost wake-up: a producer parked on a full output must be woken
// when its consumer frees room. One-event batches and one-batch channels between
// unchained tasks on three threads make parking and waking happen on every event.
TEST(JobFailureTest, ParkedProducersAreAlwaysWoken) {
  JobOptions options = QuietOptions();
  options.threads = 3;
  options.batch_size = 1;
  options.channel_capacity = 1;
  options.chaining = false;
  constexpr uint64_t kCount = 200000;
  std::atomic<uint64_t> sum{0};
  Dataflow flow;
  flow.Source(GeneratorSource([](uint64_t i) { return i; }).Count(kCount))
      .Map([](const uint64_t& x) { return x + 1; })
      .Map([](const uint64_t& x) { return x + 1; })
      .Map([](const uint64_t& x) { return x - 2; })
      .Sink([&sum](const uint64_t& x) { sum.fetch_add(x, std::memory_order_relaxed); });
  SLUICE_ASSERT_OK(flow.Run(options));
  EXPECT_EQ(sum.load(), kCount * (kCount - 1) / 2);
}

}  // namespace
}  // namespace sluice
