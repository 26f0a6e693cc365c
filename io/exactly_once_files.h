// How a file sink writes exactly once (CsvSink / JsonLinesSink ExactlyOnce()): the
// path is a directory where each parallel instance writes part files through
// TransactionalFileWriter, visible only once committed. With checkpoints (issue 4's
// coordinator, not built yet) files commit when their checkpoint completes; without,
// when a bounded job finishes. A cancelled or failed job commits nothing; its
// uncommitted files are removed when a job next writes there.
#pragma once

#include <cstdint>

namespace sluice {

// A part file rolls (is closed as pending) before a batch is written to it once it is
// past roll_bytes, or roll_interval_ms after it opened: files hold whole batches.
struct ExactlyOnceFiles {
  uint64_t roll_bytes = 128ull << 20;
  int64_t roll_interval_ms = -1;  // -1: no time limit
};

}  // namespace sluice
