// What one task contributes to a checkpoint: the state of each operator of its chain
// (named by StateNames), taken when the barrier passed it.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"

namespace sluice {

struct TaskSnapshot {
  std::vector<std::pair<std::string, std::string>> blobs;  // (name, bytes)
  // From the first barrier reaching the task to the last (0 with a single input).
  int64_t alignment_nanos = 0;
  // Spent taking the snapshot: the task processes nothing meanwhile.
  int64_t sync_nanos = 0;
};

// Names of state in a checkpoint. Operators are identified by their node id in the
// dataflow, which the same program assigns the same way each run; the "job" blob
// records the node names and parallelism so a restore can check it (job_layout.h).
struct StateNames {
  static std::string Operator(int node, int instance) {
    return absl::StrCat("n", node, ".i", instance);
  }
  static std::string KeyGroup(int node, int key_group) {
    return absl::StrCat("n", node, ".kg", key_group);
  }
  // The event time (input watermark) operator `node` had reached: restored so that
  // what was late stays late when the input is replayed.
  static std::string Watermark(int node, int instance) {
    return absl::StrCat("n", node, ".wm", instance);
  }
  static constexpr const char* kJobLayout = "job";
};

// What the coordinator asks of a task (implemented by ChainTask).
class CheckpointParticipant {
 public:
  virtual ~CheckpointParticipant() = default;
  // Sources only: inject the barrier of checkpoint `id` at the next chance.
  // Thread-safe.
  virtual void RequestBarrier(int64_t id) = 0;
  // Checkpoint `id` completed: pass Operator::NotifyCheckpointComplete to the
  // chain's operators, on the task's own thread (or directly once it stopped).
  // Thread-safe.
  virtual void NotifyCheckpointCompleteAsync(int64_t id) = 0;
};

}  // namespace sluice
