// An unbounded source of the records clients POST to a path of the job's HTTP
// server (JobOptions::http; docs/HTTP.md):
//
//   flow.Source(sluice::HttpSource("/orders", schema)
//                   .BearerToken(sluice::BearerToken::FromEnv("ORDERS_TOKEN")))
//
// Bodies are JSON lines, a JSON array or CSV, by Content-Type, optionally gzip
// (ingest_payload.h). Each is decoded on an I/O thread into T by the RecordSchema
// and answered at once:
//   202 {"accepted":N,"rejected":M}  the records are in the job's queue;
//   400  a record is bad under BadRecordPolicy::Fail (the default): the message names
//        its line (or array element) and the reason, and none of the request's
//        records enters the job; under Skip or DeadLetter bad records are counted
//        (and written) instead, and the request gets 202 with the counts;
//   503 with Retry-After  the job is behind: MaxQueuedBytes of bodies wait for it;
//   413, 415, 401  too large, an unknown type or encoding, a missing or wrong token.
//
// Guarantee (accepted mode): a 202 means the records are in this process's memory,
// not on disk. A crash loses the records acknowledged but not yet processed, and a
// job restored from a checkpoint does not get them back: at most once. The parallel
// instances share one queue; the job runs until cancelled.
#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "sluice/io/http/bearer_token.h"
#include "sluice/io/http/ingest_endpoint.h"
#include "sluice/io/http/job_http_server.h"
#include "sluice/io/records/bad_record_policy.h"
#include "sluice/io/records/csv_record_decoder.h"
#include "sluice/io/records/json_record_decoder.h"
#include "sluice/io/records/record_schema.h"
#include "sluice/runtime/batch_pool.h"
#include "sluice/runtime/connector_spec.h"
#include "sluice/runtime/operator.h"
#include "sluice/runtime/status_macros.h"

namespace sluice {

template <class T>
class HttpSource final : public SourceSpec<T> {
 public:
  HttpSource(std::string path, RecordSchema<T> schema)
      : path_(std::move(path)), schema_(std::move(schema)) {}

  // What happens to a record that cannot be decoded (default: Fail, see above).
  [[nodiscard]] HttpSource OnBadRecord(BadRecordPolicy policy) const {
    HttpSource copy = *this;
    copy.policy_ = std::move(policy);
    return copy;
  }
  // Requests must carry "Authorization: Bearer <token>" (401 otherwise).
  [[nodiscard]] HttpSource BearerToken(sluice::BearerToken token) const {
    HttpSource copy = *this;
    copy.token_ = std::move(token);
    return copy;
  }
  // The bound on request bodies waiting for the job (default 64 MiB); past it,
  // requests get 503 with Retry-After: `retry_after`.
  [[nodiscard]] HttpSource MaxQueuedBytes(
      size_t bytes, std::chrono::seconds retry_after = std::chrono::seconds(1)) const {
    HttpSource copy = *this;
    copy.max_queued_bytes_ = bytes;
    copy.retry_after_ = retry_after;
    return copy;
  }

  std::string Kind() const override { return "http_source"; }
  absl::Status Validate() const override {
    if (path_.empty() || path_[0] != '/') {
      return absl::InvalidArgumentError(
          absl::StrCat("HttpSource: the path '", path_, "' must start with '/'"));
    }
    SLUICE_RETURN_IF_ERROR(schema_.Validate());
    SLUICE_RETURN_IF_ERROR(policy_.Validate());
    if (max_queued_bytes_ < 1 || retry_after_.count() < 1) {
      return absl::InvalidArgumentError(
          absl::StrCat("HttpSource ", path_,
                       ": MaxQueuedBytes needs bytes >= 1 and retry_after >= 1 s"));
    }
    absl::StatusOr<std::string> token = token_.Read();
    if (!token.ok()) {
      return absl::FailedPreconditionError(
          absl::StrCat("HttpSource ", path_, ": ", token.status().message()));
    }
    return absl::OkStatus();
  }
  std::unique_ptr<SourceOperator> CreateInstance() const override {
    return std::make_unique<Reader>(*this);
  }

 private:
  class Reader;

  std::string path_;
  RecordSchema<T> schema_;
  BadRecordPolicy policy_ = BadRecordPolicy::Fail();
  sluice::BearerToken token_;
  size_t max_queued_bytes_ = size_t{64} << 20;
  std::chrono::seconds retry_after_{1};
};

// Decodes request bodies into batches of T, on the I/O threads.
template <class T>
class HttpBodyDecoder {
 public:
  HttpBodyDecoder(RecordSchema<T> schema, BadRecordPolicy policy, std::string label,
                  size_t batch_size)
      : schema_(std::move(schema)),
        policy_(std::move(policy)),
        label_(std::move(label)),
        batch_size_(batch_size) {}

