#include "sluice/io/http/http_server.h"

#include <boost/asio/bind_executor.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/strand.hpp>
#include <chrono>
#include <future>
#include <mutex>
#include <thread>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "sluice/io/http/http_session.h"

namespace sluice {
namespace asio = boost::asio;
using tcp = asio::ip::tcp;

class HttpServer::Impl {
 public:
  explicit Impl(const HttpServerOptions& options)
      : options_(options), accept_strand_(asio::make_strand(io_)), acceptor_(io_) {
    host_.options = &options_;
    host_.routes = &routes_;
    host_.stopping = &stopping_;
    host_.count_response = [this](int status) {
      std::lock_guard lock(mutex_);
      ++counters_.responses_by_status[status];
    };
    host_.on_close = [this] {
      std::lock_guard lock(mutex_);
      --counters_.connections_open;
    };
  }

  absl::Status Listen();
  void Stop();

  HttpServerOptions options_;
  HttpRouteTable routes_;
  std::string address_;
  int port_ = 0;
  std::atomic<bool> stopping_{false};
  HttpSessionHost host_;
  mutable std::mutex mutex_;
  HttpServerCounters counters_;
  std::vector<std::weak_ptr<HttpSession>> sessions_;
  // Declared last: destroyed first, with any handler that still holds a session.
  asio::io_context io_;
  // Every use of the acceptor after Listen runs on this strand: an accept completing
  // on one I/O thread must not race Stop closing the acceptor on another.
  asio::strand<asio::io_context::executor_type> accept_strand_;
  tcp::acceptor acceptor_;
  std::vector<std::thread> threads_;

 private:
  void Accept();
  void OnAccept(boost::system::error_code ec, tcp::socket socket);
  void ForEachSession(void (HttpSession::*action)());
};

absl::Status ValidateHttpServerOptions(const HttpServerOptions& options) {
  if (options.io_threads < 1 || options.io_threads > 64) {
    return absl::InvalidArgumentError(
        absl::StrCat("http.io_threads must be in [1, 64], not ", options.io_threads));
  }
  if (options.max_connections < 1) {
    return absl::InvalidArgumentError("http.max_connections must be at least 1");
  }
  if (options.max_body_bytes < 1 || options.max_header_bytes < 256 ||
      options.max_header_bytes > (size_t{1} << 30)) {
    return absl::InvalidArgumentError(
        "http.max_body_bytes must be at least 1 and http.max_header_bytes in "
        "[256, 2^30]");
  }
  if (options.header_timeout.count() < 1 || options.body_timeout.count() < 1) {
    return absl::InvalidArgumentError(
        "http.header_timeout and http.body_timeout must be at least 1 ms");
  }
  size_t colon = options.listen.rfind(':');
  int port = -1;
  if (colon == std::string::npos ||
      !absl::SimpleAtoi(options.listen.substr(colon + 1), &port) || port < 0 ||
      port > 65535) {
    return absl::InvalidArgumentError(
        absl::StrCat("http.listen must be host:port (port 0 picks a free one), not '",
                     options.listen, "'"));
  }
  return absl::OkStatus();
}

absl::Status HttpServer::Impl::Listen() {
  size_t colon = options_.listen.rfind(':');
  std::string host = options_.listen.substr(0, colon);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
  }
  int port = 0;
  (void)absl::SimpleAtoi(options_.listen.substr(colon + 1), &port);
  boost::system::error_code ec;
  asio::ip::address ip = asio::ip::make_address(host.empty() ? "0.0.0.0" : host, ec);
  if (ec) {
    return absl::InvalidArgumentError(absl::StrCat(
        "http.listen '", options_.listen, "': '", host, "' is not an IP address"));
  }
  tcp::endpoint endpoint(ip, static_cast<uint16_t>(port));
  acceptor_.open(endpoint.protocol(), ec);
  if (!ec) acceptor_.set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec) acceptor_.bind(endpoint, ec);
  if (!ec) acceptor_.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) {
    return absl::UnavailableError(
        absl::StrCat("cannot listen on ", options_.listen, ": ", ec.message()));
  }
  tcp::endpoint bound = acceptor_.local_endpoint();
  port_ = bound.port();
  address_ = ip.is_v6() ? absl::StrCat("[", bound.address().to_string(), "]:", port_)
                        : absl::StrCat(bound.address().to_string(), ":", port_);
  Accept();
  for (int i = 0; i < options_.io_threads; ++i) {
    threads_.emplace_back([this] { io_.run(); });
  }
  return absl::OkStatus();
}

