// A Server-Sent Events client for the tests, on a raw loopback socket, that parses
// the stream by the WHATWG rules itself (fields id, event, data; comment lines; CR,
// LF or CRLF line ends), independently of the server's code.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "sluice/tests/http/http_test_client.h"

namespace sluice::testing {

struct SseEvent {
  std::string id;
  std::string event;  // "" when the stream named none
  std::string data;
};

class SseClient {
 public:
  // Connects and sends GET `path`; `receive_buffer` > 0 shrinks the socket's
  // receive buffer first (a client that stops reading then stalls the server soon).
  SseClient(int port, const std::string& path, const std::string& last_event_id = "",
            int receive_buffer = 0)
      : connection_(port, receive_buffer) {
    std::string request = absl::StrCat("GET ", path, " HTTP/1.1\r\nHost: 127.0.0.1\r\n");
    if (!last_event_id.empty()) {
      absl::StrAppend(&request, "Last-Event-ID: ", last_event_id, "\r\n");
    }
    request += "\r\n";
    (void)connection_.Send(request);
  }
  SseClient(const SseClient&) = delete;
  SseClient& operator=(const SseClient&) = delete;

  void Close() { connection_.Close(); }

  // Reads the status line and headers; the status, or 0.
  int ReadHead(std::chrono::milliseconds timeout = std::chrono::seconds(10)) {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    size_t end;
    while ((end = buffer_.find("\r\n\r\n")) == std::string::npos) {
      if (!Fill(deadline)) return 0;
    }
    head_ = buffer_.substr(0, end);
    buffer_.erase(0, end + 4);
    int status = 0;
    if (head_.size() >= 12) (void)absl::SimpleAtoi(head_.substr(9, 3), &status);
    return status;
  }
  const std::string& head() const { return head_; }

  // The next event, or nullopt if none arrives within `timeout` or the stream ends.
  std::optional<SseEvent> Next(
      std::chrono::milliseconds timeout = std::chrono::seconds(10)) {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    while (true) {
      std::optional<std::string> line;
      while (!(line = Line())) {
        if (!Fill(deadline)) return std::nullopt;
      }
      if (line->empty()) {
        if (!has_data_) continue;  // a blank line without data dispatches nothing
        SseEvent event{last_id_, event_, data_};
        event_.clear();
        data_.clear();
        has_data_ = false;
        return event;
      }
      if ((*line)[0] == ':') {
        ++comments_;
        continue;
      }
      size_t colon = line->find(':');
      std::string field = line->substr(0, colon);
      std::string value;
      if (colon != std::string::npos) {
        value = line->substr(colon + 1);
        if (!value.empty() && value[0] == ' ') value.erase(0, 1);
      }
      if (field == "id") last_id_ = value;
      if (field == "event") event_ = value;
      if (field == "data") {
        if (has_data_) data_ += '\n';
        data_ += value;
        has_data_ = true;
      }
    }
  }

  // True if the server ends the stream within `timeout` (events before the end are
  // read and dropped, and counted in `skipped`).
  bool EndsWithin(std::chrono::milliseconds timeout, size_t* skipped = nullptr) {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline) {
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
          deadline - std::chrono::steady_clock::now());
      if (Next(left)) {
        if (skipped != nullptr) ++*skipped;
        continue;
      }
      return connection_.eof();
    }
    return connection_.eof();
  }

  int comments() const { return comments_; }

 private:
  // A complete line from the buffer, without its end, or nullopt.
  std::optional<std::string> Line() {
    size_t end = buffer_.find_first_of("\r\n");
    if (end == std::string::npos) return std::nullopt;
    // A CR last in the buffer may be the first half of a CRLF.
    if (buffer_[end] == '\r' && end + 1 == buffer_.size() && !connection_.eof())
      return std::nullopt;
    std::string line = buffer_.substr(0, end);
    size_t skip =
        buffer_[end] == '\r' && end + 1 < buffer_.size() && buffer_[end + 1] == '\n' ? 2
                                                                                     : 1;
    buffer_.erase(0, end + skip);
    return line;
  }

  bool Fill(std::chrono::steady_clock::time_point deadline) {
    return connection_.Fill(deadline);
  }

  RawConnection connection_;
  std::string& buffer_ = connection_.buffer();
  std::string head_;
  std::string last_id_;
  std::string event_;
  std::string data_;
  bool has_data_ = false;
  int comments_ = 0;
};

}  // namespace sluice::testing
