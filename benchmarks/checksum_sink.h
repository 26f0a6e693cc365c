// The sink of the pipeline and hand-off benchmarks: folds every event into Totals.
#pragma once

#include "sluice/benchmarks/benchmark_event.h"
#include "sluice/benchmarks/folding_sink.h"

namespace sluice::bench {

using ChecksumSink = FoldingSink<Event, Totals>;

}  // namespace sluice::bench
