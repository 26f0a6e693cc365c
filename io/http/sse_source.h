// A source that reads a remote Server-Sent Events stream (text/event-stream), one
// record per event, its data decoded as one JSON object by a RecordSchema:
//
//   flow.Source(sluice::SseSource("https://example.com/stream", schema)
//                   .BearerToken(sluice::BearerToken::FromEnv("STREAM_TOKEN")))
//
// It reconnects when the connection fails or ends, with exponential backoff and full
// jitter (at least the stream's "retry:" time), sending Last-Event-ID, so a server
// that keeps recent events (an SseSink, say) resumes after the last one received
// (sse_reader.h has the statuses). One instance reads (a stream cannot be split).
//
// Guarantee: the id of the last event emitted is in each checkpoint, and a restored
// job reconnects with it. Against a server that replays after Last-Event-ID (and
// still holds that event), every event reaches the job exactly once across restores;
// what a server cannot replay is lost, and a stream without ids restarts live. Bad
// events follow the bad-record policy (default Fail: the job fails naming the URL,
// the event id and the reason).
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <utility>

#include "absl/strings/str_cat.h"
#include "sluice/io/http/bearer_token.h"
#include "sluice/io/http/sse_reader.h"
#include "sluice/io/records/bad_record_policy.h"
#include "sluice/io/records/json_record_decoder.h"
#include "sluice/io/records/record_schema.h"
#include "sluice/runtime/batch_sizer.h"
#include "sluice/runtime/connector_spec.h"
#include "sluice/runtime/operator.h"
#include "sluice/runtime/status_macros.h"

namespace sluice {

template <class T>
class SseSource final : public SourceSpec<T> {
 public:
  SseSource(std::string url, RecordSchema<T> schema) : schema_(std::move(schema)) {
    options_.url = std::move(url);
  }

  // A header on every request. For secrets use BearerToken.
  [[nodiscard]] SseSource Header(std::string name, std::string value) const {
    SseSource copy = *this;
    copy.options_.headers.emplace_back(std::move(name), std::move(value));
    return copy;
  }
  [[nodiscard]] SseSource BearerToken(sluice::BearerToken token) const {
    SseSource copy = *this;
    copy.token_ = std::move(token);
    return copy;
  }
  // Backoff between reconnects: full jitter up to initial * 2^attempt, at most `max`.
  // Default 100 ms, 10 s.
  [[nodiscard]] SseSource Reconnect(std::chrono::milliseconds initial,
                                    std::chrono::milliseconds max) const {
    SseSource copy = *this;
    copy.options_.initial_backoff = initial;
    copy.options_.max_backoff = max;
    return copy;
  }
  // No byte (not even a keepalive) for this long: reconnect. Default 60 s.
  [[nodiscard]] SseSource IdleTimeout(std::chrono::milliseconds timeout) const {
    SseSource copy = *this;
    copy.options_.idle_timeout = timeout;
    return copy;
  }
  // A larger event fails the stream (permanently). Default 1 MiB.
  [[nodiscard]] SseSource MaxEventBytes(size_t bytes) const {
    SseSource copy = *this;
    copy.options_.max_event_bytes = bytes;
    return copy;
  }
  [[nodiscard]] SseSource OnBadRecord(BadRecordPolicy policy) const {
    SseSource copy = *this;
    copy.policy_ = std::move(policy);
    return copy;
  }

  std::string Kind() const override { return "sse_source"; }
  int MaxParallelism() const override { return 1; }
  absl::Status Validate() const override {
    const std::string& url = options_.url;
    if (!url.starts_with("http://") && !url.starts_with("https://")) {
      return absl::InvalidArgumentError(absl::StrCat(
          "SseSource: the URL '", url, "' must start with http:// or https://"));
    }
    if (options_.initial_backoff.count() < 1 ||
        options_.max_backoff < options_.initial_backoff ||
        options_.idle_timeout.count() < 1000 || options_.max_event_bytes < 1) {
      return absl::InvalidArgumentError(absl::StrCat(
          "SseSource ", url,
          ": Reconnect needs 1 ms <= initial <= max, IdleTimeout at least 1 s and "
          "MaxEventBytes at least 1"));
    }
    SLUICE_RETURN_IF_ERROR(schema_.Validate());
    SLUICE_RETURN_IF_ERROR(policy_.Validate());
    return token_.Check(absl::StrCat("SseSource ", url));
  }
  std::unique_ptr<SourceOperator> CreateInstance() const override {
    return std::make_unique<Instance>(*this);
  }

