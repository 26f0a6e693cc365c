// The one header a sluice user includes.
#pragma once

#include "engine/dataflow.h"
#include "engine/job.h"
#include "engine/job_options.h"
#include "engine/keyed_stream.h"
#include "engine/stream.h"
#include "io/collection_source.h"
#include "io/collector_sink.h"
#include "io/generator_source.h"
#include "io/stdout_sink.h"
#include "operators/collector.h"
