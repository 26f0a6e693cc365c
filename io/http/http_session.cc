#include "sluice/io/http/http_session.h"

#include <algorithm>
#include <boost/asio/dispatch.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/write.hpp>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"

namespace sluice {
namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = boost::beast::http;

HttpSession::~HttpSession() { Close(); }

void HttpSession::Run() {
  asio::dispatch(stream_.get_executor(),
                 [self = shared_from_this()] { self->ReadHeader(); });
}

void HttpSession::Refuse(HttpResponse response) {
  asio::dispatch(stream_.get_executor(),
                 [self = shared_from_this(), response = std::move(response)]() mutable {
                   self->Write(std::move(response), /*keep_alive=*/false);
                 });
}

void HttpSession::CloseIfIdle() {
  asio::dispatch(stream_.get_executor(), [self = shared_from_this()] {
    // A stream never finishes by itself: end it once what is queued is written (Stop
    // aborts what is still open a second later).
    if (self->body_stream_) return self->body_stream_->Close();
    if (self->between_requests_ && self->buffer_.size() == 0) self->Close();
  });
}

void HttpSession::Abort() {
  asio::dispatch(stream_.get_executor(), [self = shared_from_this()] { self->Close(); });
}

void HttpSession::ReadHeader() {
  between_requests_ = true;
  parser_.emplace();
  parser_->header_limit(static_cast<uint32_t>(host_.options->max_header_bytes));
  parser_->body_limit(host_.options->max_body_bytes);
  ExpiresAfter(host_.options->header_timeout);
  http::async_read_header(
      stream_, buffer_, *parser_,
      [self = shared_from_this()](beast::error_code ec, size_t) { self->OnHeader(ec); });
}

std::optional<HttpResponse> HttpSession::ReadFailure(beast::error_code ec,
                                                     bool body) const {
  if (TimedOut(ec)) {
    // Nothing of a next request arrived: an idle keep-alive connection, closed
    // quietly. Part of one arrived: a client too slow to be served (or slowloris).
    if (!body && !parser_->got_some() && buffer_.size() == 0) return std::nullopt;
    return HttpResponse::Error(408, body ? "the request body did not arrive in time"
                                         : "the request headers did not arrive in time");
  }
  if (ec == http::error::header_limit) {
    return HttpResponse::Error(
        431, absl::StrCat("request headers larger than ", host_.options->max_header_bytes,
                          " bytes"));
  }
  if (ec == http::error::body_limit) {
    return HttpResponse::Error(
        413, absl::StrCat("request body larger than ", host_.options->max_body_bytes,
                          " bytes"));
  }
  if (ec.category() == http::make_error_code(http::error::bad_target).category() &&
      ec != http::error::end_of_stream && ec != http::error::partial_message) {
    return HttpResponse::Error(400, absl::StrCat("malformed request: ", ec.message()));
  }
  return std::nullopt;  // the peer closed or reset the connection
}

void HttpSession::OnHeader(beast::error_code ec) {
  between_requests_ = false;
  if (ec) {
    if (auto answer = ReadFailure(ec, /*body=*/false)) return Write(*answer, false);
    return Close();
  }
  request_ = Head();
  if (host_.stopping->load()) {
    return Write(HttpResponse::Error(503, "the server is stopping"), false);
  }
  if (auto length = parser_->content_length();
      length && *length > host_.options->max_body_bytes) {
    return Write(
        HttpResponse::Error(413, absl::StrCat("request body larger than ",
                                              host_.options->max_body_bytes, " bytes")),
        false);
  }
  // Refused before the body is read; the connection closes, as the unread body is
  // still on it.
  if (auto refused = host_.routes->Check(request_)) return Write(*refused, false);
  if (beast::iequals(parser_->get()[http::field::expect], "100-continue")) {
    // curl and others wait for this before sending a body over 1 KB.
    continue_ = "HTTP/1.1 100 Continue\r\n\r\n";
    ExpiresAfter(host_.options->body_timeout);
    return asio::async_write(
        stream_, asio::buffer(continue_),
        [self = shared_from_this()](beast::error_code write_ec, size_t) {
          if (write_ec) return self->Close();
          self->ReadBody();
        });
  }
  ReadBody();
}

HttpRequest HttpSession::Head() const {
  const auto& message = parser_->get();
  HttpRequest head;
  head.method = std::string(message.method_string());
  std::string_view target(message.target().data(), message.target().size());
  size_t query = target.find('?');
  head.path = std::string(target.substr(0, query));
  if (query != std::string_view::npos) head.query = std::string(target.substr(query + 1));
  for (const auto& field : message) {
    head.headers.emplace_back(absl::AsciiStrToLower(std::string(field.name_string())),
                              std::string(field.value()));
  }
  return head;
}

void HttpSession::ReadBody() {
  ExpiresAfter(host_.options->body_timeout);
  http::async_read(
      stream_, buffer_, *parser_,
      [self = shared_from_this()](beast::error_code ec, size_t) { self->OnBody(ec); });
}

void HttpSession::OnBody(beast::error_code ec) {
  if (ec) {
    if (auto answer = ReadFailure(ec, /*body=*/true)) return Write(*answer, false);
    return Close();
  }
  if (host_.stopping->load()) {
    return Write(HttpResponse::Error(503, "the server is stopping"), false);
  }
  request_.body = std::move(parser_->get().body());
  bool keep_alive = parser_->get().keep_alive();
  HttpResponse response = host_.routes->Handle(request_);
  if (response.open_stream) return OpenStream(std::move(response));
  Write(std::move(response), keep_alive);
}

void HttpSession::OpenStream(HttpResponse response) {
  host_.count_response(response.status);
  ++deadline_generation_;  // no request deadline while streaming; Tick watches
  stream_options_ = response.stream_options;
  // Delimited by the end of the connection: no chunk framing on every event.
  std::string head = absl::StrCat(
      "HTTP/1.1 ", response.status, " ",
      std::string(http::obsolete_reason(static_cast<http::status>(response.status))),
      "\r\nServer: sluice\r\nContent-Type: ", response.content_type,
      "\r\nCache-Control: no-cache\r\nX-Accel-Buffering: no\r\nConnection: close\r\n");
  for (const auto& [name, value] : response.headers) {
    absl::StrAppend(&head, name, ": ", value, "\r\n");
  }
  head += "\r\n";
  body_stream_ = std::make_shared<HttpStream>(
      stream_options_.max_buffered_bytes + head.size(), [weak = weak_from_this()] {
        if (auto self = weak.lock()) {
          asio::post(self->stream_.get_executor(), [self] { self->WriteStream(); });
        }
      });
  body_stream_->Send(head);
  last_sent_ = std::chrono::steady_clock::now();
  response.open_stream(body_stream_);
  ReadUntilClientCloses();
  Tick();
}

void HttpSession::WriteStream() {
  if (closed_) return;
  if (body_stream_->state() == HttpStream::State::kCutOff) return Close();
  if (stream_writing_) return;
  stream_out_ = body_stream_->Take();
  stream_written_ = 0;
  if (stream_out_.empty()) {
    if (body_stream_->state() != HttpStream::State::kOpen) Close();
    return;
  }
  stream_writing_ = true;
  last_progress_ = std::chrono::steady_clock::now();
  WriteStreamPiece();
}

// One write_some at a time, so Tick sees progress as the socket takes bytes: a slow
// client taking a large replay is not mistaken for one that takes nothing.
void HttpSession::WriteStreamPiece() {
  stream_.async_write_some(
      asio::buffer(stream_out_.data() + stream_written_,
                   stream_out_.size() - stream_written_),
      [self = shared_from_this()](beast::error_code ec, size_t written) {
        self->body_stream_->Written(written);
        self->stream_written_ += written;
        if (ec) {
          self->stream_writing_ = false;
          return self->Close();
        }
        self->last_sent_ = self->last_progress_ = std::chrono::steady_clock::now();
        if (self->stream_written_ < self->stream_out_.size()) {
          return self->WriteStreamPiece();
        }
        self->stream_writing_ = false;
        self->WriteStream();
      });
}

void HttpSession::ReadUntilClientCloses() {
  stream_.async_read_some(asio::buffer(discard_),
                          [self = shared_from_this()](beast::error_code ec, size_t) {
                            if (ec) return self->Close();
                            self->ReadUntilClientCloses();
                          });
}

void HttpSession::Tick() {
  auto keepalive = stream_options_.keepalive;
  auto period = std::chrono::milliseconds(1000);
  if (keepalive.count() > 0) period = std::min(period, keepalive);
  deadline_.expires_after(period);
  deadline_.async_wait([weak = weak_from_this()](beast::error_code ec) {
    auto self = weak.lock();
    if (ec || !self || self->closed_) return;
    auto now = std::chrono::steady_clock::now();
    if (self->stream_writing_ &&
        now - self->last_progress_ > self->host_.options->body_timeout) {
      self->body_stream_->CutOff();  // its socket took nothing for that long
      return self->Close();
    }
    const HttpStreamOptions& options = self->stream_options_;
    if (options.keepalive.count() > 0 && !self->stream_writing_ &&
        now - self->last_sent_ >= options.keepalive) {
      self->last_sent_ = now;
      self->body_stream_->Send(options.keepalive_bytes);
    }
    self->Tick();
  });
}

void HttpSession::Write(HttpResponse response, bool keep_alive) {
  keep_alive = keep_alive && !host_.stopping->load();
  host_.count_response(response.status);
  auto message = std::make_shared<http::response<http::string_body>>(
      static_cast<http::status>(response.status), 11);
  message->set(http::field::server, "sluice");
  message->set(http::field::content_type, response.content_type);
  for (const auto& [name, value] : response.headers) message->set(name, value);
  message->body() = std::move(response.body);
  message->keep_alive(keep_alive);
  message->prepare_payload();
  // A client that does not read its answer is cut off like a slow sender.
  ExpiresAfter(host_.options->body_timeout);
  http::async_write(stream_, *message,
                    [self = shared_from_this(), message, keep_alive](
                        beast::error_code ec, size_t) { self->OnWrite(keep_alive, ec); });
}

void HttpSession::OnWrite(bool keep_alive, beast::error_code ec) {
  deadline_.cancel();
  if (ec || !keep_alive) return Close();
  ReadHeader();
}

void HttpSession::ExpiresAfter(std::chrono::milliseconds timeout) {
  timed_out_ = false;
  uint64_t generation = ++deadline_generation_;
  deadline_.expires_after(timeout);
  deadline_.async_wait([weak = weak_from_this(), generation](beast::error_code ec) {
    auto self = weak.lock();
    // Re-armed (possibly after this expiry was already queued), or the session is gone.
    if (ec || !self || generation != self->deadline_generation_) return;
    self->timed_out_ = true;
    beast::error_code ignored;
    self->stream_.socket().cancel(ignored);
  });
}

bool HttpSession::TimedOut(beast::error_code ec) const {
  return timed_out_ && ec == asio::error::operation_aborted;
}

void HttpSession::Close() {
  if (closed_) return;
  closed_ = true;
  deadline_.cancel();
  if (body_stream_) body_stream_->ClientGone();
  beast::error_code ignored;
  stream_.socket().shutdown(asio::ip::tcp::socket::shutdown_send, ignored);
  stream_.socket().close(ignored);
  host_.on_close();
}

}  // namespace sluice