  IngestDecoded operator()(const IngestPayload& body) const {
    IngestDecoded out;
    JsonRecordDecoder<T> json(schema_);
    CsvRecordDecoder<T> csv(schema_, ',');
    bool csv_format = body.format() == IngestPayload::Format::kCsv;
    absl::Status framing = body.ForEachRecord([&](std::string_view text, uint64_t n) {
      if (csv_format && body.csv_header() && n == 1) {
        absl::Status header = csv.CheckHeader(text);
        if (!header.ok()) out.refusal = Bad(body, n, header);
        return header.ok();
      }
      if (out.batches.empty() ||
          BatchAs<T>(out.batches.back()).items.size() >= batch_size_) {
        out.batches.push_back(AcquireBatch<T>());
      }
      auto& items = BatchAs<T>(out.batches.back()).items;
      // T(): batch items default-initialise (default_init_allocator.h); a field the
      // text leaves out keeps the struct's default, never an old value.
      items.emplace_back(T());
      absl::Status decoded =
          csv_format ? csv.Decode(text, items.back()) : json.Decode(text, items.back());
      if (decoded.ok()) {
        ++out.accepted;
        return true;
      }
      items.pop_back();
      return Reject(body, n, decoded, text, out);
    });
    if (!framing.ok()) out.refusal = HttpResponse::Error(400, Text(framing));
    if (out.refusal) out.batches.clear();
    if (!out.batches.empty() && BatchAs<T>(out.batches.back()).items.empty()) {
      out.batches.pop_back();
    }
    return out;
  }

 private:
  HttpResponse Bad(const IngestPayload& body, uint64_t n, const absl::Status& why) const {
    return HttpResponse::Error(
        400, absl::StrCat(std::string(body.unit()), " ", n, ": ", Text(why)));
  }
  // False stops the request (refused as a whole).
  bool Reject(const IngestPayload& body, uint64_t n, const absl::Status& why,
              std::string_view text, IngestDecoded& out) const {
    if (policy_.action() == BadRecordPolicy::Action::kFail) {
      out.refusal = Bad(body, n, why);
      return false;
    }
    absl::Status reported = policy_.Report(label_, n, Text(why), text);
    if (!reported.ok()) {
      out.refusal = HttpResponse::Error(500, Text(reported));
      return false;
    }
    ++out.rejected;
    return true;
  }

  static std::string Text(const absl::Status& status) {
    return std::string(status.message());
  }

  RecordSchema<T> schema_;
  BadRecordPolicy policy_;
  std::string label_;
  size_t batch_size_;
};

template <class T>
class HttpSource<T>::Reader final : public SourceOperator {
 public:
  explicit Reader(const HttpSource& spec) : spec_(spec) {}

  absl::Status Open(const OperatorContext& context) override {
    if (context.http == nullptr) {
      return absl::FailedPreconditionError(
          absl::StrCat("HttpSource ", spec_.path_, " runs only inside a job"));
    }
    wake_ = context.wake_source;
    SLUICE_ASSIGN_OR_RETURN(std::string token, spec_.token_.Read());
    SLUICE_RETURN_IF_ERROR(spec_.policy_.Attach());
    attached_policy_ = true;
    std::function<absl::StatusOr<std::shared_ptr<IngestEndpoint>>(HttpServer&)> make =
        [&](HttpServer& server) -> absl::StatusOr<std::shared_ptr<IngestEndpoint>> {
      IngestEndpoint::Settings settings{
          spec_.path_, server.options().max_body_bytes, spec_.max_queued_bytes_,
          static_cast<int>(spec_.retry_after_.count()), token};
      auto endpoint = std::make_shared<IngestEndpoint>(
          std::move(settings),
          HttpBodyDecoder<T>(spec_.schema_, spec_.policy_,
                             absl::StrCat("POST ", spec_.path_), context.batch_size));
      SLUICE_RETURN_IF_ERROR(server.routes().Add(spec_.path_, endpoint->Route()));
      return endpoint;
    };
    SLUICE_ASSIGN_OR_RETURN(endpoint_,
                            context.http->Shared(spec_.path_, context.name, make));
    reader_ = endpoint_->Attach();
    return absl::OkStatus();
  }

  absl::StatusOr<SourceStep> Produce(Output& out) override {
    std::optional<BatchPtr> batch = endpoint_->Pop(reader_, wake_);
    if (batch) {
      out.Emit(std::move(*batch));
      return SourceStep::More();
    }
    // Woken by the endpoint when a request arrives; the timer is a safety net.
    auto wake = std::chrono::steady_clock::now() + std::chrono::milliseconds(200);
    return SourceStep::WaitUntil(
        std::chrono::duration_cast<std::chrono::nanoseconds>(wake.time_since_epoch())
            .count());
  }

  // The queue is in memory only: nothing to record but that the source exists, so
  // jobs with checkpoints may read it (at most once, see above).
  bool SupportsCheckpoints() const override { return true; }
  absl::StatusOr<std::string> SnapshotState() override { return std::string(); }

  absl::Status Close() override {
    if (endpoint_) endpoint_->Detach(reader_);
    endpoint_.reset();
    if (attached_policy_) {
      attached_policy_ = false;
      return spec_.policy_.Detach();
    }
    return absl::OkStatus();
  }

 private:
  HttpSource spec_;
  std::shared_ptr<IngestEndpoint> endpoint_;
  int reader_ = -1;
  std::function<void()> wake_;
  bool attached_policy_ = false;
};

}  // namespace sluice
