// Checks that JobOptions lie in the ranges Job::Create accepts, naming the option.
#include "sluice/engine/job_options.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"

namespace sluice {
namespace {

// `value` of JobOptions::`name` must lie in [min, max]; `unit` and `meaning_of_min`
// complete the message.
template <class T>
absl::Status CheckRange(absl::string_view name, T value, T min, T max,
                        absl::string_view unit = "", absl::string_view min_means = "") {
  if (value >= min && value <= max) return absl::OkStatus();
  return absl::InvalidArgumentError(absl::StrCat("JobOptions::", name, " ", value,
                                                 " is out of range: it must be between ",
                                                 min, min_means, " and ", max, unit));
}

}  // namespace

absl::Status ValidateJobOptions(const JobOptions& options) {
  for (absl::Status status : {
           CheckRange("threads", options.threads, 0, JobOptions::kMaxThreads, "",
                      " (one per hardware thread)"),
           CheckRange("parallelism", options.parallelism, 1, JobOptions::kMaxParallelism),
           CheckRange("batch_size", options.batch_size, size_t{1},
                      JobOptions::kMaxBatchSize, " events per batch"),
           CheckRange("channel_capacity", options.channel_capacity, size_t{1},
                      JobOptions::kMaxChannelCapacity, " batches"),
           CheckRange("max_key_groups", options.max_key_groups, 1,
                      JobOptions::kMaxKeyGroups),
       }) {
    if (!status.ok()) return status;
  }
  return ValidateHttpServerOptions(options.http);
}

}  // namespace sluice
