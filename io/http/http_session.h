// One client connection of the HTTP server (internal to http_server.cc): reads a
// request's headers, lets the route table refuse it before the body is read, reads
// the body, answers, and keeps the connection for the next request (HTTP/1.1
// keep-alive) unless either side asked to close. Every read and write has a deadline.
#pragma once

#include <array>
#include <atomic>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/string_body.hpp>
#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "sluice/io/http/http_message.h"
#include "sluice/io/http/http_route_table.h"
#include "sluice/io/http/http_server_options.h"

namespace sluice {

// What the sessions of one server share with it.
struct HttpSessionHost {
  const HttpServerOptions* options;
  HttpRouteTable* routes;
  std::atomic<bool>* stopping;
  std::function<void(int status)> count_response;
  std::function<void()> on_close;  // once per session, when its socket is closed
};

class HttpSession : public std::enable_shared_from_this<HttpSession> {
 public:
  HttpSession(boost::asio::ip::tcp::socket socket, const HttpSessionHost& host)
      : stream_(std::move(socket)), deadline_(stream_.get_executor()), host_(host) {}
  ~HttpSession();

  // Serves requests until the connection closes.
  void Run();
  // Answers `response` at once and closes (a connection over the limit).
  void Refuse(HttpResponse response);
  // The server is stopping: closes the connection if it is between requests.
  void CloseIfIdle();
  // Closes the connection now, whatever it is doing.
  void Abort();
  // Closes the socket from the calling thread: only once no I/O thread runs.
  void CloseStopped() { Close(); }

 private:
  using Parser = boost::beast::http::request_parser<boost::beast::http::string_body>;

  void ReadHeader();
  void OnHeader(boost::beast::error_code ec);
  void ReadBody();
  void OnBody(boost::beast::error_code ec);
  // The request line and headers, as endpoints see them.
  HttpRequest Head() const;
  void Write(HttpResponse response, bool keep_alive);
  void OnWrite(bool keep_alive, boost::beast::error_code ec);
  // The answer to a failed read, or nullopt to close without one.
  std::optional<HttpResponse> ReadFailure(boost::beast::error_code ec, bool body) const;
  void Close();
  // A streamed answer (HttpResponse::open_stream): its head, then whatever the
  // endpoint sends, until either side closes.
  void OpenStream(HttpResponse response);
  void WriteStream();
  void WriteStreamPiece();
  // Reads (and drops) what the client sends, to notice when it closes.
  void ReadUntilClientCloses();
  // Keepalive bytes when the stream is idle; cuts off a client whose socket took
  // nothing for body_timeout.
  void Tick();
  // Beast's own stream timeout closes the socket, which leaves no way to answer 408;
  // this deadline cancels the pending read instead, and the handler answers.
  void ExpiresAfter(std::chrono::milliseconds timeout);
  // The read or write failed because the deadline passed.
  bool TimedOut(boost::beast::error_code ec) const;

  boost::beast::tcp_stream stream_;
  boost::asio::steady_timer deadline_;
  bool timed_out_ = false;
  uint64_t deadline_generation_ = 0;
  const HttpSessionHost& host_;
  boost::beast::flat_buffer buffer_;
  std::optional<Parser> parser_;
  HttpRequest request_;
  std::string continue_;  // "100 Continue", kept alive while it is written
  std::shared_ptr<HttpStream> body_stream_;
  HttpStreamOptions stream_options_;
  std::string stream_out_;     // being written
  size_t stream_written_ = 0;  // of stream_out_
  bool stream_writing_ = false;
  std::chrono::steady_clock::time_point last_sent_;
  std::chrono::steady_clock::time_point last_progress_;
  std::array<char, 1024> discard_;
  bool between_requests_ = true;
  bool closed_ = false;
};

}  // namespace sluice
