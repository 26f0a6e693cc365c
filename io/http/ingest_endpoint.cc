#include "sluice/io/http/ingest_endpoint.h"

#include <utility>

#include "absl/strings/str_cat.h"

namespace sluice {

HttpRoute IngestEndpoint::Route() {
  HttpRoute route;
  route.methods = {"POST"};
  route.content_types = IngestPayload::MediaTypes();
  route.bearer_token = settings_.bearer_token;
  route.handler = [this](HttpRequest& request) { return Handle(request); };
  return route;
}

HttpResponse IngestEndpoint::Handle(HttpRequest& request) {
  if (settings_.durable) return HandleDurable(request);
  size_t wire_bytes = request.body.size();
  if (wire_bytes > settings_.max_queued_bytes) {
    return Refuse(HttpResponse::Error(
        413, absl::StrCat("the body is larger than the ingest queue (",
                          settings_.max_queued_bytes, " bytes)")));
  }
  // Room is reserved before decoding, so concurrent requests cannot overshoot the
  // bound together; a gzip body reserves again once its inflated size is known.
  if (!Reserve(wire_bytes)) return Overloaded();
  auto payload = IngestPayload::Read(request, settings_.max_body_bytes);
  if (auto* refusal = std::get_if<HttpResponse>(&payload)) {
    Release(wire_bytes);
    return Refuse(std::move(*refusal));
  }
  const IngestPayload& body = std::get<IngestPayload>(payload);
  size_t bytes = body.text().size();
  if (bytes > wire_bytes && !Reserve(bytes - wire_bytes)) {
    Release(wire_bytes);
    return Overloaded();
  }
  if (bytes < wire_bytes) Release(wire_bytes - bytes);
  IngestDecoded decoded = decoder_(body, /*durable=*/false);
  if (decoded.refusal) {
    Release(bytes);
    return Refuse(std::move(*decoded.refusal));
  }
  return Accept(std::move(decoded), bytes);
}

HttpResponse IngestEndpoint::HandleDurable(HttpRequest& request) {
  std::string key(request.Header("idempotency-key"));
  if (key.size() > 255)
    return Refuse(HttpResponse::Error(400, "Idempotency-Key longer than 255 bytes"));
  DurableIngestLog& log = *settings_.durable;
  if (!key.empty()) {
    if (std::optional<std::string> first = log.Replay(key)) {
      HttpResponse replay = HttpResponse::Json(200, std::move(*first));
      replay.headers.emplace_back("Idempotent-Replayed", "true");
      return replay;
    }
    if (!log.Claim(key)) {
      return Refuse(HttpResponse::Error(
          409, "a request with this Idempotency-Key is being appended; retry it"));
    }
  }
  auto payload = IngestPayload::Read(request, settings_.max_body_bytes);
  if (auto* refusal = std::get_if<HttpResponse>(&payload)) {
    if (!key.empty()) log.Release(key);
    return Refuse(std::move(*refusal));
  }
  const IngestPayload& body = std::get<IngestPayload>(payload);
  IngestDecoded decoded = decoder_(body, /*durable=*/true);
  if (decoded.refusal) {
    if (!key.empty()) log.Release(key);
    return Refuse(std::move(*decoded.refusal));
  }
  std::string answer = absl::StrCat("{\"accepted\":", decoded.accepted,
                                    ",\"rejected\":", decoded.rejected, "}\n");
  char format = body.format() == IngestPayload::Format::kCsv ? 'c' : 'j';
  absl::Status appended = log.Append(key, format, decoded.texts, answer);
  if (!appended.ok()) {
    HttpResponse failed = HttpResponse::Error(
        503, absl::StrCat("the records could not be stored: ", appended.message()));
    failed.headers.emplace_back("Retry-After",
                                absl::StrCat(settings_.retry_after_seconds));
    return Refuse(std::move(failed));
  }
  std::lock_guard lock(mutex_);
  ++counters_.requests_accepted;
  counters_.records_accepted += decoded.accepted;
  counters_.records_rejected += decoded.rejected;
  return HttpResponse::Json(200, std::move(answer));
}

HttpResponse IngestEndpoint::Accept(IngestDecoded decoded, size_t bytes) {
  {
    std::lock_guard lock(mutex_);
    if (detached_all_) {
      reserved_bytes_ -= bytes;
      ++counters_.requests_refused;
      return HttpResponse::Error(503, "the job is stopping");
    }
    size_t batches = decoded.batches.size();
    size_t left = bytes;
    for (size_t i = 0; i < batches; ++i) {
      size_t share = i + 1 == batches ? left : bytes / batches;
      left -= share;
      queue_.push_back(Chunk{std::move(decoded.batches[i]), share});
    }
    if (batches == 0) reserved_bytes_ -= bytes;
    ++counters_.requests_accepted;
    counters_.records_accepted += decoded.accepted;
    counters_.records_rejected += decoded.rejected;
    if (batches > 0) {
      for (auto& [reader, wake] : waiting_) wake();
      waiting_.clear();
    }
  }
  return HttpResponse::Json(202, absl::StrCat("{\"accepted\":", decoded.accepted,
                                              ",\"rejected\":", decoded.rejected, "}\n"));
}

HttpResponse IngestEndpoint::Refuse(HttpResponse response) {
  std::lock_guard lock(mutex_);
  ++counters_.requests_refused;
  return response;
}

HttpResponse IngestEndpoint::Overloaded() {
  HttpResponse response = HttpResponse::Error(
      503, absl::StrCat("the job is behind: ", settings_.max_queued_bytes,
                        " bytes are waiting for it; retry later"));
  response.headers.emplace_back("Retry-After",
                                absl::StrCat(settings_.retry_after_seconds));
  std::lock_guard lock(mutex_);
  ++counters_.requests_refused;
  ++counters_.requests_overloaded;
  return response;
}

bool IngestEndpoint::Reserve(size_t bytes) {
  std::lock_guard lock(mutex_);
  if (reserved_bytes_ + bytes > settings_.max_queued_bytes) return false;
  reserved_bytes_ += bytes;
  return true;
}

void IngestEndpoint::Release(size_t bytes) {
  std::lock_guard lock(mutex_);
  reserved_bytes_ -= bytes;
}

int IngestEndpoint::Attach() {
  std::lock_guard lock(mutex_);
  ++attached_;
  return next_reader_++;
}

void IngestEndpoint::Detach(int reader) {
  std::lock_guard lock(mutex_);
  waiting_.erase(reader);
  if (--attached_ == 0) detached_all_ = true;
}

std::optional<BatchPtr> IngestEndpoint::Pop(int reader, std::function<void()> wake) {
  std::lock_guard lock(mutex_);
  if (queue_.empty()) {
    if (!detached_all_) waiting_[reader] = std::move(wake);
    return std::nullopt;
  }
  Chunk chunk = std::move(queue_.front());
  queue_.pop_front();
  reserved_bytes_ -= chunk.bytes;
  return std::move(chunk.batch);
}

IngestCounters IngestEndpoint::counters() const {
  std::lock_guard lock(mutex_);
  IngestCounters counters = counters_;
  counters.queued_bytes = reserved_bytes_;
  return counters;
}

}  // namespace sluice
