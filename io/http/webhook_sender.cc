#include "sluice/io/http/webhook_sender.h"

#include <curl/curl.h>

#include <algorithm>
#include <map>
#include <memory>
#include <random>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "sluice/io/http/curl_global.h"
#include "sluice/io/http/http_retry.h"

namespace sluice {
namespace {

using Clock = std::chrono::steady_clock;
constexpr size_t kBodyStart = 200;

}  // namespace

// One body being delivered: its curl handle and what the answer said.
struct WebhookSender::Pending {
  WebhookRequest request;
  CURL* easy = nullptr;
  curl_slist* headers = nullptr;
  WebhookOutcome outcome;
  int retry_after_seconds = -1;
  Clock::time_point not_before;

  ~Pending() {
    if (easy != nullptr) curl_easy_cleanup(easy);
    if (headers != nullptr) curl_slist_free_all(headers);
  }

  static size_t OnBody(char* data, size_t size, size_t count, void* self) {
    auto* pending = static_cast<Pending*>(self);
    std::string& start = pending->outcome.body_start;
    size_t bytes = size * count;
    start.append(data, std::min(bytes, kBodyStart - std::min(kBodyStart, start.size())));
    return bytes;
  }
  static size_t OnHeader(char* data, size_t size, size_t count, void* self) {
    auto* pending = static_cast<Pending*>(self);
    std::string line(data, size * count);
    size_t colon = line.find(':');
    if (colon != std::string::npos &&
        absl::AsciiStrToLower(line.substr(0, colon)) == "retry-after") {
      int seconds = -1;
      std::string value(absl::StripAsciiWhitespace(line.substr(colon + 1)));
      if (absl::SimpleAtoi(value, &seconds)) pending->retry_after_seconds = seconds;
    }
    return size * count;
  }
};

bool WebhookSender::Delivered(const WebhookOptions& options, int status) {
  return (status >= 200 && status < 300) || options.ignore.contains(status);
}

bool WebhookSender::Retryable(const WebhookOptions& options, int status) {
  if (options.permanent.contains(status)) return false;
  if (options.retry.contains(status)) return true;
  return RetryableHttpStatus(status);
}

WebhookSender::WebhookSender(WebhookOptions options, OnFailure on_failure)
    : options_(std::move(options)),
      on_failure_(std::move(on_failure)),
      backoff_(options_.initial_backoff, options_.max_backoff) {
  InitCurlOnce();
  multi_ = curl_multi_init();
  curl_multi_setopt(static_cast<CURLM*>(multi_), CURLMOPT_MAX_HOST_CONNECTIONS,
                    static_cast<long>(options_.max_in_flight));
  thread_ = std::thread([this] { Run(); });
}

WebhookSender::~WebhookSender() {
  Stop();
  curl_multi_cleanup(static_cast<CURLM*>(multi_));
}

absl::Status WebhookSender::Submit(WebhookRequest request) {
  std::unique_lock lock(mutex_);
  // Enough waiting to keep every connection busy, no more.
  changed_.wait(lock, [&] {
    return stopping_ || !error_.ok() ||
           outstanding_ < 2 * static_cast<size_t>(options_.max_in_flight);
  });
  if (!error_.ok()) return error_;
  if (stopping_) return absl::CancelledError("the webhook sender has stopped");
  queue_.push_back(std::move(request));
  ++outstanding_;
  lock.unlock();
  curl_multi_wakeup(static_cast<CURLM*>(multi_));
  return absl::OkStatus();
}

absl::Status WebhookSender::Flush() {
  std::unique_lock lock(mutex_);
  changed_.wait(lock, [&] { return stopping_ || outstanding_ == 0; });
  if (!error_.ok()) return error_;
  if (outstanding_ != 0) return absl::CancelledError("the webhook sender has stopped");
  return absl::OkStatus();
}

void WebhookSender::Stop() {
  {
    std::lock_guard lock(mutex_);
    if (stopping_ && !thread_.joinable()) return;
    stopping_ = true;
  }
  changed_.notify_all();
  curl_multi_wakeup(static_cast<CURLM*>(multi_));
  if (thread_.joinable()) thread_.join();
}

WebhookSender::Counters WebhookSender::counters() const {
  std::lock_guard lock(mutex_);
  return counters_;
}

void WebhookSender::Start(Pending& pending) {
  CURL* easy = pending.easy = curl_easy_init();
  pending.outcome.body_start.clear();
  pending.retry_after_seconds = -1;
  pending.headers = curl_slist_append(
      pending.headers, absl::StrCat("Content-Type: ", options_.content_type).c_str());
  pending.headers = curl_slist_append(
      pending.headers,
      absl::StrCat("Idempotency-Key: ", pending.request.idempotency_key).c_str());
  pending.headers =
      curl_slist_append(pending.headers, "Expect:");  // no 100-continue wait
  for (const auto& [name, value] : options_.headers) {
    pending.headers =
        curl_slist_append(pending.headers, absl::StrCat(name, ": ", value).c_str());
  }
  curl_easy_setopt(easy, CURLOPT_URL, options_.url.c_str());
  curl_easy_setopt(easy, CURLOPT_POST, 1L);
  curl_easy_setopt(easy, CURLOPT_POSTFIELDS, pending.request.body.data());
  curl_easy_setopt(easy, CURLOPT_POSTFIELDSIZE_LARGE,
                   static_cast<curl_off_t>(pending.request.body.size()));
  curl_easy_setopt(easy, CURLOPT_HTTPHEADER, pending.headers);
  curl_easy_setopt(easy, CURLOPT_TIMEOUT_MS, static_cast<long>(options_.timeout.count()));
  curl_easy_setopt(easy, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(easy, CURLOPT_WRITEFUNCTION, &Pending::OnBody);
  curl_easy_setopt(easy, CURLOPT_WRITEDATA, &pending);
  curl_easy_setopt(easy, CURLOPT_HEADERFUNCTION, &Pending::OnHeader);
  curl_easy_setopt(easy, CURLOPT_HEADERDATA, &pending);
  curl_easy_setopt(easy, CURLOPT_PRIVATE, &pending);
  curl_multi_add_handle(static_cast<CURLM*>(multi_), easy);
}

void WebhookSender::Finish(Pending& pending, int curl_result) {
  CURLcode result = static_cast<CURLcode>(curl_result);
  CURLM* multi = static_cast<CURLM*>(multi_);
  long status = 0;
  if (result == CURLE_OK)
    curl_easy_getinfo(pending.easy, CURLINFO_RESPONSE_CODE, &status);
  pending.outcome.status = static_cast<int>(status);
  pending.outcome.error = result == CURLE_OK ? "" : curl_easy_strerror(result);
  ++pending.outcome.attempts;
  curl_multi_remove_handle(multi, pending.easy);
  curl_easy_cleanup(pending.easy);
  pending.easy = nullptr;
  curl_slist_free_all(pending.headers);
  pending.headers = nullptr;
}

std::chrono::milliseconds WebhookSender::Backoff(const Pending& pending) {
  std::chrono::milliseconds delay = backoff_.Delay(pending.outcome.attempts - 1);
  if (pending.retry_after_seconds >= 0) {
    delay = std::max<std::chrono::milliseconds>(
        delay, std::chrono::seconds(pending.retry_after_seconds));
  }
  return delay;
}

void WebhookSender::Run() {
  CURLM* multi = static_cast<CURLM*>(multi_);
  std::map<CURL*, std::unique_ptr<Pending>> active;
  std::vector<std::unique_ptr<Pending>> retrying;  // waiting for their backoff
  while (true) {
    Clock::time_point now = Clock::now();
    {
      std::lock_guard lock(mutex_);
      if (stopping_) break;
      while (active.size() < static_cast<size_t>(options_.max_in_flight)) {
        auto due = std::find_if(retrying.begin(), retrying.end(),
                                [&](const auto& p) { return p->not_before <= now; });
        std::unique_ptr<Pending> next;
        if (due != retrying.end()) {
          next = std::move(*due);
          retrying.erase(due);
        } else if (!queue_.empty()) {
          next = std::make_unique<Pending>();
          next->request = std::move(queue_.front());
          queue_.pop_front();
        } else {
          break;
        }
        ++counters_.tries;
        Start(*next);
        CURL* easy = next->easy;
        active.emplace(easy, std::move(next));
      }
    }
    int running = 0;
    curl_multi_perform(multi, &running);
    int left = 0;
    while (CURLMsg* message = curl_multi_info_read(multi, &left)) {
      if (message->msg != CURLMSG_DONE) continue;
      auto it = active.find(message->easy_handle);
      std::unique_ptr<Pending> pending = std::move(it->second);
      active.erase(it);
      Finish(*pending, message->data.result);
      int status = pending->outcome.status;
      if (Delivered(options_, status)) {
        Settle(/*delivered=*/true);
      } else if (Retryable(options_, status) &&
                 pending->outcome.attempts < options_.max_attempts) {
        pending->not_before = Clock::now() + Backoff(*pending);
        std::lock_guard lock(mutex_);
        ++counters_.retries;
        retrying.push_back(std::move(pending));
      } else {
        absl::Status reported = on_failure_(pending->request, pending->outcome);
        Settle(/*delivered=*/false, reported);
      }
    }
    // Sleep until a transfer moves, a body is submitted (curl_multi_wakeup) or the
    // next backoff ends.
    int wait_ms = 100;
    for (const auto& p : retrying) {
      auto until = std::chrono::duration_cast<std::chrono::milliseconds>(p->not_before -
                                                                         Clock::now());
      wait_ms = std::clamp(static_cast<int>(until.count()), 0, wait_ms);
    }
    curl_multi_poll(multi, nullptr, 0, wait_ms, nullptr);
  }
  for (auto& [easy, pending] : active) curl_multi_remove_handle(multi, easy);
}

void WebhookSender::Settle(bool delivered, absl::Status reported) {
  {
    std::lock_guard lock(mutex_);
    --outstanding_;
    ++(delivered ? counters_.delivered : counters_.failed);
    if (!reported.ok() && error_.ok()) error_ = std::move(reported);
  }
  changed_.notify_all();
}

}  // namespace sluice
