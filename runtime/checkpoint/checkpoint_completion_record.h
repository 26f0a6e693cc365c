// `<checkpoint dir>/COMPLETED`: the id of the newest checkpoint that completed,
// written (atomically, CRC-checked) after its MANIFEST is in place. A checkpoint
// directory without a MANIFEST is then told apart: newer than the record, it was
// still being taken when the process died (normal after a kill); the one the record
// names had completed, so its MANIFEST was deleted. And when every checkpoint
// directory is gone or damaged, the record still shows that checkpoints existed.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace sluice {

class CheckpointCompletionRecord {
 public:
  static constexpr char kFileName[] = "COMPLETED";

  // Records checkpoint `id` of `dir` as complete; durable when it returns OK. A crash
  // midway leaves the previous record (crash points `checkpoint_record.*`).
  static absl::Status Write(const std::string& dir, int64_t id);
  // The id recorded in `dir`: nullopt if there is no record (no checkpoint completed
  // since this build wrote them), DataLoss naming the file if it is damaged.
  static absl::StatusOr<std::optional<int64_t>> Read(const std::string& dir);

  static std::string PathIn(const std::string& dir) { return dir + "/" + kFileName; }
};

}  // namespace sluice
