// What a running operator instance knows about where it runs.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "sluice/runtime/operator_metrics.h"
#include "sluice/runtime/processing_clock.h"

namespace sluice {

class JobHttpServer;
class SourcePacer;
class WatermarkAlignment;

struct OperatorContext {
  std::string name;     // the operator's (user-set or generated) name
  int instance = 0;     // this parallel instance, 0-based
  int parallelism = 1;  // number of parallel instances of this operator
  int max_key_groups = 128;
  size_t batch_size = 1024;
  // Non-zero: sources cut batches at pseudo-random sizes in [1, batch_size] from this
  // seed, so tests can check that results do not depend on batch boundaries.
  uint64_t batch_jitter_seed = 0;
  // This instance's metrics, for operators that count late events or state size.
  // Null when the operator runs outside a job (the operator harness).
  OperatorMetrics* metrics = nullptr;
  // Processing time and processing-time timers (calls back Operator::
  // OnProcessingTime). Null outside a job unless a test sets one.
  ProcessingTimers* processing_timers = nullptr;
  // The job's watermark alignment groups (WatermarkStrategy::WithAlignment).
  WatermarkAlignment* alignment = nullptr;
  // For operators chained to a source: lets them hold the source back (alignment).
  // Null elsewhere.
  SourcePacer* source_pacer = nullptr;
  // Set when the job restores a checkpoint or savepoint: what each instance of this
  // operator returned from SnapshotState in the run that took it (index: that
  // instance; empty string: nothing), possibly at another parallelism. Null on a
  // fresh start. Read it in Open.
  const std::vector<std::string>* restored_states = nullptr;
  // The job takes checkpoints (JobOptions::checkpoints): a transactional sink holds
  // its output back until the checkpoint after it completes.
  bool checkpointing = false;
  // The job's HTTP server, for sources and sinks with endpoints (io/http); null
  // outside a job.
  JobHttpServer* http = nullptr;
  // For sources fed from other threads (HTTP): wakes the source's task after its
  // Produce returned WaitUntil. Thread-safe; set by the task before Open. Do not call
  // it after Close returns (the task may be gone), nor before the first Produce.
  std::function<void()> wake_source;
};

}  // namespace sluice
