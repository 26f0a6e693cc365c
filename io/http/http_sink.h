// A sink that POSTs records to a URL (a webhook), encoded as JSON by a RecordSchema:
//
//   stream.Sink(sluice::HttpSink("https://hooks.example.com/alerts", schema)
//                   .Batch(500, 1 << 20, std::chrono::milliseconds(100))
//                   .BearerToken(sluice::BearerToken::FromEnv("HOOK_TOKEN"))
//                   .OnFailure(sluice::BadRecordPolicy::DeadLetter("/data/hook.dead")));
//
// Each instance sends batches of at most N records, B bytes or L ms of linger, as
// JSON lines (default), one JSON array, or one record per request, with at most C
// requests in flight (libcurl, webhook_sender.h). Answers: 2xx (and IgnoreStatus)
// are delivered; connection errors, timeouts, 408, 429 and 5xx but 501 (and
// RetryStatus) are retried with exponential backoff and full jitter, honouring
// Retry-After, up to MaxAttempts tries; anything else (and PermanentStatus), or a
// body out of tries, is a permanent failure: under OnFailure(BadRecordPolicy::Fail())
// (the default) the job fails naming the status; under DeadLetter each record of the
// body goes to the dead-letter file with the status and the start of the answer.
// Nothing is dropped silently.
//
// Guarantee: at least once. At a checkpoint barrier the sink sends what it holds and
// waits until every request has been delivered (or dead-lettered) before it takes
// its snapshot, so a checkpoint never completes with records outstanding; when the
// job ends, likewise. After a crash, the records since the last checkpoint are sent
// again. Each request carries an Idempotency-Key naming exactly which records it holds:
// <operator>-<instance>-<checkpoint>-<first>+<count>, records first..first+count-1
// of this instance since checkpoint <checkpoint>. When the records reach the sink in
// the same order after a restore (a deterministic upstream), a request with a key
// seen before holds the same records, so a receiver that keeps the keys of the last
// few checkpoints may drop it; a batch cut elsewhere (by linger or a barrier) gets
// another key and is taken again, which is at least once, never a loss
// (docs/HTTP.md).
#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "sluice/io/http/bearer_token.h"
#include "sluice/io/http/webhook_sender.h"
#include "sluice/io/records/bad_record_policy.h"
#include "sluice/io/records/json_record_encoder.h"
#include "sluice/io/records/record_schema.h"
#include "sluice/runtime/connector_spec.h"
#include "sluice/runtime/operator.h"
#include "sluice/runtime/operator_error.h"
#include "sluice/runtime/status_macros.h"

namespace sluice {

template <class T>
class HttpSink final : public SinkSpec<T> {
 public:
  enum class Format { kJsonLines, kJsonArray, kOneRecordPerRequest };

  HttpSink(std::string url, RecordSchema<T> schema) : schema_(std::move(schema)) {
    options_.url = std::move(url);
  }

  [[nodiscard]] HttpSink WithFormat(Format format) const {
    HttpSink copy = *this;
    copy.format_ = format;
    return copy;
  }
  // A request holds at most `records` records and about `bytes` bytes; a record
  // waits at most `linger` for others (0: each input batch is sent as it comes).
  [[nodiscard]] HttpSink Batch(size_t records, size_t bytes,
                               std::chrono::milliseconds linger) const {
    HttpSink copy = *this;
    copy.max_records_ = records;
    copy.max_bytes_ = bytes;
    copy.linger_ = linger;
    return copy;
  }
  [[nodiscard]] HttpSink MaxInFlight(int requests) const {
    HttpSink copy = *this;
    copy.options_.max_in_flight = requests;
    return copy;
  }
  // Per try (connect, send, answer).
  [[nodiscard]] HttpSink Timeout(std::chrono::milliseconds timeout) const {
    HttpSink copy = *this;
    copy.options_.timeout = timeout;
    return copy;
  }
  [[nodiscard]] HttpSink Retries(int max_attempts,
                                 std::chrono::milliseconds initial_backoff,
                                 std::chrono::milliseconds max_backoff) const {
    HttpSink copy = *this;
    copy.options_.max_attempts = max_attempts;
    copy.options_.initial_backoff = initial_backoff;
    copy.options_.max_backoff = max_backoff;
    return copy;
  }
  [[nodiscard]] HttpSink IgnoreStatus(int status) const {
    HttpSink copy = *this;
    copy.options_.ignore.insert(status);
    return copy;
  }
  [[nodiscard]] HttpSink RetryStatus(int status) const {
    HttpSink copy = *this;
    copy.options_.retry.insert(status);
    return copy;
  }
  [[nodiscard]] HttpSink PermanentStatus(int status) const {
    HttpSink copy = *this;
    copy.options_.permanent.insert(status);
    return copy;
  }
  // A header on every request. For secrets use BearerToken.
  [[nodiscard]] HttpSink Header(std::string name, std::string value) const {
    HttpSink copy = *this;
    copy.options_.headers.emplace_back(std::move(name), std::move(value));
    return copy;
  }
  [[nodiscard]] HttpSink BearerToken(sluice::BearerToken token) const {
    HttpSink copy = *this;
    copy.token_ = std::move(token);
    return copy;
  }
  // What a permanent failure does: Fail (the default) fails the job; DeadLetter
  // writes each record with the reason; Skip counts them.
  [[nodiscard]] HttpSink OnFailure(BadRecordPolicy policy) const {
    HttpSink copy = *this;
    copy.policy_ = std::move(policy);
    return copy;
  }