void HttpServer::Impl::Accept() {
  acceptor_.async_accept(
      asio::make_strand(io_),
      asio::bind_executor(accept_strand_,
                          [this](boost::system::error_code ec, tcp::socket socket) {
                            OnAccept(ec, std::move(socket));
                          }));
}

void HttpServer::Impl::OnAccept(boost::system::error_code ec, tcp::socket socket) {
  if (stopping_.load() || !acceptor_.is_open()) return;
  if (!ec) {
    auto session = std::make_shared<HttpSession>(std::move(socket), host_);
    bool over_limit;
    {
      std::lock_guard lock(mutex_);
      over_limit = counters_.connections_open >= options_.max_connections;
      ++counters_.connections_open;
      ++(over_limit ? counters_.connections_refused : counters_.connections_accepted);
      // Forget closed sessions now and then, so the list stays as long as the open ones.
      if (sessions_.size() >= 2 * static_cast<size_t>(counters_.connections_open) + 16) {
        std::erase_if(sessions_, [](const auto& weak) { return weak.expired(); });
      }
      sessions_.push_back(session);
    }
    if (over_limit) {
      HttpResponse refused =
          HttpResponse::Error(503, absl::StrCat("more than ", options_.max_connections,
                                                " connections are open; try again"));
      refused.headers.emplace_back("Retry-After", "1");
      session->Refuse(std::move(refused));
    } else {
      session->Run();
    }
  }
  // An accept error (out of file descriptors, say) must not stop the server.
  Accept();
}

void HttpServer::Impl::ForEachSession(void (HttpSession::*action)()) {
  std::vector<std::shared_ptr<HttpSession>> live;
  {
    std::lock_guard lock(mutex_);
    for (const auto& weak : sessions_) {
      if (auto session = weak.lock()) live.push_back(std::move(session));
    }
  }
  for (const auto& session : live) ((*session).*action)();
}

void HttpServer::Impl::Stop() {
  if (stopping_.exchange(true)) return;
  routes_.SetReady(false);
  // The acceptor belongs to its strand; close it there, and wait, so the port is free
  // when Stop returns.
  std::promise<void> closed;
  asio::post(accept_strand_, [&] {
    boost::system::error_code ignored;
    acceptor_.close(ignored);
    closed.set_value();
  });
  closed.get_future().wait();
  ForEachSession(&HttpSession::CloseIfIdle);
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(1);
  while (std::chrono::steady_clock::now() < deadline) {
    {
      std::lock_guard lock(mutex_);
      if (counters_.connections_open == 0) break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  ForEachSession(&HttpSession::Abort);
  io_.stop();
  for (std::thread& thread : threads_) thread.join();
  threads_.clear();
  // An Abort still queued when the threads stopped never ran; close those sockets
  // here, so every client sees its connection end when Stop returns.
  ForEachSession(&HttpSession::CloseStopped);
}

absl::StatusOr<std::unique_ptr<HttpServer>> HttpServer::Start(
    const HttpServerOptions& options) {
  if (absl::Status valid = ValidateHttpServerOptions(options); !valid.ok()) {
    return valid;
  }
  auto impl = std::make_unique<Impl>(options);
  if (absl::Status listening = impl->Listen(); !listening.ok()) return listening;
  return std::unique_ptr<HttpServer>(new HttpServer(std::move(impl)));
}

HttpServer::HttpServer(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
HttpServer::~HttpServer() { Stop(); }

const std::string& HttpServer::address() const { return impl_->address_; }
int HttpServer::port() const { return impl_->port_; }
const HttpServerOptions& HttpServer::options() const { return impl_->options_; }
HttpRouteTable& HttpServer::routes() { return impl_->routes_; }
void HttpServer::Stop() { impl_->Stop(); }

HttpServerCounters HttpServer::counters() const {
  std::lock_guard lock(impl_->mutex_);
  return impl_->counters_;
}

}  // namespace sluice
