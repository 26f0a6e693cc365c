// A sink that serves its records as Server-Sent Events on the job's HTTP server, for
// live dashboards:
//
//   stream.Sink(sluice::SseSink("/events", schema).EventName("total"));
//   // curl -N http://127.0.0.1:PORT/events
//
// Every record becomes one event whose data is the record as one line of JSON (by the
// RecordSchema), with an id; the parallel instances share one endpoint and one id
// sequence (sse_endpoint.h). A client that reconnects with Last-Event-ID resumes from
// the replay buffer with no gap and no repeat, or is told of the gap by a
// "sluice-gap" event. A client that falls ClientBuffer bytes behind is cut off, so a
// slow reader never slows the job; idle connections get a comment every KeepAlive.
//
// Guarantee: a live view, not a delivery log. Within one run of the job, a client
// connected (or resuming within the replay buffer) sees every event once, in id
// order. The replay buffer is in memory: after a crash, a client that reconnects to
// the restarted job gets a "sluice-gap" event, and the records since the last
// checkpoint are sent again under new ids (the restarted run's).
#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "sluice/io/http/bearer_token.h"
#include "sluice/io/http/job_http_server.h"
#include "sluice/io/http/sse_endpoint.h"
#include "sluice/io/records/json_record_encoder.h"
#include "sluice/io/records/record_schema.h"
#include "sluice/runtime/connector_spec.h"
#include "sluice/runtime/operator.h"
#include "sluice/runtime/status_macros.h"

namespace sluice {

template <class T>
class SseSink final : public SinkSpec<T> {
 public:
  SseSink(std::string path, RecordSchema<T> schema) : schema_(std::move(schema)) {
    settings_.path = std::move(path);
  }

  // The SSE event name (the client's addEventListener type); default none ("message").
  [[nodiscard]] SseSink EventName(std::string name) const {
    SseSink copy = *this;
    copy.settings_.event_name = std::move(name);
    return copy;
  }
  // The last `events` events (and at most `bytes` bytes of them) are kept for clients
  // that reconnect. Default 10,000 events, 4 MiB.
  [[nodiscard]] SseSink ReplayBuffer(size_t events, size_t bytes) const {
    SseSink copy = *this;
    copy.settings_.replay_events = events;
    copy.settings_.replay_bytes = bytes;
    return copy;
  }
  // A client more than `bytes` behind is cut off. Default 8 MiB; at least the replay
  // buffer's bytes, so a resuming client fits.
  [[nodiscard]] SseSink ClientBuffer(size_t bytes) const {
    SseSink copy = *this;
    copy.settings_.client.max_buffered_bytes = bytes;
    return copy;
  }
  // A comment line after this long without an event (0: never). Default 15 s.
  [[nodiscard]] SseSink KeepAlive(std::chrono::milliseconds interval) const {
    SseSink copy = *this;
    copy.settings_.client.keepalive = interval;
    return copy;
  }
  [[nodiscard]] SseSink BearerToken(sluice::BearerToken token) const {
    SseSink copy = *this;
    copy.token_ = std::move(token);
    return copy;
  }

  std::string Kind() const override { return "sse_sink"; }
  absl::Status Validate() const override {
    const std::string& path = settings_.path;
    if (path.empty() || path.front() != '/') {
      return absl::InvalidArgumentError(
          absl::StrCat("SseSink: the path '", path, "' must start with '/'"));
    }
    if (settings_.client.max_buffered_bytes < settings_.replay_bytes ||
        settings_.client.max_buffered_bytes < 1024 ||
        settings_.client.keepalive.count() < 0) {
      return absl::InvalidArgumentError(absl::StrCat(
          "SseSink ", path, ": ClientBuffer (", settings_.client.max_buffered_bytes,
          " bytes) must be at least 1 KiB and at least the replay buffer (",
          settings_.replay_bytes, " bytes), and KeepAlive at least 0"));
    }
    SLUICE_RETURN_IF_ERROR(schema_.Validate());
    return token_.Check(absl::StrCat("SseSink ", path));
  }
  std::unique_ptr<Operator> CreateInstance() const override {
    return std::make_unique<Instance>(*this);
  }

 private:
  class Instance;

  SseEndpointSettings settings_ = DefaultSettings();
  RecordSchema<T> schema_;
  sluice::BearerToken token_;

  static SseEndpointSettings DefaultSettings() {
    SseEndpointSettings settings;
    settings.client.max_buffered_bytes = size_t{8} << 20;
    return settings;
  }
};

template <class T>
class SseSink<T>::Instance final : public Operator {
 public:
  explicit Instance(const SseSink& spec) : spec_(spec), encoder_(spec.schema_) {}

  absl::Status Open(const OperatorContext& context) override {
    const std::string& path = spec_.settings_.path;
    if (context.http == nullptr) {
      return absl::FailedPreconditionError(
          absl::StrCat("SseSink ", path, " runs only inside a job"));
    }
    SseEndpointSettings settings = spec_.settings_;
    SLUICE_ASSIGN_OR_RETURN(settings.bearer_token, spec_.token_.Read());
    std::function<absl::StatusOr<std::shared_ptr<SseEndpoint>>(HttpServer&)> make =
        [&](HttpServer& server) -> absl::StatusOr<std::shared_ptr<SseEndpoint>> {
      auto endpoint = std::make_shared<SseEndpoint>(settings);
      SLUICE_RETURN_IF_ERROR(server.routes().Add(path, endpoint->Route()));
      return endpoint;
    };
    SLUICE_ASSIGN_OR_RETURN(endpoint_, context.http->Shared(path, context.name, make));
    return absl::OkStatus();
  }

  void ProcessBatch(int, BatchPtr batch, Output&) override {
    data_.clear();
    for (const T& record : BatchAs<T>(batch).items) {
      std::string& line = data_.emplace_back();
      encoder_.Append(record, &line);
      line.pop_back();  // the encoder's "\n"
    }
    endpoint_->Publish(data_);
  }

  // Nothing is held between batches: a snapshot records only that the sink exists.
  absl::StatusOr<std::string> SnapshotState(int64_t) override { return std::string(); }

 private:
  SseSink spec_;
  JsonRecordEncoder<T> encoder_;
  std::shared_ptr<SseEndpoint> endpoint_;
  std::vector<std::string> data_;
};

}  // namespace sluice