  std::string Kind() const override { return "http_sink"; }
  absl::Status Validate() const override {
    const std::string& url = options_.url;
    if (!url.starts_with("http://") && !url.starts_with("https://")) {
      return absl::InvalidArgumentError(absl::StrCat(
          "HttpSink: the URL '", url, "' must start with http:// or https://"));
    }
    if (max_records_ < 1 || max_bytes_ < 1 || linger_.count() < 0 ||
        options_.max_in_flight < 1 || options_.max_attempts < 1 ||
        options_.timeout.count() < 1) {
      return absl::InvalidArgumentError(absl::StrCat(
          "HttpSink ", url,
          ": Batch needs records and bytes >= 1 and linger >= 0; MaxInFlight, "
          "Retries' max_attempts and Timeout must be at least 1"));
    }
    SLUICE_RETURN_IF_ERROR(schema_.Validate());
    SLUICE_RETURN_IF_ERROR(policy_.Validate());
    return token_.Check(absl::StrCat("HttpSink ", url));
  }
  std::unique_ptr<Operator> CreateInstance() const override {
    return std::make_unique<Instance>(*this);
  }

 private:
  class Instance;

  WebhookOptions options_;
  RecordSchema<T> schema_;
  Format format_ = Format::kJsonLines;
  size_t max_records_ = 500;
  size_t max_bytes_ = size_t{1} << 20;
  std::chrono::milliseconds linger_{100};
  sluice::BearerToken token_;
  BadRecordPolicy policy_ = BadRecordPolicy::Fail();
};

template <class T>
class HttpSink<T>::Instance final : public Operator {
 public:
  explicit Instance(const HttpSink& spec) : spec_(spec), encoder_(spec.schema_) {}

  absl::Status Open(const OperatorContext& context) override {
    key_prefix_ = absl::StrCat(context.name, "-", context.instance, "-");
    timers_ = context.processing_timers;
    if (context.restored_states != nullptr) ReadEpoch(*context.restored_states, context);
    WebhookOptions options = spec_.options_;
    SLUICE_ASSIGN_OR_RETURN(std::string token, spec_.token_.Read());
    if (!token.empty()) options.headers.emplace_back("Authorization", "Bearer " + token);
    if (spec_.format_ == Format::kJsonArray) options.content_type = "application/json";
    if (spec_.format_ == Format::kOneRecordPerRequest) {
      options.content_type = "application/json";
    }
    SLUICE_RETURN_IF_ERROR(spec_.policy_.Attach());
    attached_ = true;
    sender_ = std::make_unique<WebhookSender>(
        std::move(options),
        [policy = spec_.policy_, url = spec_.options_.url](
            const WebhookRequest& request, const WebhookOutcome& outcome) {
          return ReportFailure(policy, url, request, outcome);
        });
    return absl::OkStatus();
  }

  void ProcessBatch(int, BatchPtr batch, Output&) override {
    for (const T& record : BatchAs<T>(batch).items) {
      Add(record);
      if (pending_.records.size() >= Limit() ||
          pending_.body.size() >= spec_.max_bytes_) {
        Send();
      }
    }
    if (pending_.records.empty()) return;
    if (spec_.linger_.count() == 0 || timers_ == nullptr) return Send();
    if (!timer_armed_) {
      timer_armed_ = true;
      timers_->Register(timers_->NowMillis() + spec_.linger_.count());
    }
  }

