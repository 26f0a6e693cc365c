#include "sluice/engine/dataflow.h"

#include "sluice/runtime/status_macros.h"

namespace sluice {

absl::StatusOr<Job> Dataflow::Build(const JobOptions& options) const {
  return Job::Create(*graph_, options);
}

absl::Status Dataflow::Run(const JobOptions& options) const {
  SLUICE_ASSIGN_OR_RETURN(Job job, Build(options));
  return job.Run();
}

}  // namespace sluice
