// Posts request bodies to one URL with libcurl's multi interface: one thread per sink
// instance drives up to `max_in_flight` transfers over reused connections. Each body
// is tried until its answer is a success, an ignored status or a permanent failure,
// or its tries are used up; retryable failures wait an exponential backoff with full
// jitter, or the Retry-After the receiver sent, whichever is longer. Thread-safe.
//
// libcurl rather than a Beast client: it brings connection reuse, timeouts, proxies
// and HTTPS (with the system's CA store) in one well-kept library, and its multi
// interface runs many transfers on one thread without a thread per request.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "sluice/io/http/http_retry.h"

namespace sluice {

struct WebhookOptions {
  std::string url;
  std::string content_type = "application/x-ndjson";
  std::vector<std::pair<std::string, std::string>> headers;  // name, value
  int max_in_flight = 4;
  std::chrono::milliseconds timeout = std::chrono::seconds(10);  // per try
  int max_attempts = 8;
  std::chrono::milliseconds initial_backoff = std::chrono::milliseconds(100);
  std::chrono::milliseconds max_backoff = std::chrono::seconds(10);
  // Statuses that count as delivered besides 2xx (the receiver does not want them).
  std::set<int> ignore;
  // Statuses retried besides connection errors, timeouts, 408, 429 and 5xx but 501.
  std::set<int> retry;
  // Statuses never retried even if in the defaults (a 503 that means "gone", say).
  std::set<int> permanent;
};

// One body to deliver.
struct WebhookRequest {
  std::string body;
  std::string idempotency_key;
  // Where each record's text is in `body` (offset, length), so that a failure can
  // report the records one by one.
  std::vector<std::pair<uint32_t, uint32_t>> records;
};

// How a try ended, for the classification and the dead letter.
struct WebhookOutcome {
  int status = 0;          // 0: no HTTP answer (connection error, timeout)
  std::string error;       // curl's message when status is 0
  std::string body_start;  // the first 200 bytes of the answer
  int attempts = 0;
};

class WebhookSender {
 public:
  // Called on the sender's thread for a body that could not be delivered; its status
  // becomes the sender's error if not OK (the job then fails).
  using OnFailure =
      std::function<absl::Status(const WebhookRequest&, const WebhookOutcome&)>;

  WebhookSender(WebhookOptions options, OnFailure on_failure);
  ~WebhookSender();  // Stop()
  WebhookSender(const WebhookSender&) = delete;
  WebhookSender& operator=(const WebhookSender&) = delete;

  // Queues a body; blocks while max_in_flight bodies are already waiting or in
  // flight (backpressure). Returns the sender's error, if one happened.
  absl::Status Submit(WebhookRequest request);
  // Blocks until every body submitted so far is delivered, ignored or failed.
  absl::Status Flush();
  // Gives up what is not delivered yet and joins the thread. Idempotent.
  void Stop();

  struct Counters {
    uint64_t delivered = 0;  // bodies
    uint64_t failed = 0;
    uint64_t tries = 0;
    uint64_t retries = 0;
  };
  Counters counters() const;

  // Whether `status` is retried under `options` (0: no answer).
  static bool Retryable(const WebhookOptions& options, int status);
  static bool Delivered(const WebhookOptions& options, int status);

 private:
  struct Pending;
  void Run();
  // Adds `pending` to the multi handle with a new easy handle.
  void Start(Pending& pending);
  // Reads the answer of a finished try and frees its easy handle.
  void Finish(Pending& pending, int curl_result);
  // How long to wait before the next try: full jitter, at least Retry-After.
  std::chrono::milliseconds Backoff(const Pending& pending);
  // A body is done with (delivered, ignored or failed).
  void Settle(bool delivered, absl::Status reported = absl::OkStatus());

  const WebhookOptions options_;
  const OnFailure on_failure_;
  mutable std::mutex mutex_;
  std::condition_variable changed_;
  std::deque<WebhookRequest> queue_;
  size_t outstanding_ = 0;  // queued or in flight
  bool stopping_ = false;
  absl::Status error_;
  Counters counters_;
  void* multi_ = nullptr;  // CURLM*, kept out of this header
  HttpBackoff backoff_;    // the sender thread's only
  std::thread thread_;
};

}  // namespace sluice