 private:
  class Instance;

  SseReaderOptions options_;
  RecordSchema<T> schema_;
  sluice::BearerToken token_;
  BadRecordPolicy policy_ = BadRecordPolicy::Fail();
};

template <class T>
class SseSource<T>::Instance final : public SourceOperator {
 public:
  explicit Instance(const SseSource& spec) : spec_(spec), decoder_(spec.schema_) {}

  absl::Status Open(const OperatorContext& context) override {
    sizer_ = BatchSizer(context);
    SLUICE_RETURN_IF_ERROR(spec_.policy_.Attach());
    attached_ = true;
    SseReaderOptions options = spec_.options_;
    SLUICE_ASSIGN_OR_RETURN(std::string token, spec_.token_.Read());
    if (!token.empty()) options.headers.emplace_back("Authorization", "Bearer " + token);
    if (context.restored_states != nullptr && !context.restored_states->empty()) {
      last_id_ = (*context.restored_states)[0];
    }
    options_ = std::move(options);
    wake_ = context.wake_source;
    return absl::OkStatus();
  }

  absl::StatusOr<SourceStep> Produce(Output& out) override {
    // Started here, not in Open: the reader wakes the task, which it may do only
    // from the first Produce on.
    if (!reader_) reader_ = std::make_unique<SseReader>(options_, last_id_, wake_);
    SLUICE_ASSIGN_OR_RETURN(std::vector<SseMessage> events, reader_->Take(sizer_.Next()));
    if (events.empty()) {
      if (reader_->ended()) return SourceStep::End();
      // Woken by the reader when an event arrives; the timer is a safety net.
      auto wake = std::chrono::steady_clock::now() + std::chrono::milliseconds(200);
      return SourceStep::WaitUntil(
          std::chrono::duration_cast<std::chrono::nanoseconds>(wake.time_since_epoch())
              .count());
    }
    BatchPtr batch = AcquireBatch<T>();
    auto& items = BatchAs<T>(batch).items;
    for (const SseMessage& event : events) {
      ++count_;
      T& record = items.emplace_back(T());
      absl::Status decoded = decoder_.Decode(event.data, record);
      if (!decoded.ok()) {
        items.pop_back();
        SLUICE_RETURN_IF_ERROR(Reject(event, decoded));
      }
    }
    last_id_ = events.back().id;
    if (!items.empty()) out.Emit(std::move(batch));
    return SourceStep::More();
  }

  bool SupportsCheckpoints() const override { return true; }
  absl::StatusOr<std::string> SnapshotState() override { return last_id_; }

  absl::Status Close() override {
    reader_.reset();  // joins its thread: no wake after this
    if (!attached_) return absl::OkStatus();
    attached_ = false;
    return spec_.policy_.Detach();
  }

 private:
  absl::Status Reject(const SseMessage& event, const absl::Status& why) {
    std::string where = absl::StrCat("SSE ", spec_.options_.url);
    if (spec_.policy_.action() == BadRecordPolicy::Action::kFail) {
      return absl::InvalidArgumentError(absl::StrCat("SseSource ", spec_.options_.url,
                                                     ": event id '", event.id,
                                                     "': ", why.message()));
    }
    return spec_.policy_.Report(where, count_, std::string(why.message()), event.data);
  }

  SseSource spec_;
  JsonRecordDecoder<T> decoder_;
  SseReaderOptions options_;
  std::function<void()> wake_;
  std::unique_ptr<SseReader> reader_;
  BatchSizer sizer_;
  std::string last_id_;
  uint64_t count_ = 0;  // events read, for dead-letter positions
  bool attached_ = false;
};

}  // namespace sluice
