// The Server-Sent Events endpoint of an SseSink (sse_sink.h), shared by its parallel
// instances: GET answers text/event-stream, and every published event goes to every
// connected client. Each event has an id "<run>-<n>": <run> names this run of the
// endpoint, <n> counts its events from 1. The last events are kept in a replay
// buffer (bounded in events and bytes), so a client that reconnects with
// Last-Event-ID gets exactly the events after that one, with no gap and no repeat,
// then the live ones. When that is impossible (the id fell out of the buffer, or
// names an earlier run of the job), the client first gets an event named
// "sluice-gap", with data {"missed":N} (null when unknown), then the whole buffer.
// Clients without Last-Event-ID start with the next event. Thread-safe.
#pragma once

#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "sluice/io/http/http_route_table.h"
#include "sluice/io/http/http_stream.h"

namespace sluice {

struct SseEndpointSettings {
  std::string path;
  std::string bearer_token;  // "": none
  std::string event_name;    // "": events without an event: line ("message")
  size_t replay_events = 10000;
  size_t replay_bytes = size_t{4} << 20;
  HttpStreamOptions client;  // per client: bytes it may fall behind, keepalive
};

struct SseCounters {
  uint64_t events = 0;
  uint64_t clients_connected = 0;
  uint64_t clients_cut_off = 0;  // fell more than the client buffer behind
  uint64_t resumed = 0;          // reconnected with a Last-Event-ID
  uint64_t gaps = 0;             // ... that the replay buffer could not serve
  size_t clients_open = 0;
};

class SseEndpoint {
 public:
  explicit SseEndpoint(SseEndpointSettings settings);

  HttpRoute Route();
  // Sends one event per element of `data` to every client, with the next ids, in
  // order. A line break in an element splits it into several data: lines, which a
  // client joins again with "\n".
  void Publish(const std::vector<std::string>& data);
  SseCounters counters() const;
  const std::string& run() const { return run_; }

 private:
  struct LastEventId {
    std::string run;
    uint64_t number = 0;
  };
  HttpResponse Handle(const HttpRequest& request);
  // Sends the replay the client needs and adds it to the live clients, in one step
  // under the lock, so no event falls between the two.
  void Attach(const std::shared_ptr<HttpStream>& stream,
              const std::optional<LastEventId>& last);
  std::string Replay(const LastEventId& last);
  void AppendEvent(uint64_t number, std::string_view data, std::string* out) const;

  const SseEndpointSettings settings_;
  const std::string run_;
  mutable std::mutex mutex_;
  uint64_t next_number_ = 1;
  struct Event {
    uint64_t number;
    std::string bytes;
  };
  std::deque<Event> replay_;
  size_t replay_bytes_ = 0;
  std::vector<std::shared_ptr<HttpStream>> clients_;
  SseCounters counters_;
};

}  // namespace sluice
