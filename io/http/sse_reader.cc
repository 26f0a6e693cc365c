#include "sluice/io/http/sse_reader.h"

#include <curl/curl.h>

#include <algorithm>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "sluice/io/http/curl_global.h"
#include "sluice/io/http/http_retry.h"

namespace sluice {
namespace {

constexpr size_t kBodyStart = 200;

}  // namespace

SseReader::SseReader(SseReaderOptions options, std::string last_event_id,
                     std::function<void()> wake)
    : options_(std::move(options)),
      wake_(std::move(wake)),
      parser_(options_.max_event_bytes),
      backoff_(options_.initial_backoff, options_.max_backoff) {
  InitCurlOnce();
  parser_.set_last_event_id(std::move(last_event_id));
  thread_ = std::thread([this] { Run(); });
}

void SseReader::Stop() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  changed_.notify_all();
  if (thread_.joinable()) thread_.join();
}

absl::StatusOr<std::vector<SseMessage>> SseReader::Take(size_t max) {
  std::vector<SseMessage> taken;
  {
    std::lock_guard lock(mutex_);
    while (!queue_.empty() && taken.size() < max) {
      queued_bytes_ -= queue_.front().data.size();
      taken.push_back(std::move(queue_.front()));
      queue_.pop_front();
    }
    if (taken.empty() && !failure_.ok()) return failure_;
  }
  changed_.notify_all();  // room for the reader
  return taken;
}

bool SseReader::ended() const {
  std::lock_guard lock(mutex_);
  return ended_ && queue_.empty();
}

uint64_t SseReader::connections() const {
  std::lock_guard lock(mutex_);
  return connections_;
}

void SseReader::Run() {
  int attempt = 0;
  while (true) {
    uint64_t received = 0;
    Outcome outcome = Connect(&received);
    if (outcome == Outcome::kStopped || outcome == Outcome::kFail) return;
    if (outcome == Outcome::kEnd) {
      std::lock_guard lock(mutex_);
      ended_ = true;
      break;
    }
    attempt = received > 0 ? 0 : attempt + 1;
    std::unique_lock lock(mutex_);
    if (changed_.wait_for(lock, Backoff(attempt), [&] { return stopping_; })) return;
  }
  if (wake_) wake_();
}

std::chrono::milliseconds SseReader::Backoff(int attempt) {
  std::chrono::milliseconds delay = backoff_.Delay(attempt);
  if (parser_.retry_ms())
    delay = std::max(delay, std::chrono::milliseconds(*parser_.retry_ms()));
  return delay;
}

void SseReader::Fail(std::string message) {
  {
    std::lock_guard lock(mutex_);
    failure_ = absl::FailedPreconditionError(
        absl::StrCat("SseSource ", options_.url, ": ", message));
  }
  if (wake_) wake_();
}

