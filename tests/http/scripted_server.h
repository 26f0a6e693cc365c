// A server on loopback for client tests (SseSource, HttpPollSource): each connection
// gets what the test's script returns for its request, then is closed. Independent of
// the engine's own HTTP code: plain sockets, one thread.
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"

namespace sluice::testing {

// A server on loopback that answers each connection with what `script` returns for
// it (given the request and the connection's number from 0), then closes.
class ScriptedServer {
 public:
  // The request (head and body); the answer's bytes, or kReset to reset the connection.
  using Script = std::function<std::string(const std::string& request, int connection)>;
  static constexpr const char* kReset = "<reset>";
  explicit ScriptedServer(Script script) : script_(std::move(script)) {
    fd_ = socket(AF_INET, SOCK_STREAM, 0);
    int one = 1;
    setsockopt(fd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr));
    listen(fd_, 16);
    socklen_t length = sizeof(addr);
    getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &length);
    port_ = ntohs(addr.sin_port);
    thread_ = std::thread([this] { Serve(); });
  }
  ~ScriptedServer() {
    shutdown(fd_, SHUT_RDWR);
    close(fd_);
    thread_.join();
  }
  std::string url(const std::string& path = "/s") const {
    return absl::StrCat("http://127.0.0.1:", port_, path);
  }
  std::vector<std::string> heads() const {
    std::lock_guard lock(mutex_);
    return heads_;
  }
  // The Last-Event-ID of each request ("" if none).
  std::vector<std::string> LastEventIds() const {
    std::vector<std::string> ids;
    for (const std::string& head : heads()) {
      size_t at = head.find("Last-Event-ID: ");
      ids.push_back(at == std::string::npos
                        ? ""
                        : head.substr(at + 15, head.find("\r\n", at) - at - 15));
    }
    return ids;
  }

 private:
  // The head, and the body if Content-Length announces one.
  static std::string ReadRequest(int client) {
    std::string request;
    char chunk[4096];
    size_t end;
    while ((end = request.find("\r\n\r\n")) == std::string::npos) {
      ssize_t got = recv(client, chunk, sizeof(chunk), 0);
      if (got <= 0) return request;
      request.append(chunk, static_cast<size_t>(got));
    }
    std::string lower = absl::AsciiStrToLower(request.substr(0, end));
    size_t at = lower.find("content-length:");
    size_t length = 0;
    if (at != std::string::npos) length = std::stoul(lower.substr(at + 15));
    while (request.size() < end + 4 + length) {
      ssize_t got = recv(client, chunk, sizeof(chunk), 0);
      if (got <= 0) break;
      request.append(chunk, static_cast<size_t>(got));
    }
    return request;
  }

  void Serve() {
    for (int n = 0;; ++n) {
      int client = accept(fd_, nullptr, nullptr);
      if (client < 0) return;
      std::string request = ReadRequest(client);
      {
        std::lock_guard lock(mutex_);
        heads_.push_back(request.substr(0, request.find("\r\n\r\n") + 4));
      }
      std::string answer = script_(request, n);
      if (answer == kReset) {
        // SO_LINGER 0: close sends RST, as a crashed or overloaded peer does.
        linger hard{1, 0};
        setsockopt(client, SOL_SOCKET, SO_LINGER, &hard, sizeof(hard));
      } else {
        (void)send(client, answer.data(), answer.size(), MSG_NOSIGNAL);
      }
      close(client);
    }
  }

  Script script_;
  int fd_ = -1;
  int port_ = 0;
  mutable std::mutex mutex_;
  std::vector<std::string> heads_;
  std::thread thread_;
};

}  // namespace sluice::testing
