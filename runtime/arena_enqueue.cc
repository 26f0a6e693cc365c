// In a ThreadSanitizer build (SLUICE_TSAN) this file alone is compiled without
// instrumentation (runtime/CMakeLists.txt). Debian's libtbb is not instrumented, so
// TSan cannot see that TBB's queue orders enqueue before execute. Without help it
// reports (1) the task object TBB builds here from our lambda and frees on a worker,
// whose memory TBB's pool hands to the next enqueue on another thread, and (2) every
// piece of a Task's state as raced between two runs on different threads. A
// suppression cannot fix (1) without hiding (2) and every real race below it, since
// every task body runs under TBB's `execute` frame. So the TBB code that touches
// the task object is compiled here, uninstrumented, and the one edge TBB provides,
// enqueue happens before run, is told to TSan with a release and an acquire on the
// task's address. Everything the task then does runs in instrumented code.
#include "sluice/runtime/arena_enqueue.h"

#include "sluice/runtime/scheduler.h"

// SLUICE_TSAN_ANNOTATE, not __SANITIZE_THREAD__: this file is built without -fsanitize.
#if defined(SLUICE_TSAN_ANNOTATE)
#include <sanitizer/tsan_interface.h>
#define SLUICE_TSAN_RELEASE(addr) __tsan_release(addr)
#define SLUICE_TSAN_ACQUIRE(addr) __tsan_acquire(addr)
#else
#define SLUICE_TSAN_RELEASE(addr) static_cast<void>(addr)
#define SLUICE_TSAN_ACQUIRE(addr) static_cast<void>(addr)
#endif

namespace sluice {

void ArenaEnqueue(tbb::task_arena& arena, Scheduler& scheduler, Task* task) {
  SLUICE_TSAN_RELEASE(task);
  arena.enqueue([&scheduler, task] {
    SLUICE_TSAN_ACQUIRE(task);
    scheduler.RunEnqueued(task);
  });
}

}  // namespace sluice
