// sluice-log's commands for damage: verify (print every problem of a topic on disk)
// and repair (salvage it), and the text describe uses to show damage.
#pragma once

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "sluice/io/log/log_problem.h"
#include "sluice/io/log/log_repair.h"
#include "sluice/io/log/offset_range.h"

namespace sluice::log {

// "[a, b) [c, d)".
std::string RangesText(const std::vector<OffsetRange>& ranges);
// ", lost [a, b) [c, d)" for offsets a repair recorded as lost; empty for none.
std::string LostText(const std::vector<OffsetRange>& lost);
// Whether any of `problems` is damage (not a note).
bool Damaged(const std::vector<LogProblem>& problems);

// Verifies topic `topic` of the log in `dir`, or every topic there if it is empty,
// printing each partition and problem; DataLoss if anything is damaged.
absl::Status VerifyCommand(const std::string& dir, const std::string& topic);
// Repairs the topic and prints what was done and lost; FailedPrecondition naming
// what could not be repaired.
absl::Status RepairCommand(const std::string& dir, const std::string& topic,
                           const LogRepair::Options& options);

}  // namespace sluice::log
