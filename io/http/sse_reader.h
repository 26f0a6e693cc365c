// Reads a remote text/event-stream (Server-Sent Events) on a thread of its own, with
// libcurl: connects, parses (SseParser), and queues the events for SseSource, at most
// `max_queued_events` and `max_queued_bytes` (a full queue stops reading the socket:
// TCP backpressure).
// When the connection fails or ends it reconnects after a backoff (exponential with
// full jitter, at least the stream's "retry:" time), sending Last-Event-ID, so a
// server that keeps recent events resumes after the last one received. Statuses:
// 200 with text/event-stream reads; 204 ends the stream (the source ends, as the
// SSE standard says a client must stop); no answer, 408, 429 and 5xx are retried;
// any other status, another Content-Type, or an event over `max_event_bytes` is a
// permanent failure, returned by Take. Thread-safe.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "sluice/io/http/http_retry.h"
#include "sluice/io/http/sse_parser.h"

namespace sluice {

struct SseReaderOptions {
  std::string url;
  std::vector<std::pair<std::string, std::string>> headers;  // on every request
  std::chrono::milliseconds initial_backoff{100};
  std::chrono::milliseconds max_backoff{10000};
  std::chrono::milliseconds connect_timeout{10000};
  // No byte (not even a keepalive comment) for this long: reconnect.
  std::chrono::milliseconds idle_timeout{60000};
  size_t max_queued_events = 10000;
  size_t max_queued_bytes = size_t{64} << 20;  // of event data
  size_t max_event_bytes = size_t{1} << 20;
};

class SseReader {
 public:
  // `last_event_id`: sent on the first connection too (a restored position); "" for
  // none. `wake` is called after events are queued (from the reader's thread).
  SseReader(SseReaderOptions options, std::string last_event_id,
            std::function<void()> wake);
  ~SseReader() { Stop(); }
  SseReader(const SseReader&) = delete;
  SseReader& operator=(const SseReader&) = delete;

  // Up to `max` queued events, oldest first; none if nothing is queued. An error once
  // the stream failed permanently (after the events queued before it).
  absl::StatusOr<std::vector<SseMessage>> Take(size_t max);
  // The server answered 204 and everything queued was taken.
  bool ended() const;
  // Connections made (the first one and every reconnect).
  uint64_t connections() const;
  void Stop();

 private:
  enum class Outcome { kRetry, kEnd, kFail, kStopped };
  void Run();
  // One connection, until it ends. `received` counts its events.
  Outcome Connect(uint64_t* received);
  void Queue(SseMessage& message);
  std::chrono::milliseconds Backoff(int attempt);
  void Fail(std::string message);

  static size_t OnBytes(char* data, size_t size, size_t count, void* self);

  const SseReaderOptions options_;
  const std::function<void()> wake_;
  SseParser parser_;  // the reader thread's
  HttpBackoff backoff_;
  void* easy_ = nullptr;  // the connection's CURL handle, for OnBytes
  int status_ = 0;        // of the connection's answer, once its body starts
  bool event_stream_ = false;
  std::string body_start_;  // of an answer that is not a stream, for the error
  uint64_t* received_ = nullptr;

  mutable std::mutex mutex_;
  std::condition_variable changed_;
  std::deque<SseMessage> queue_;
  size_t queued_bytes_ = 0;
  bool stopping_ = false;
  bool ended_ = false;
  absl::Status failure_;
  uint64_t connections_ = 0;
  std::thread thread_;
};

}  // namespace sluice
