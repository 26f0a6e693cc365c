#include "sluice/io/http/http_poller.h"

#include <curl/curl.h>
#include <simdjson.h>

#include <algorithm>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "sluice/io/http/curl_global.h"
#include "sluice/io/http/http_retry.h"

namespace sluice {
namespace {

constexpr size_t kMaxQueuedPages = 4;
constexpr size_t kBodyStart = 200;

// The URL of rel="next" in a Link header value, or "".
std::string NextFromLink(std::string_view value) {
  std::vector<std::string> parts = absl::StrSplit(std::string(value), ',');
  for (std::string_view part : parts) {
    size_t open = part.find('<');
    size_t close = part.find('>');
    if (open == std::string_view::npos || close == std::string_view::npos) continue;
    std::string params = absl::AsciiStrToLower(std::string(part.substr(close + 1)));
    if (absl::StrContains(params, "rel=\"next\"") ||
        absl::StrContains(params, "rel=next")) {
      return std::string(part.substr(open + 1, close - open - 1));
    }
  }
  return std::string();
}

// `link` resolved against `base`: absolute, from the host ("/path"), or a new query
// ("?page=2"); "" if it is none of these.
std::string Resolve(const std::string& base, const std::string& link) {
  if (link.starts_with("http://") || link.starts_with("https://")) return link;
  size_t scheme = base.find("://");
  if (link.starts_with("/") && scheme != std::string::npos) {
    size_t path = base.find('/', scheme + 3);
    return base.substr(0, path) + link;
  }
  if (link.starts_with("?")) return base.substr(0, base.find('?')) + link;
  return std::string();
}

// What a transfer's callbacks collect.
struct Transfer {
  std::string body;
  size_t max_body = 0;
  bool too_large = false;
  std::string etag;
  std::string last_modified;
  std::string link;
  std::function<bool()> stopping;
};

size_t OnBody(char* data, size_t size, size_t count, void* user) {
  auto* transfer = static_cast<Transfer*>(user);
  size_t bytes = size * count;
  if (transfer->body.size() + bytes > transfer->max_body) {
    transfer->too_large = true;
    return 0;
  }
  transfer->body.append(data, bytes);
  return bytes;
}

size_t OnHeader(char* data, size_t size, size_t count, void* user) {
  auto* transfer = static_cast<Transfer*>(user);
  std::string_view line(data, size * count);
  size_t colon = line.find(':');
  if (colon == std::string_view::npos) return size * count;
  std::string name = absl::AsciiStrToLower(std::string(line.substr(0, colon)));
  std::string value(absl::StripAsciiWhitespace(std::string(line.substr(colon + 1))));
  if (name == "etag") transfer->etag = value;
  if (name == "last-modified") transfer->last_modified = value;
  if (name == "link") transfer->link = value;
  return size * count;
}

int OnProgress(void* user, curl_off_t, curl_off_t, curl_off_t, curl_off_t) {
  return static_cast<Transfer*>(user)->stopping() ? 1 : 0;
}

}  // namespace

HttpPoller::HttpPoller(HttpPollOptions options, std::string cursor,
                       std::function<void()> wake)
    : options_(std::move(options)),
      wake_(std::move(wake)),
      cursor_(std::move(cursor)),
      backoff_(options_.initial_backoff, options_.max_backoff) {
  InitCurlOnce();
  thread_ = std::thread([this] { Run(); });
}

void HttpPoller::Stop() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  changed_.notify_all();
  if (thread_.joinable()) thread_.join();
}

absl::StatusOr<std::optional<HttpPollPage>> HttpPoller::Take() {
  std::optional<HttpPollPage> page;
  {
    std::lock_guard lock(mutex_);
    if (queue_.empty()) {
      if (!failure_.ok()) return failure_;
      return page;
    }
    page = std::move(queue_.front());
    queue_.pop_front();
  }
  changed_.notify_all();
  return page;
}

uint64_t HttpPoller::requests() const {
  std::lock_guard lock(mutex_);
  return requests_;
}

uint64_t HttpPoller::not_modified() const {
  std::lock_guard lock(mutex_);
  return not_modified_;
}

