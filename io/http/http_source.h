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
// Guarantees (docs/HTTP.md). Accepted mode (the default): a 202 means the records
// are in this process's memory, not on disk; a crash loses those not yet processed,
// and a restore does not get them back: at most once. The parallel instances share
// one queue. Durable(log_dir, topic): each request's records are appended to a log
// topic as one batch and fsynced before the answer, 200; the dataflow reads the
// topic with its offsets in checkpoints, so acknowledged records survive kill -9 and
// are processed exactly once after a restore; a repeated Idempotency-Key gets the
// first answer and appends nothing. Either way the job runs until cancelled.
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
#include "sluice/io/log/log_source.h"
#include "sluice/io/log/log_source_reader.h"
#include "sluice/io/records/bad_record_policy.h"
#include "sluice/io/records/csv_record_decoder.h"
#include "sluice/io/records/json_record_decoder.h"
#include "sluice/io/records/record_schema.h"
#include "sluice/runtime/batch_pool.h"
#include "sluice/runtime/connector_spec.h"
#include "sluice/runtime/operator.h"
#include "sluice/runtime/status_macros.h"

namespace sluice {

// A status's message as a std::string (absl's string_view is not std's here).
inline std::string StatusText(const absl::Status& status) {
  return std::string(status.message());
}

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

  // Durable mode: each request's records are appended to `topic` of the embedded log
  // in `log_dir` (it must exist: sluice-log create) and synced before the answer,
  // which is then 200; the dataflow reads the topic (one instance per partition at
  // most), its offsets in checkpoints. See "Guarantees" above.
  [[nodiscard]] HttpSource Durable(std::string log_dir, std::string topic) const {
    HttpSource copy = *this;
    copy.log_dir_ = std::move(log_dir);
    copy.topic_ = std::move(topic);
    return copy;
  }

  // Sets `field` of every record to its arrival time (milliseconds since the epoch):
  // when the request was decoded, or in durable mode when it was appended to the log
  // (so a restored job reads the same times). For event time from the arrival, put
  // AssignTimestamps on this field after the source.
  [[nodiscard]] HttpSource ArrivalTime(int64_t T::*field) const {
    HttpSource copy = *this;
    copy.arrival_ = field;
    return copy;
  }

  std::string Kind() const override { return "http_source"; }
  int MaxParallelism() const override {
    if (topic_.empty()) return SourceSpec<T>::MaxParallelism();
    auto config = log::LogTopic::ReadConfig(log_dir_, topic_);
    return config.ok() ? config->partitions : 1;  // Validate says why
  }
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
    if (!topic_.empty()) {
      auto config = log::LogTopic::ReadConfig(log_dir_, topic_);
      if (!config.ok()) {
        return absl::FailedPreconditionError(absl::StrCat(
            "HttpSource ", path_, ": durable ingest needs log topic '", topic_, "' in ",
            log_dir_,
            " (create it with sluice-log create): ", StatusText(config.status())));
      }
    }
    return token_.Check(absl::StrCat("HttpSource ", path_));
  }
  std::unique_ptr<SourceOperator> CreateInstance() const override {
    if (topic_.empty()) return std::make_unique<Reader>(*this);
    return std::make_unique<DurableReader>(*this);
  }

 private:
  class Reader;
  class DurableReader;
  // The endpoint this instance's job serves, made by the first instance to open.
  absl::StatusOr<std::shared_ptr<IngestEndpoint>> OpenEndpoint(
      const OperatorContext& context) const;

  std::string path_;
  RecordSchema<T> schema_;
  BadRecordPolicy policy_ = BadRecordPolicy::Fail();
  sluice::BearerToken token_;
  size_t max_queued_bytes_ = size_t{64} << 20;
  std::chrono::seconds retry_after_{1};
  std::string log_dir_;  // durable mode when topic_ is set
  std::string topic_;
  int64_t T::*arrival_ = nullptr;
};

// Decodes request bodies into batches of T, on the I/O threads.
template <class T>
class HttpBodyDecoder {
 public:
  HttpBodyDecoder(RecordSchema<T> schema, BadRecordPolicy policy, std::string label,
                  size_t batch_size, int64_t T::*arrival = nullptr)
      : schema_(std::move(schema)),
        policy_(std::move(policy)),
        label_(std::move(label)),
        batch_size_(batch_size),
        arrival_(arrival) {}

