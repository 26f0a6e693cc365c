// Queues a task's next run on a tbb::task_arena: the one place sluice hands work
// to oneTBB (see arena_enqueue.cc for why it is its own file).
#pragma once

#include <tbb/task_arena.h>

namespace sluice {

class Scheduler;
class Task;

// Runs scheduler.RunEnqueued(task) on one of the arena's threads, soon.
void ArenaEnqueue(tbb::task_arena& arena, Scheduler& scheduler, Task* task);

}  // namespace sluice
