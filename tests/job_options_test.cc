// Job options and operator parallelism out of range fail Job::Create with a message
// naming the option (issue 17 §10), and the largest accepted values run.
#include <algorithm>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "sluice/sluice.h"
#include "sluice/tests/run_config.h"
#include "sluice/tests/status_matchers.h"

namespace sluice {
namespace {

using ::sluice::testing::QuietOptions;
using ::sluice::testing::StatusIs;

Dataflow Pipeline(int map_parallelism) {
  Dataflow flow;
  flow.Source(GeneratorSource([](uint64_t i) { return i; }).Count(1000))
      .Map([](const uint64_t& x) { return x; })
      .Name("map-1")
      .Parallelism(map_parallelism)
      .Sink([](const uint64_t&) {});
  return flow;
}

// Parallelism(0) meant "the job's default" while -5 was refused; both are refused
// now, as is more than the job can run.
TEST(JobOptionsTest, OperatorParallelismOutOfRangeFailsTheBuild) {
  for (int parallelism : {0, -5, JobOptions::kMaxParallelism + 1}) {
    EXPECT_THAT(Pipeline(parallelism).Build(QuietOptions()).status(),
                StatusIs(absl::StatusCode::kInvalidArgument,
                         "operator 'map-1': Parallelism(" + std::to_string(parallelism) +
                             ") is out of range: it must be between 1 and 1024"));
  }
  Dataflow sink_flow;
  sink_flow.Source(GeneratorSource([](uint64_t i) { return i; }).Count(10))
      .Sink([](const uint64_t&) {})
      .Name("out")
      .Parallelism(0);
  EXPECT_THAT(sink_flow.Build(QuietOptions()).status(),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "operator 'out': Parallelism(0) is out of range"));
}

// Each option just outside its range; batch_size 2^50 ran until a batch allocation
// threw std::bad_alloc.
TEST(JobOptionsTest, OptionsOutOfRangeFailTheBuildNamingTheOption) {
  struct Case {
    void (*set)(JobOptions&);
    std::string message;
  };
  const Case kCases[] = {
      {[](JobOptions& o) { o.batch_size = size_t{1} << 50; },
       "JobOptions::batch_size 1125899906842624 is out of range: it must be between 1 "
       "and 1048576"},
      {[](JobOptions& o) { o.batch_size = 0; },
       "JobOptions::batch_size 0 is out of range"},
      {[](JobOptions& o) { o.threads = -1; }, "JobOptions::threads -1 is out of range"},
      {[](JobOptions& o) { o.threads = 1 << 20; },
       "JobOptions::threads 1048576 is out of range: it must be between 0"},
      {[](JobOptions& o) { o.parallelism = 0; },
       "JobOptions::parallelism 0 is out of range: it must be between 1 and 1024"},
      {[](JobOptions& o) { o.parallelism = 5000; },
       "JobOptions::parallelism 5000 is out of range"},
      {[](JobOptions& o) { o.channel_capacity = 0; },
       "JobOptions::channel_capacity 0 is out of range"},
      {[](JobOptions& o) { o.channel_capacity = size_t{1} << 40; },
       "JobOptions::channel_capacity 1099511627776 is out of range"},
      {[](JobOptions& o) { o.max_key_groups = 0; },
       "JobOptions::max_key_groups 0 is out of range"},
      {[](JobOptions& o) { o.max_key_groups = 1 << 20; },
       "JobOptions::max_key_groups 1048576 is out of range: it must be between 1 and "
       "32768"},
  };
  for (const Case& c : kCases) {
    JobOptions options = QuietOptions();
    c.set(options);
    EXPECT_THAT(Pipeline(1).Build(options).status(),
                StatusIs(absl::StatusCode::kInvalidArgument, c.message));
  }
}

// The largest accepted values build and run (a keyed job, so key groups are used).
TEST(JobOptionsTest, TheLargestAcceptedOptionsRun) {
  JobOptions options = QuietOptions();
  options.batch_size = JobOptions::kMaxBatchSize;
  options.channel_capacity = JobOptions::kMaxChannelCapacity;
  options.max_key_groups = JobOptions::kMaxKeyGroups;
  using Pair = std::pair<uint64_t, uint64_t>;  // key, running sum
  Dataflow flow;
  CollectorSink<Pair> sink;
  flow.Source(GeneratorSource([](uint64_t i) {
                return Pair{i % 10, i};
              }).Count(5000))
      .KeyBy([](const Pair& p) { return p.first; })
      .Reduce([](const Pair& a, const Pair& b) {
        return Pair{a.first, a.second + b.second};
      })
      .Parallelism(2)
      .Sink(sink);
  SLUICE_ASSERT_OK(flow.Run(options));
  std::vector<uint64_t> totals(10, 0);
  for (const Pair& p : sink.Items())
    totals[p.first] = std::max(totals[p.first], p.second);
  for (uint64_t k = 0; k < 10; ++k) {
    uint64_t sum = 0;
    for (uint64_t i = k; i < 5000; i += 10) sum += i;
    EXPECT_EQ(totals[k], sum) << k;
  }
}

}  // namespace
}  // namespace sluice
