// The job settings every file-connector dataflow test runs under: parallelism 1 and
// 2, and batches re-cut at random sizes, whose results must all agree.
#pragma once

#include <cstdint>
#include <string>

#include "engine/job_options.h"
#include "gtest/gtest.h"

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
    options.print_metrics = false;
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

}  // namespace sluice::testing
