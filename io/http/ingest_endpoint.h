// The shared part of an HttpSource: its route on the job's server and the bounded
// queue between the I/O threads, which decode request bodies into batches, and the
// source's parallel instances, which emit them. Type-independent; the decoding is
// the typed function HttpSource hands in.
//
// A request is answered 202 once its records are in the queue. The queue holds at
// most `max_queued_bytes` of (inflated) request bodies; a request that does not fit
// gets 503 with Retry-After, and nothing of it enters the job.
#pragma once

#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "sluice/io/http/durable_ingest_log.h"
#include "sluice/io/http/http_message.h"
#include "sluice/io/http/http_route_table.h"
#include "sluice/io/http/ingest_payload.h"
#include "sluice/runtime/batch.h"

namespace sluice {

// What decoding one request body gave.
struct IngestDecoded {
  std::vector<BatchPtr> batches;  // the accepted records (accepted mode)
  // Durable mode: the accepted records' texts, views into the payload, in order.
  std::vector<std::string_view> texts;
  uint64_t accepted = 0;
  uint64_t rejected = 0;  // skipped or dead-lettered under the bad-record policy
  // Set when the request is refused as a whole (a bad record under Fail; a dead
  // letter that cannot be written): nothing of it enters the job.
  std::optional<HttpResponse> refusal;
};

struct IngestCounters {
  uint64_t requests_accepted = 0;    // answered 202
  uint64_t requests_refused = 0;     // answered 4xx/5xx by the endpoint
  uint64_t requests_overloaded = 0;  // of those, 503 because the queue was full
  uint64_t records_accepted = 0;
  uint64_t records_rejected = 0;
  size_t queued_bytes = 0;
};

class IngestEndpoint {
 public:
  // `durable`: fill IngestDecoded::texts instead of batches.
  using Decoder = std::function<IngestDecoded(const IngestPayload&, bool durable)>;

  struct Settings {
    std::string path;
    size_t max_body_bytes;     // the server's limit, also for inflated bodies
    size_t max_queued_bytes;   // the bound on what waits for the job
    int retry_after_seconds;   // sent with 503
    std::string bearer_token;  // empty: no auth
    // Set: durable mode, records go to this log and requests are answered 200 once
    // synced (durable_ingest_log.h); the queue is not used.
    std::shared_ptr<DurableIngestLog> durable;
  };

  IngestEndpoint(Settings settings, Decoder decoder)
      : settings_(std::move(settings)), decoder_(std::move(decoder)) {}

  // The route to add to the server.
  HttpRoute Route();
  HttpResponse Handle(HttpRequest& request);

  // For the source's instances. Attach in Open, Detach in Close; once all attached
  // instances have detached, requests get 503 (the job is stopping).
  // Attach returns the instance's id for Pop and Detach.
  int Attach();
  void Detach(int reader);
  // The next batch, or nullopt if the queue is empty; then `wake` is called once (on
  // an I/O thread) when a batch arrives, unless Detach(reader) came first.
  std::optional<BatchPtr> Pop(int reader, std::function<void()> wake);

  IngestCounters counters() const;

 private:
  struct Chunk {
    BatchPtr batch;
    size_t bytes;  // the share of the request's body this batch stands for
  };
  // Reserves room for `bytes` in the queue; false if it would overflow.
  bool Reserve(size_t bytes);
  void Release(size_t bytes);
  HttpResponse Overloaded();
  HttpResponse HandleDurable(HttpRequest& request);
  HttpResponse Accept(IngestDecoded decoded, size_t bytes);
  HttpResponse Refuse(HttpResponse response);

  const Settings settings_;
  const Decoder decoder_;
  mutable std::mutex mutex_;
  std::deque<Chunk> queue_;
  size_t reserved_bytes_ = 0;  // queued, or being decoded
  int attached_ = 0;
  int next_reader_ = 0;
  bool detached_all_ = false;
  // The instances waiting for a batch. Woken under the lock, so that no wake runs
  // after its instance detached (its task may be gone by then).
  std::map<int, std::function<void()>> waiting_;
  IngestCounters counters_;
};

}  // namespace sluice
