// Job lifecycle: failures in user code, cancellation, backpressure, idle CPU use and
// metrics.
#include <sys/resource.h>

#include <atomic>
#include <chrono>
#include <stdexcept>
#include <thread>

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
using ::testing::HasSubstr;

class ThrowingMapTest : public ::testing::TestWithParam<int> {};

TEST_P(ThrowingMapTest, ExceptionStopsJobWithOperatorAndInstance) {
  Dataflow flow;
  flow.Source(GeneratorSource([](uint64_t i) { return i; }))  // unbounded
      .Map([](const uint64_t& x) {
        if (x == 5000) throw std::runtime_error("bad event 5000");
        return x;
      })
      .Name("fragile")
      .Sink([](const uint64_t&) {});
  absl::Status status = flow.Run(QuietOptions(GetParam()));
  EXPECT_THAT(status,
              StatusIs(absl::StatusCode::kUnknown, "operator 'fragile' (instance "));
  EXPECT_THAT(std::string(status.message()),
              HasSubstr(" of " + std::to_string(GetParam()) + ") threw: bad event 5000"));
}

INSTANTIATE_TEST_SUITE_P(Parallelism, ThrowingMapTest, ::testing::Values(1, 2));

TEST(JobTest, ExceptionInSinkAfterExchangeNamesTheSink) {
  Dataflow flow;
  flow.Source(GeneratorSource([](uint64_t i) { return i; }).Count(100000))
      .KeyBy([](const uint64_t& x) { return x % 10; })
      .Reduce([](const uint64_t& a, const uint64_t& b) { return a + b; })
      .Sink([](const uint64_t&) { throw 42; })
      .Name("bad_sink");
  EXPECT_THAT(flow.Run(QuietOptions(2)),
              StatusIs(absl::StatusCode::kUnknown, "operator 'bad_sink' (instance "));
  Dataflow again;
  again.Source(GeneratorSource([](uint64_t i) { return i; }).Count(10))
      .Sink([](const uint64_t&) { throw 42; })
      .Name("bad_sink");
  EXPECT_THAT(
      again.Run(QuietOptions(1)),
      StatusIs(absl::StatusCode::kUnknown,
               "operator 'bad_sink' (instance 1 of 1) threw a non-standard exception"));
}

TEST(JobTest, CancelStopsAnUnboundedJob) {
  Dataflow flow;
  std::atomic<uint64_t> seen{0};
  flow.Source(GeneratorSource([](uint64_t i) { return i; }))
      .KeyBy([](const uint64_t& x) { return x % 100; })
      .Reduce([](const uint64_t& a, const uint64_t& b) { return a + b; })
      .Sink([&seen](const uint64_t&) { seen.fetch_add(1, std::memory_order_relaxed); });
  auto job = flow.Build(QuietOptions(2));
  ASSERT_THAT(job, IsOk());
  SLUICE_ASSERT_OK(job->Start());
  while (seen.load() < 10000) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  auto cancel_at = std::chrono::steady_clock::now();
  job->Cancel();
  EXPECT_THAT(job->Wait(), StatusIs(absl::StatusCode::kCancelled, "cancelled"));
  EXPECT_LT(std::chrono::steady_clock::now() - cancel_at, std::chrono::seconds(2));
}

TEST(JobTest, DestroyingARunningJobCancelsIt) {
  Dataflow flow;
  flow.Source(GeneratorSource([](uint64_t i) { return i; })).Sink([](const uint64_t&) {});
  auto job = flow.Build(QuietOptions());
  ASSERT_THAT(job, IsOk());
  SLUICE_ASSERT_OK(job->Start());
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  // The destructor must cancel, wait and not crash or hang.
}

TEST(JobTest, StartTwiceAndWaitBeforeStartAreErrors) {
  Dataflow flow;
  flow.Source(GeneratorSource([](uint64_t i) { return i; }).Count(10))
      .Sink([](const uint64_t&) {});
  auto job = flow.Build(QuietOptions());
  ASSERT_THAT(job, IsOk());
  EXPECT_THAT(job->Wait(),
              StatusIs(absl::StatusCode::kFailedPrecondition, "before Start"));
  SLUICE_ASSERT_OK(job->Start());
  EXPECT_THAT(job->Start(), StatusIs(absl::StatusCode::kFailedPrecondition, "twice"));
  SLUICE_EXPECT_OK(job->Wait());
}

// A fast unbounded source into a slow sink: backpressure must hold the source back,
// so the events in flight stay within what the channels and one batch per stage hold.
TEST(JobTest, SlowSinkBoundsEventsInFlight) {
  JobOptions options = QuietOptions(2);
  options.batch_size = 256;
  options.channel_capacity = 4;
  Dataflow flow;
  std::atomic<uint64_t> sunk{0};
  auto fast = flow.Source(GeneratorSource([](uint64_t i) { return i; })).Name("fast");
  auto slow = fast.KeyBy([](const uint64_t& x) { return x; })
                  .Reduce([](const uint64_t& a, const uint64_t&) { return a; })
                  .Name("keyed")
                  .Sink([&sunk](const uint64_t&) {
                    if (sunk.fetch_add(1) % 256 == 0) {
                      std::this_thread::sleep_for(std::chrono::milliseconds(2));
                    }
                  })
                  .Name("slow");
  auto job = flow.Build(options);
  ASSERT_THAT(job, IsOk());
  SLUICE_ASSERT_OK(job->Start());
  uint64_t max_in_flight = 0;
  for (int i = 0; i < 40; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
    uint64_t produced = 0;
    uint64_t consumed = 0;
    for (const auto& m : job->Metrics()) {
      if (m.name == "fast") produced += m.records_out;
      if (m.name == "slow") consumed += m.records_in;
    }
    // The typed accessor sums the same instances (read after, so it is not smaller).
    EXPECT_GE(job->MetricsOf(fast)->records_out, produced);
    EXPECT_EQ(job->MetricsOf(fast)->name, "fast");
    EXPECT_EQ(job->MetricsOf(slow)->parallelism, 2);
    max_in_flight = std::max(max_in_flight, produced - consumed);
  }
  job->Cancel();
  EXPECT_THAT(job->Wait(), StatusIs(absl::StatusCode::kCancelled, ""));
  // 2 producers x 2 consumers x 4 batches of 256, plus per-stage batches in hand
  // and partially filled exchange buffers: a generous bound that is far below the
  // hundreds of thousands an unthrottled source would reach in 400 ms.
  const uint64_t bound = 2 * 2 * 4 * 256 + 16 * 256;
  EXPECT_LE(max_in_flight, bound);
  EXPECT_GT(sunk.load(), 0u);
  uint64_t blocked = 0;
  for (const auto& m : job->Metrics()) {
    if (m.name == "fast") blocked += m.blocked_nanos;
  }
  EXPECT_GT(blocked, 0u) << "the source never waited on a full channel";
}