  void OnProcessingTime(int64_t, Output&) override {
    timer_armed_ = false;
    if (!pending_.records.empty()) Send();
  }

  void PrepareSnapshotPreBarrier(int64_t, Output&) override {
    if (!pending_.records.empty()) Send();
  }

  // At least once: nothing outstanding when the checkpoint is taken.
  absl::StatusOr<std::string> SnapshotState(int64_t checkpoint_id) override {
    if (!pending_.records.empty()) Send();
    SLUICE_RETURN_IF_ERROR(sender_->Flush());
    epoch_ = checkpoint_id;
    sent_records_ = 0;
    return absl::StrCat(checkpoint_id);
  }

  void Finish(Output&) override {
    if (!pending_.records.empty()) Send();
    absl::Status flushed = sender_->Flush();
    if (!flushed.ok()) throw OperatorError(flushed);
  }

  absl::Status Close() override {
    if (sender_) sender_->Stop();
    if (!attached_) return absl::OkStatus();
    attached_ = false;
    return spec_.policy_.Detach();
  }

 private:
  size_t Limit() const {
    return spec_.format_ == Format::kOneRecordPerRequest ? 1 : spec_.max_records_;
  }

  void Add(const T& record) {
    std::string& body = pending_.body;
    bool array = spec_.format_ == Format::kJsonArray;
    if (array) body += pending_.records.empty() ? "[" : ",";
    size_t start = body.size();
    encoder_.Append(record, &body);
    body.pop_back();  // the encoder's "\n"
    pending_.records.emplace_back(static_cast<uint32_t>(start),
                                  static_cast<uint32_t>(body.size() - start));
    if (!array) body += '\n';
  }

  void Send() {
    if (spec_.format_ == Format::kJsonArray) pending_.body += ']';
    pending_.idempotency_key = absl::StrCat(key_prefix_, epoch_, "-", sent_records_, "+",
                                            pending_.records.size());
    sent_records_ += pending_.records.size();
    absl::Status submitted = sender_->Submit(std::move(pending_));
    pending_ = WebhookRequest();
    if (!submitted.ok()) throw OperatorError(submitted);
  }

  // After a restore: the checkpoint this instance's keys count from.
  void ReadEpoch(const std::vector<std::string>& states, const OperatorContext& context) {
    for (size_t i = 0; i < states.size(); ++i) {
      int64_t id = 0;
      if (absl::SimpleAtoi(states[i], &id) &&
          (static_cast<int>(i) == context.instance || id > epoch_)) {
        epoch_ = std::max(epoch_, id);
      }
    }
  }

  static absl::Status ReportFailure(const BadRecordPolicy& policy, const std::string& url,
                                    const WebhookRequest& request,
                                    const WebhookOutcome& outcome) {
    std::string reason =
        outcome.status == 0
            ? absl::StrCat("no answer after ", outcome.attempts,
                           " tries: ", outcome.error)
            : absl::StrCat("HTTP ", outcome.status, " after ", outcome.attempts,
                           " tries: ", outcome.body_start);
    if (policy.action() == BadRecordPolicy::Action::kFail) {
      return absl::UnavailableError(
          absl::StrCat("HttpSink ", url, ": a request of ", request.records.size(),
                       " records was not delivered (Idempotency-Key ",
                       request.idempotency_key, "): ", reason));
    }
    for (size_t i = 0; i < request.records.size(); ++i) {
      auto [offset, length] = request.records[i];
      SLUICE_RETURN_IF_ERROR(
          policy.Report(absl::StrCat("POST ", url, " ", request.idempotency_key), i + 1,
                        reason, std::string_view(request.body).substr(offset, length)));
    }
    return absl::OkStatus();
  }

  HttpSink spec_;
  JsonRecordEncoder<T> encoder_;
  std::unique_ptr<WebhookSender> sender_;
  WebhookRequest pending_;
  std::string key_prefix_;
  int64_t epoch_ = 0;
  uint64_t sent_records_ = 0;  // since checkpoint epoch_
  ProcessingTimers* timers_ = nullptr;
  bool timer_armed_ = false;
  bool attached_ = false;
};

}  // namespace sluice
