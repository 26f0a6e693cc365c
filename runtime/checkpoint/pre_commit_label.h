// The checkpoint a transactional sink's pre-committed output belongs to: the one
// whose completion commits it.
//
// A barrier's checkpoint id labels what came before it. What a sink pre-commits at
// its end (Operator::SnapshotState(kFinalCheckpoint), when its input is over) is
// labelled with the checkpoint after the last barrier it saw: every checkpoint from
// that one on holds the sink's final state (a finished task stands in for later
// checkpoints with the snapshot it took at its end), so the first of them to complete
// commits it. Labelling it kFinalCheckpoint instead would hold it back until the
// whole job ends: never, in a streaming job with a bounded branch, or after a stop
// with a savepoint.
#pragma once

#include <cstdint>

#include "sluice/runtime/operator.h"

namespace sluice {

class PreCommitLabel {
 public:
  // The label for pre-committing at `checkpoint_id` (kFinalCheckpoint: at the end).
  int64_t Label(int64_t checkpoint_id) {
    if (checkpoint_id == kFinalCheckpoint) return last_ + 1;
    last_ = checkpoint_id;
    return checkpoint_id;
  }

 private:
  int64_t last_ = 0;  // the last barrier's checkpoint id
};

}  // namespace sluice