TEST(JobTest, MetricsOfAStreamOfAnotherDataflowFails) {
  Dataflow flow, other;
  flow.Source(GeneratorSource([](uint64_t i) { return i; }).Count(10))
      .Sink([](const uint64_t&) {});
  auto foreign = other.Source(GeneratorSource([](uint64_t i) { return i; }).Count(10));
  auto job = flow.Build(QuietOptions());
  ASSERT_THAT(job, IsOk());
  EXPECT_THAT(job->MetricsOf(foreign),
              StatusIs(absl::StatusCode::kInvalidArgument, "another dataflow"));
}

double ProcessCpuSeconds() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return usage.ru_utime.tv_sec + usage.ru_stime.tv_sec +
         (usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6;
}

// A job waiting on a slow source must sleep, not spin.
TEST(JobTest, WaitingOnSlowSourceUsesNoCpu) {
  Dataflow flow;
  std::atomic<int> seen{0};
  flow.Source(GeneratorSource([](uint64_t i) { return i; }).Count(20).RatePerSecond(20))
      .KeyBy([](const uint64_t& x) { return x % 4; })
      .Reduce([](const uint64_t& a, const uint64_t& b) { return a + b; })
      .Sink([&seen](const uint64_t&) { seen.fetch_add(1); });
  double cpu_before = ProcessCpuSeconds();
  auto wall_before = std::chrono::steady_clock::now();
  SLUICE_ASSERT_OK(flow.Run(QuietOptions(2)));
  double wall =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - wall_before)
          .count();
  double cpu = ProcessCpuSeconds() - cpu_before;
  EXPECT_EQ(seen.load(), 20);
  EXPECT_GE(wall, 0.8) << "the rate limit was not applied";
  // Two spinning threads would burn ~2 s of CPU here; a sleeping job uses almost none.
  EXPECT_LT(cpu, 0.1 * wall) << "cpu " << cpu << " s over " << wall << " s";
}

TEST(JobTest, MetricsCountRecordsPerOperator) {
  Dataflow flow;
  flow.Source(GeneratorSource([](uint64_t i) { return i; }).Count(9000))
      .Name("src")
      .Filter([](const uint64_t& x) { return x % 3 == 0; })
      .Name("thirds")
      .KeyBy([](const uint64_t& x) { return x % 7; })
      .Reduce([](const uint64_t& a, const uint64_t& b) { return a + b; })
      .Name("sum")
      .Sink([](const uint64_t&) {})
      .Name("out");
  auto job = flow.Build(QuietOptions(2));
  ASSERT_THAT(job, IsOk());
  SLUICE_ASSERT_OK(job->Run());
  std::map<std::string, std::pair<uint64_t, uint64_t>> totals;
  for (const auto& m : job->Metrics()) {
    totals[m.name].first += m.records_in;
    totals[m.name].second += m.records_out;
  }
  EXPECT_EQ(totals["src"], std::make_pair(uint64_t{0}, uint64_t{9000}));
  EXPECT_EQ(totals["thirds"], std::make_pair(uint64_t{9000}, uint64_t{3000}));
  EXPECT_EQ(totals["sum"], std::make_pair(uint64_t{3000}, uint64_t{3000}));
  EXPECT_EQ(totals["out"].first, 3000u);
  std::string table = job->MetricsTable();
  EXPECT_THAT(table, HasSubstr("thirds"));
  EXPECT_THAT(table, HasSubstr("records in"));
}

class FailingOpenSource final : public SourceSpec<int> {
 public:
  std::string Kind() const override { return "failing"; }
  std::unique_ptr<SourceOperator> CreateInstance() const override {
    class Instance final : public SourceOperator {
      absl::Status Open(const OperatorContext&) override {
        return absl::NotFoundError("no such thing");
      }
      absl::StatusOr<SourceStep> Produce(Output&) override { return SourceStep::End(); }
    };
    return std::make_unique<Instance>();
  }
};

TEST(JobTest, SourceOpenFailureIsReportedByStartAndWait) {
  Dataflow flow;
  flow.Source(FailingOpenSource()).Name("broken").Sink([](const int&) {});
  auto job = flow.Build(QuietOptions());
  ASSERT_THAT(job, IsOk());
  EXPECT_THAT(job->Start(),
              StatusIs(absl::StatusCode::kNotFound,
                       "operator 'broken' (instance 1 of 1): no such thing"));
  EXPECT_THAT(job->Wait(), StatusIs(absl::StatusCode::kNotFound, "no such thing"));
}

}  // namespace
}  // namespace sluice