SseReader::Outcome SseReader::Connect(uint64_t* received) {
  {
    std::lock_guard lock(mutex_);
    if (stopping_) return Outcome::kStopped;
    ++connections_;
  }
  CURL* easy = curl_easy_init();
  curl_slist* headers = curl_slist_append(nullptr, "Accept: text/event-stream");
  headers = curl_slist_append(headers, "Cache-Control: no-cache");
  for (const auto& [name, value] : options_.headers) {
    headers = curl_slist_append(headers, absl::StrCat(name, ": ", value).c_str());
  }
  if (!parser_.last_event_id().empty()) {
    headers = curl_slist_append(
        headers, absl::StrCat("Last-Event-ID: ", parser_.last_event_id()).c_str());
  }
  parser_.Reset();
  easy_ = easy;
  status_ = 0;
  event_stream_ = false;
  body_start_.clear();
  received_ = received;
  curl_easy_setopt(easy, CURLOPT_URL, options_.url.c_str());
  curl_easy_setopt(easy, CURLOPT_HTTPHEADER, headers);
  curl_easy_setopt(easy, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(easy, CURLOPT_CONNECTTIMEOUT_MS,
                   static_cast<long>(options_.connect_timeout.count()));
  // Less than a byte a second for idle_timeout: the connection is dead.
  curl_easy_setopt(easy, CURLOPT_LOW_SPEED_LIMIT, 1L);
  curl_easy_setopt(easy, CURLOPT_LOW_SPEED_TIME,
                   std::max(1L, static_cast<long>(options_.idle_timeout.count() / 1000)));
  curl_easy_setopt(easy, CURLOPT_WRITEFUNCTION, &SseReader::OnBytes);
  curl_easy_setopt(easy, CURLOPT_WRITEDATA, this);
  // Called at least once a second: Stop aborts the transfer within that.
  curl_easy_setopt(easy, CURLOPT_NOPROGRESS, 0L);
  curl_easy_setopt(
      easy, CURLOPT_XFERINFOFUNCTION,
      +[](void* self, curl_off_t, curl_off_t, curl_off_t, curl_off_t) -> int {
        auto* reader = static_cast<SseReader*>(self);
        std::lock_guard lock(reader->mutex_);
        return reader->stopping_ ? 1 : 0;
      });
  curl_easy_setopt(easy, CURLOPT_XFERINFODATA, this);
  CURLcode code = curl_easy_perform(easy);
  long status = 0;
  curl_easy_getinfo(easy, CURLINFO_RESPONSE_CODE, &status);
  if (status_ == 0 && status == 200) {  // an answer without a body: OnBytes never ran
    char* type = nullptr;
    curl_easy_getinfo(easy, CURLINFO_CONTENT_TYPE, &type);
    event_stream_ =
        type != nullptr && absl::StartsWithIgnoreCase(type, "text/event-stream");
    status_ = 200;
  }
  curl_easy_cleanup(easy);
  curl_slist_free_all(headers);
  easy_ = nullptr;
  {
    std::lock_guard lock(mutex_);
    if (stopping_) return Outcome::kStopped;
    if (!failure_.ok()) return Outcome::kFail;
  }
  if (status == 204) return Outcome::kEnd;
  if (status == 200 && !event_stream_ && code != CURLE_OK) {
    return Outcome::kRetry;  // cut off before the head was complete
  }
  if (status == 200 && !event_stream_) {
    Fail("the answer is not text/event-stream");
    return Outcome::kFail;
  }
  if (status != 200 && !RetryableHttpStatus(status)) {
    Fail(absl::StrCat("HTTP ", status, ": ", body_start_));
    return Outcome::kFail;
  }
  return Outcome::kRetry;
}

size_t SseReader::OnBytes(char* data, size_t size, size_t count, void* self) {
  auto* reader = static_cast<SseReader*>(self);
  size_t bytes = size * count;
  if (reader->status_ == 0) {
    long status = 0;
    curl_easy_getinfo(static_cast<CURL*>(reader->easy_), CURLINFO_RESPONSE_CODE, &status);
    char* type = nullptr;
    curl_easy_getinfo(static_cast<CURL*>(reader->easy_), CURLINFO_CONTENT_TYPE, &type);
    reader->status_ = static_cast<int>(status);
    reader->event_stream_ = status == 200 && type != nullptr &&
                            absl::StartsWithIgnoreCase(type, "text/event-stream");
  }
  if (!reader->event_stream_) {
    size_t room = kBodyStart - std::min(kBodyStart, reader->body_start_.size());
    reader->body_start_.append(data, std::min(room, bytes));
    return bytes;
  }
  bool ok = reader->parser_.Feed(std::string_view(data, bytes),
                                 [&](SseMessage& message) { reader->Queue(message); });
  if (!ok) {
    reader->Fail(absl::StrCat("an event or line longer than ",
                              reader->options_.max_event_bytes, " bytes (event id '",
                              reader->parser_.pending_event_id(), "')"));
    return 0;  // aborts the transfer
  }
  std::lock_guard lock(reader->mutex_);
  return reader->stopping_ ? 0 : bytes;
}

void SseReader::Queue(SseMessage& message) {
  bool was_empty;
  {
    std::unique_lock lock(mutex_);
    changed_.wait(lock, [&] {
      return stopping_ || (queue_.size() < options_.max_queued_events &&
                           queued_bytes_ < options_.max_queued_bytes);
    });
    if (stopping_) return;
    was_empty = queue_.empty();
    queued_bytes_ += message.data.size();
    queue_.push_back(std::move(message));
    ++*received_;
  }
  // The source takes everything queued when it runs: one wake per empty queue.
  if (was_empty && wake_) wake_();
}

}  // namespace sluice
