// The sink of the pipeline and hand-off benchmarks: folds every event into Totals.
#pragma once

#include "benchmarks/benchmark_event.h"
#include "benchmarks/folding_sink.h"

namespace sluice::bench {

using ChecksumSink = FoldingSink<Event, Totals>;

}  // namespace sluice::bench
