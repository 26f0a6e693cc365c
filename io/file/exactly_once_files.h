// How a file sink writes exactly once (CsvSink / JsonLinesSink ExactlyOnce()): the
// path is a directory where each parallel instance writes part files through
// TransactionalFileWriter, visible only once committed. With checkpoints, files commit
// when their checkpoint completes; without, when a bounded job finishes. A cancelled or
// failed job commits nothing; its uncommitted files are removed when a job next writes
// there.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>

namespace sluice {

// A part file rolls (is closed as pending) before a batch is written to it once it is
// past roll_bytes, or roll_interval after it opened: files hold whole batches.
struct ExactlyOnceFiles {
  uint64_t roll_bytes = 128ull << 20;
  std::optional<std::chrono::milliseconds> roll_interval;  // none: no time limit
};

}  // namespace sluice
