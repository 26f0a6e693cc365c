// Polls an HTTP API that only offers pull, for HttpPollSource (http_poll_source.h),
// on a thread of its own with libcurl, and queues what each page held: the rows (the
// JSON objects of the answer's array) and where the next request starts. Two modes:
//
//  - snapshot (default): every `interval`, GET the URL and the pages after it
//    (Link: <...>; rel="next", or a top-level field holding the next URL). The first
//    page's request carries If-None-Match / If-Modified-Since from the last poll, and a
//    304 means nothing changed.
//  - cursor: GET URL?<param>=<cursor>; the answer's top-level <field> is the next
//    cursor. Pages follow one another at once while they hold rows and move the
//    cursor, then wait `interval`.
//
// Statuses: 200 (and 304) are read; no answer, 408, 429 and 5xx (but 501) are
// retried with full-jitter backoff; anything else, or an answer that is not JSON with
// an array where the rows should be, is a permanent failure returned by Take.
// At most 4 pages wait in the queue: a slow job slows the polling. Thread-safe.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "sluice/io/http/http_retry.h"

namespace sluice {

struct HttpPollOptions {
  std::string url;
  std::vector<std::pair<std::string, std::string>> headers;  // on every request
  std::chrono::milliseconds interval{10000};
  std::chrono::milliseconds timeout{10000};  // per request
  std::chrono::milliseconds initial_backoff{100};
  std::chrono::milliseconds max_backoff{10000};
  std::string rows_field;    // "": the answer is the array; else a top-level field
  std::string next_field;    // snapshot mode: a top-level field with the next URL
  std::string cursor_param;  // both set: cursor mode
  std::string cursor_field;
  size_t max_body_bytes = size_t{64} << 20;
  size_t max_pages = 10000;  // per poll, against a next link that loops

  bool cursor_mode() const { return !cursor_param.empty(); }
};

struct HttpPollPage {
  std::vector<std::string> rows;  // each one JSON object, as text
  std::string cursor;             // cursor mode: where the next page starts
  uint64_t poll = 0;              // snapshot mode: which poll (from 1)
  bool last_of_poll = false;      // snapshot mode: the poll's last page
  std::string url;                // for messages
};

class HttpPoller {
 public:
  // `cursor`: cursor mode's starting cursor ("" for the API's first page).
  HttpPoller(HttpPollOptions options, std::string cursor, std::function<void()> wake);
  ~HttpPoller() { Stop(); }
  HttpPoller(const HttpPoller&) = delete;
  HttpPoller& operator=(const HttpPoller&) = delete;

  // The oldest queued page, nullopt if none, an error once polling failed for good.
  absl::StatusOr<std::optional<HttpPollPage>> Take();
  // Requests made, and 304 answers among them.
  uint64_t requests() const;
  uint64_t not_modified() const;
  void Stop();

 private:
  struct Answer {
    long status = 0;
    std::string body;
    std::string etag;
    std::string last_modified;
    std::string next_link;  // from a Link header
    std::string error;      // curl's, when there was no answer
    bool too_large = false;
  };
  void Run();
  bool PollSnapshot(uint64_t poll);  // false: stopped or failed
  bool PollCursor(bool* more);
  // GETs `url`, retrying what may pass; nullopt if stopped or failed for good.
  std::optional<Answer> Fetch(const std::string& url, bool conditional);
  Answer FetchOnce(const std::string& url, bool conditional);
  // Parses a page: its rows, and the field `next` names (if any).
  bool ParsePage(const std::string& url, const Answer& answer, const std::string& next,
                 HttpPollPage* page, std::string* next_value);
  bool Queue(HttpPollPage page);                   // waits for room; false if stopped
  bool Sleep(std::chrono::milliseconds duration);  // false if stopped
  void Fail(std::string message);
  std::string CursorUrl() const;

  const HttpPollOptions options_;
  const std::function<void()> wake_;
  std::string cursor_;  // the poller thread's
  std::string etag_;
  std::string last_modified_;
  HttpBackoff backoff_;

  mutable std::mutex mutex_;
  std::condition_variable changed_;
  std::deque<HttpPollPage> queue_;
  bool stopping_ = false;
  absl::Status failure_;
  uint64_t requests_ = 0;
  uint64_t not_modified_ = 0;
  std::thread thread_;
};

}  // namespace sluice
