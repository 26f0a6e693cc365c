// The job settings every dataflow test runs under: parallelism 1 and 2, and batches
// re-cut at random sizes, whose results must all agree.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "gtest/gtest.h"
#include "sluice/sluice.h"

namespace sluice::testing {

struct RunConfig {
  int parallelism;
  size_t batch_size;
  uint64_t jitter_seed;

  JobOptions Options() const {
    JobOptions options;
    options.parallelism = parallelism;
    options.threads = 2;
    options.batch_size = batch_size;
    options.batch_jitter_seed = jitter_seed;
    return options;
  }
};

inline std::string RunConfigName(const ::testing::TestParamInfo<RunConfig>& info) {
  return "p" + std::to_string(info.param.parallelism) + "_batch" +
         std::to_string(info.param.batch_size) + "_jitter" +
         std::to_string(info.param.jitter_seed);
}

// Small batches so batch boundaries fall inside files and between bad records.
inline auto AllRunConfigs() {
  return ::testing::Values(RunConfig{1, 1024, 0}, RunConfig{2, 1024, 0},
                           RunConfig{1, 3, 7}, RunConfig{2, 2, 11});
}

// Two threads, the given parallelism, no metrics table: for tests that are not
// parameterised by RunConfig.
inline JobOptions QuietOptions(int parallelism = 1) {
  return RunConfig{parallelism, JobOptions().batch_size, 0}.Options();
}

// The fixture of dataflow tests parameterised by RunConfig.
class RunConfigTest : public ::testing::TestWithParam<RunConfig> {
 protected:
  JobOptions Options() const { return GetParam().Options(); }

  // Runs `source` into a collector under the test's RunConfig; a failed run fails
  // the test.
  template <class Spec>
  std::vector<typename Spec::value_type> ReadAll(Spec source) {
    Dataflow flow;
    CollectorSink<typename Spec::value_type> sink;
    flow.Source(std::move(source)).Sink(sink);
    absl::Status status = flow.Run(Options());
    EXPECT_TRUE(status.ok()) << status;
    return sink.Items();
  }
};

}  // namespace sluice::testing
