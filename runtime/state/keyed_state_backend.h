// Where a keyed operator's state lives, seen by the runtime: organised by key group,
// each of which can be snapshotted to bytes (key_group_snapshot.fbs) and restored,
// possibly into an instance of a different parallelism that now owns that key group.
// Checkpoints use this; the default implementation is InMemoryStateBackend.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace sluice {

class KeyedStateBackend {
 public:
  virtual ~KeyedStateBackend() = default;

  virtual int key_group_count() const = 0;
  // Keys that hold state.
  virtual size_t key_count() const = 0;

  // One snapshot per key group that holds state, in one pass over the keys.
  virtual absl::StatusOr<std::vector<std::pair<int, std::string>>>
  SnapshotKeyGroups() = 0;
  // The snapshot of one key group (empty of entries when it holds no state).
  virtual absl::StatusOr<std::string> SnapshotKeyGroup(int key_group) = 0;
  // Adds the keys of a snapshot taken by a backend of the same key and state types;
  // keys already present are replaced. A damaged or foreign snapshot is an error,
  // and then nothing of it is added. Call after the operator's Open (which sets up
  // how restored timers and wake-ups are queued again).
  virtual absl::Status RestoreKeyGroup(std::string_view snapshot) = 0;
};

}  // namespace sluice
