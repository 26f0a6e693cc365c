#include "sluice/io/http/http_session.h"

#include <boost/asio/dispatch.hpp>
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
  Write(host_.routes->Handle(request_), keep_alive);
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
  beast::error_code ignored;
  stream_.socket().shutdown(asio::ip::tcp::socket::shutdown_send, ignored);
  stream_.socket().close(ignored);
  host_.on_close();
}

}  // namespace sluice