void HttpPoller::Run() {
  for (uint64_t poll = 1;; ++poll) {
    if (options_.cursor_mode()) {
      bool more = false;
      if (!PollCursor(&more)) return;
      if (more) continue;
    } else if (!PollSnapshot(poll)) {
      return;
    }
    if (!Sleep(options_.interval)) return;
  }
}

bool HttpPoller::PollSnapshot(uint64_t poll) {
  std::string url = options_.url;
  for (size_t n = 0; n < options_.max_pages; ++n) {
    std::optional<Answer> answer = Fetch(url, /*conditional=*/n == 0);
    if (!answer) return false;
    if (answer->status == 304) return true;  // nothing changed since the last poll
    HttpPollPage page;
    std::string next;
    if (!ParsePage(url, *answer, options_.next_field, &page, &next)) return false;
    if (n == 0) {
      etag_ = answer->etag;
      last_modified_ = answer->last_modified;
    }
    if (next.empty()) next = answer->next_link;
    std::string next_url;
    if (!next.empty()) {
      next_url = Resolve(url, next);
      if (next_url.empty()) {
        Fail(absl::StrCat("the next page link '", next.substr(0, kBodyStart), "' of ",
                          url, " is not an absolute URL, a path or a query"));
        return false;
      }
    }
    page.poll = poll;
    page.last_of_poll = next_url.empty();
    if (!Queue(std::move(page))) return false;
    if (next_url.empty()) return true;
    url = next_url;
  }
  Fail(absl::StrCat("more than ", options_.max_pages, " pages in one poll"));
  return false;
}

bool HttpPoller::PollCursor(bool* more) {
  std::string url = CursorUrl();
  std::optional<Answer> answer = Fetch(url, /*conditional=*/false);
  if (!answer) return false;
  HttpPollPage page;
  std::string next;
  if (!ParsePage(url, *answer, options_.cursor_field, &page, &next)) return false;
  // No new cursor (or the same one): the feed is drained for now.
  *more = !page.rows.empty() && !next.empty() && next != cursor_;
  if (!next.empty()) cursor_ = next;
  page.cursor = cursor_;
  if (page.rows.empty()) return true;
  return Queue(std::move(page));
}

std::string HttpPoller::CursorUrl() const {
  if (cursor_.empty()) return options_.url;
  char* escaped =
      curl_easy_escape(nullptr, cursor_.data(), static_cast<int>(cursor_.size()));
  std::string url =
      absl::StrCat(options_.url, options_.url.find('?') == std::string::npos ? "?" : "&",
                   options_.cursor_param, "=", escaped);
  curl_free(escaped);
  return url;
}

std::optional<HttpPoller::Answer> HttpPoller::Fetch(const std::string& url,
                                                    bool conditional) {
  for (int attempt = 0;; ++attempt) {
    Answer answer = FetchOnce(url, conditional);
    {
      std::lock_guard lock(mutex_);
      if (stopping_) return std::nullopt;
      ++requests_;
      if (answer.status == 304) ++not_modified_;
    }
    if (answer.too_large) {
      Fail(absl::StrCat(url, ": the answer is larger than ", options_.max_body_bytes,
                        " bytes"));
      return std::nullopt;
    }
    if (answer.status == 200 || (conditional && answer.status == 304)) return answer;
    if (!RetryableHttpStatus(answer.status)) {
      Fail(absl::StrCat(url, ": HTTP ", answer.status, ": ",
                        answer.body.substr(0, kBodyStart)));
      return std::nullopt;
    }
    if (!Sleep(backoff_.Delay(attempt))) return std::nullopt;
  }
}