  // `durable`: the records are only checked, and their texts kept for the log.
  IngestDecoded operator()(const IngestPayload& body, bool durable) const {
    IngestDecoded out;
    JsonRecordDecoder<T> json(schema_);
    CsvRecordDecoder<T> csv(schema_, ',');
    bool csv_format = body.format() == IngestPayload::Format::kCsv;
    T scratch;
    // The header is the first line that is not blank (blank lines are skipped).
    bool header_pending = csv_format && body.csv_header();
    const int64_t now_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                               std::chrono::system_clock::now().time_since_epoch())
                               .count();
    absl::Status framing = body.ForEachRecord([&](std::string_view text, uint64_t n) {
      if (header_pending) {
        header_pending = false;
        absl::Status header = csv.CheckHeader(text);
        if (!header.ok()) out.refusal = Bad(body, n, header);
        return header.ok();
      }
      // T(): batch items default-initialise (default_init_allocator.h); a field the
      // text leaves out keeps the struct's default, never an old value.
      T& record = durable ? (scratch = T()) : NextSlot(out);
      absl::Status decoded =
          csv_format ? csv.Decode(text, record) : json.Decode(text, record);
      if (decoded.ok()) {
        ++out.accepted;
        if (durable) out.texts.push_back(text);
        if (arrival_ != nullptr && !durable) record.*arrival_ = now_ms;
        return true;
      }
      if (!durable) BatchAs<T>(out.batches.back()).items.pop_back();
      return Reject(body, n, decoded, text, out);
    });
    if (!framing.ok()) out.refusal = HttpResponse::Error(400, StatusText(framing));
    if (out.refusal) {
      out.batches.clear();
      out.texts.clear();
    }
    if (!out.batches.empty() && BatchAs<T>(out.batches.back()).items.empty()) {
      out.batches.pop_back();
    }
    return out;
  }

 private:
  // A new default record at the end of the last batch (a new batch when it is full).
  T& NextSlot(IngestDecoded& out) const {
    if (out.batches.empty() ||
        BatchAs<T>(out.batches.back()).items.size() >= batch_size_) {
      out.batches.push_back(AcquireBatch<T>());
    }
    return BatchAs<T>(out.batches.back()).items.emplace_back(T());
  }
  HttpResponse Bad(const IngestPayload& body, uint64_t n, const absl::Status& why) const {
    return HttpResponse::Error(
        400, absl::StrCat(std::string(body.unit()), " ", n, ": ", StatusText(why)));
  }
  // False stops the request (refused as a whole).
  bool Reject(const IngestPayload& body, uint64_t n, const absl::Status& why,
              std::string_view text, IngestDecoded& out) const {
    if (policy_.action() == BadRecordPolicy::Action::kFail) {
      out.refusal = Bad(body, n, why);
      return false;
    }
    absl::Status reported = policy_.Report(label_, n, StatusText(why), text);
    if (!reported.ok()) {
      out.refusal = HttpResponse::Error(500, StatusText(reported));
      return false;
    }
    ++out.rejected;
    return true;
  }

  RecordSchema<T> schema_;
  BadRecordPolicy policy_;
  std::string label_;
  size_t batch_size_;
  int64_t T::*arrival_;  // null: no arrival time
};

template <class T>
class HttpSource<T>::Reader final : public SourceOperator {
 public:
  explicit Reader(const HttpSource& spec) : spec_(spec) {}