HttpPoller::Answer HttpPoller::FetchOnce(const std::string& url, bool conditional) {
  Transfer transfer;
  transfer.max_body = options_.max_body_bytes;
  transfer.stopping = [this] {
    std::lock_guard lock(mutex_);
    return stopping_;
  };
  curl_slist* headers = curl_slist_append(nullptr, "Accept: application/json");
  for (const auto& [name, value] : options_.headers) {
    headers = curl_slist_append(headers, absl::StrCat(name, ": ", value).c_str());
  }
  if (conditional && !etag_.empty()) {
    headers = curl_slist_append(headers, absl::StrCat("If-None-Match: ", etag_).c_str());
  }
  if (conditional && !last_modified_.empty()) {
    headers = curl_slist_append(
        headers, absl::StrCat("If-Modified-Since: ", last_modified_).c_str());
  }
  CURL* easy = curl_easy_init();
  curl_easy_setopt(easy, CURLOPT_URL, url.c_str());
  curl_easy_setopt(easy, CURLOPT_HTTPHEADER, headers);
  curl_easy_setopt(easy, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(easy, CURLOPT_ACCEPT_ENCODING, "");  // gzip and deflate
  curl_easy_setopt(easy, CURLOPT_TIMEOUT_MS, static_cast<long>(options_.timeout.count()));
  curl_easy_setopt(easy, CURLOPT_WRITEFUNCTION, &OnBody);
  curl_easy_setopt(easy, CURLOPT_WRITEDATA, &transfer);
  curl_easy_setopt(easy, CURLOPT_HEADERFUNCTION, &OnHeader);
  curl_easy_setopt(easy, CURLOPT_HEADERDATA, &transfer);
  curl_easy_setopt(easy, CURLOPT_NOPROGRESS, 0L);
  curl_easy_setopt(easy, CURLOPT_XFERINFOFUNCTION, &OnProgress);
  curl_easy_setopt(easy, CURLOPT_XFERINFODATA, &transfer);
  CURLcode code = curl_easy_perform(easy);
  Answer answer;
  if (code == CURLE_OK) curl_easy_getinfo(easy, CURLINFO_RESPONSE_CODE, &answer.status);
  if (code != CURLE_OK) answer.error = curl_easy_strerror(code);
  curl_easy_cleanup(easy);
  curl_slist_free_all(headers);
  answer.too_large = transfer.too_large;
  answer.body = std::move(transfer.body);
  answer.etag = std::move(transfer.etag);
  answer.last_modified = std::move(transfer.last_modified);
  answer.next_link = NextFromLink(transfer.link);
  return answer;
}

bool HttpPoller::ParsePage(const std::string& url, const Answer& answer,
                           const std::string& next, HttpPollPage* page,
                           std::string* next_value) {
  simdjson::dom::parser parser;
  simdjson::dom::element root;
  if (parser.parse(answer.body).get(root) != simdjson::SUCCESS) {
    Fail(absl::StrCat(url,
                      ": the answer is not JSON: ", answer.body.substr(0, kBodyStart)));
    return false;
  }
  simdjson::dom::element rows = root;
  if (!options_.rows_field.empty() &&
      root[options_.rows_field].get(rows) != simdjson::SUCCESS) {
    Fail(absl::StrCat(url, ": the answer has no field '", options_.rows_field, "'"));
    return false;
  }
  simdjson::dom::array array;
  if (rows.get_array().get(array) != simdjson::SUCCESS) {
    Fail(absl::StrCat(url, ": ",
                      options_.rows_field.empty() ? std::string("the answer")
                                                  : "'" + options_.rows_field + "'",
                      " is not a JSON array"));
    return false;
  }
  for (simdjson::dom::element row : array) page->rows.push_back(simdjson::minify(row));
  page->url = url;
  std::string_view value;
  if (!next.empty() && root.is_object() &&
      root[next].get_string().get(value) == simdjson::SUCCESS) {
    *next_value = std::string(value);
  }
  return true;
}

bool HttpPoller::Queue(HttpPollPage page) {
  {
    std::unique_lock lock(mutex_);
    changed_.wait(lock, [&] { return stopping_ || queue_.size() < kMaxQueuedPages; });
    if (stopping_) return false;
    queue_.push_back(std::move(page));
  }
  if (wake_) wake_();
  return true;
}

bool HttpPoller::Sleep(std::chrono::milliseconds duration) {
  std::unique_lock lock(mutex_);
  return !changed_.wait_for(lock, duration, [&] { return stopping_; });
}

void HttpPoller::Fail(std::string message) {
  {
    std::lock_guard lock(mutex_);
    failure_ = absl::FailedPreconditionError(
        absl::StrCat("HttpPollSource ", std::move(message)));
  }
  if (wake_) wake_();
}

}  // namespace sluice