  absl::Status Open(const OperatorContext& context) override {
    wake_ = context.wake_source;
    SLUICE_RETURN_IF_ERROR(spec_.policy_.Attach());
    attached_policy_ = true;
    SLUICE_ASSIGN_OR_RETURN(endpoint_, spec_.OpenEndpoint(context));
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

template <class T>
absl::StatusOr<std::shared_ptr<IngestEndpoint>> HttpSource<T>::OpenEndpoint(
    const OperatorContext& context) const {
  if (context.http == nullptr) {
    return absl::FailedPreconditionError(
        absl::StrCat("HttpSource ", path_, " runs only inside a job"));
  }
  SLUICE_ASSIGN_OR_RETURN(std::string token, token_.Read());
  std::function<absl::StatusOr<std::shared_ptr<IngestEndpoint>>(HttpServer&)> make =
      [&](HttpServer& server) -> absl::StatusOr<std::shared_ptr<IngestEndpoint>> {
    IngestEndpoint::Settings settings{path_,
                                      server.options().max_body_bytes,
                                      max_queued_bytes_,
                                      static_cast<int>(retry_after_.count()),
                                      token,
                                      nullptr};
    if (!topic_.empty()) {
      SLUICE_ASSIGN_OR_RETURN(settings.durable, DurableIngestLog::Open(log_dir_, topic_));
    }
    auto endpoint = std::make_shared<IngestEndpoint>(
        std::move(settings),
        HttpBodyDecoder<T>(schema_, policy_, absl::StrCat("POST ", path_),
                           context.batch_size, arrival_));
    SLUICE_RETURN_IF_ERROR(server.routes().Add(path_, endpoint->Route()));
    return endpoint;
  };
  return context.http->Shared(path_, context.name, make);
}

// Durable mode: the endpoint appends to the log; this instance reads its share of the
// topic's partitions (LogSourceReader, following) and decodes each record again into
// T. Its position is the log offsets, in checkpoints.
template <class T>
class HttpSource<T>::DurableReader final : public SourceOperator {
 public:
  explicit DurableReader(const HttpSource& spec)
      : spec_(spec),
        log_reader_(LogSource::Settings{spec.log_dir_,
                                        spec.topic_,
                                        LogSource::Settings::Start::kEarliest,
                                        {},
                                        /*follow=*/true,
                                        std::chrono::milliseconds(10)}),
        json_(spec.schema_),
        csv_(spec.schema_, ',') {}

  absl::Status Open(const OperatorContext& context) override {
    SLUICE_RETURN_IF_ERROR(spec_.policy_.Attach());
    attached_policy_ = true;
    SLUICE_ASSIGN_OR_RETURN(endpoint_, spec_.OpenEndpoint(context));
    reader_ = endpoint_->Attach();
    return log_reader_.Open(context);
  }

  absl::StatusOr<SourceStep> Produce(Output& out) override {
    capture_.out = &out;
    absl::StatusOr<SourceStep> step = log_reader_.Produce(capture_);
    if (!step.ok()) return step;
    for (BatchPtr& batch : capture_.batches) {
      SLUICE_RETURN_IF_ERROR(Decode(BatchAs<LogMessage>(batch), out));
    }
    capture_.batches.clear();
    return step;
  }

  bool SupportsCheckpoints() const override { return true; }
  absl::StatusOr<std::string> SnapshotState() override {
    return log_reader_.SnapshotState();
  }
  absl::Status Close() override {
    if (endpoint_) endpoint_->Detach(reader_);
    endpoint_.reset();
    absl::Status closed = log_reader_.Close();
    if (attached_policy_) {
      attached_policy_ = false;
      absl::Status detached = spec_.policy_.Detach();
      if (closed.ok()) closed = detached;
    }
    return closed;
  }

 private:
  // Keeps the log reader's batches for decoding; control elements pass through.
  struct Capture final : Output {
    void Emit(BatchPtr batch) override { batches.push_back(std::move(batch)); }
    void EmitControl(ElementKind kind, int64_t value) override {
      out->EmitControl(kind, value);
    }
    bool HasRoom() const override { return out->HasRoom(); }
    Output* out = nullptr;
    std::vector<BatchPtr> batches;
  };

  absl::Status Decode(const Batch<LogMessage>& messages, Output& out) {
    BatchPtr batch = AcquireBatch<T>();
    auto& items = BatchAs<T>(batch).items;
    BatchAs<T>(batch).split = messages.split;
    for (const LogMessage& message : messages.items) {
      std::string_view text(message.value);
      absl::Status decoded = absl::DataLossError("an empty record");
      if (!text.empty()) {
        char format = text.front();
        text.remove_prefix(1);
        T& record = items.emplace_back(T());
        decoded = format == 'c' ? csv_.Decode(text, record) : json_.Decode(text, record);
        // The time it was appended: the same in every run that reads it.
        if (spec_.arrival_ != nullptr) record.*spec_.arrival_ = message.timestamp;
      }
      if (!decoded.ok()) {
        return absl::DataLossError(
            absl::StrCat("HttpSource ", spec_.path_, ": the record at log topic ",
                         spec_.topic_, " partition ", message.partition, " offset ",
                         message.offset, " no longer decodes: ", StatusText(decoded)));
      }
    }
    out.Emit(std::move(batch));
    return absl::OkStatus();
  }

  HttpSource spec_;
  LogSourceReader log_reader_;
  JsonRecordDecoder<T> json_;
  CsvRecordDecoder<T> csv_;
  Capture capture_;
  std::shared_ptr<IngestEndpoint> endpoint_;
  int reader_ = -1;
  bool attached_policy_ = false;
};

}  // namespace sluice
