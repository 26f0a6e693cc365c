// Clients for the HTTP tests, on real loopback sockets: a raw connection that sends
// exactly the bytes a test gives it (for slow, malformed and half-closed requests),
// and curl, a client nobody here wrote.
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <map>
#include <string>
#include <string_view>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"

namespace sluice::testing {

struct RawResponse {
  int status = 0;  // 0: the connection closed before a status line
  std::map<std::string, std::string> headers;  // names in lower case
  std::string body;
};

// The port of "host:port".
inline int PortOf(const std::string& address) {
  int port = 0;
  (void)absl::SimpleAtoi(address.substr(address.rfind(':') + 1), &port);
  return port;
}

class RawConnection {
 public:
  // `receive_buffer` > 0 shrinks the socket's receive buffer first (a client that
  // stops reading then stalls the server soon).
  explicit RawConnection(int port, int receive_buffer = 0) {
    fd_ = socket(AF_INET, SOCK_STREAM, 0);
    if (receive_buffer > 0) {
      setsockopt(fd_, SOL_SOCKET, SO_RCVBUF, &receive_buffer, sizeof(receive_buffer));
    }
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(static_cast<uint16_t>(port));
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    connected_ = connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0;
  }
  ~RawConnection() { Close(); }
  RawConnection(const RawConnection&) = delete;
  RawConnection& operator=(const RawConnection&) = delete;

  bool connected() const { return connected_; }
  bool Send(std::string_view bytes) {
    while (!bytes.empty()) {
      ssize_t n = send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL);
      if (n <= 0) return false;
      bytes.remove_prefix(static_cast<size_t>(n));
    }
    return true;
  }
  void ShutdownWrite() { shutdown(fd_, SHUT_WR); }
  void Close() {
    if (fd_ >= 0) close(fd_);
    fd_ = -1;
  }

  // Reads one response (Content-Length framed), waiting at most `timeout` in all.
  RawResponse Read(std::chrono::milliseconds timeout = std::chrono::seconds(10)) {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    RawResponse response;
    size_t header_end;
    while ((header_end = buffer_.find("\r\n\r\n")) == std::string::npos) {
      if (!Fill(deadline)) return response;
    }
    std::string_view head(buffer_.data(), header_end);
    size_t line_end = head.find("\r\n");
    std::string_view status_line = head.substr(0, line_end);
    (void)absl::SimpleAtoi(std::string(status_line.substr(9, 3)), &response.status);
    size_t length = 0;
    while (line_end != std::string_view::npos) {
      head.remove_prefix(line_end + 2);
      line_end = head.find("\r\n");
      std::string_view line = head.substr(0, line_end);
      size_t colon = line.find(':');
      if (colon == std::string_view::npos) continue;
      std::string name = absl::AsciiStrToLower(std::string(line.substr(0, colon)));
      std::string value(absl::StripAsciiWhitespace(std::string(line.substr(colon + 1))));
      if (name == "content-length") (void)absl::SimpleAtoi(value, &length);
      response.headers[name] = value;
    }
    buffer_.erase(0, header_end + 4);
    while (buffer_.size() < length) {
      if (!Fill(deadline)) return response;
    }
    response.body = buffer_.substr(0, length);
    buffer_.erase(0, length);
    return response;
  }

  // True if the server closed the connection within `timeout` (reads EOF).
  bool ClosedByPeer(std::chrono::milliseconds timeout) {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    while (true) {
      size_t before = buffer_.size();
      if (!Fill(deadline)) return eof_;
      if (buffer_.size() == before) return eof_;
    }
  }

  // Reads what arrives before `deadline` onto buffer(); false on timeout or the end.
  bool Fill(std::chrono::steady_clock::time_point deadline) {
    if (eof_ || fd_ < 0) return false;
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) return false;
    pollfd p{fd_, POLLIN, 0};
    if (poll(&p, 1, static_cast<int>(left.count())) <= 0) return false;
    char chunk[65536];
    ssize_t n = recv(fd_, chunk, sizeof(chunk), 0);
    if (n <= 0) {
      eof_ = true;
      return false;
    }
    buffer_.append(chunk, static_cast<size_t>(n));
    return true;
  }
  // Received and not yet consumed; callers erase what they have parsed.
  std::string& buffer() { return buffer_; }
  bool eof() const { return eof_; }

 private:
  int fd_ = -1;
  bool connected_ = false;
  bool eof_ = false;
  std::string buffer_;
};

// A request with Content-Length, as bytes.
inline std::string Request(std::string_view method, std::string_view path,
                           std::string_view content_type, std::string_view body,
                           std::string_view extra_headers = "") {
  return absl::StrCat(
      std::string(method), " ", std::string(path), " HTTP/1.1\r\nHost: 127.0.0.1\r\n",
      content_type.empty()
          ? std::string()
          : absl::StrCat("Content-Type: ", std::string(content_type), "\r\n"),
      "Content-Length: ", body.size(), "\r\n", std::string(extra_headers), "\r\n",
      std::string(body));
}

// One request on a new connection.
inline RawResponse Exchange(int port, const std::string& request) {
  RawConnection connection(port);
  if (!connection.connected() || !connection.Send(request)) return RawResponse{};
  return connection.Read();
}

struct CurlResult {
  int status = 0;    // the HTTP status curl saw; 0 if none
  std::string body;  // the response body
};

// Runs curl with `arguments` (shell-quoted by the caller) against `url`; the status
// comes from curl's own --write-out.
inline CurlResult Curl(const std::string& arguments, const std::string& url) {
  std::string command = absl::StrCat("curl -s -S --max-time 30 -w '\\n%{http_code}' ",
                                     arguments, " '", url, "' 2>&1");
  CurlResult result;
  FILE* pipe = popen(command.c_str(), "r");
  if (pipe == nullptr) return result;
  std::string out;
  char chunk[4096];
  size_t n;
  while ((n = fread(chunk, 1, sizeof(chunk), pipe)) > 0) out.append(chunk, n);
  pclose(pipe);
  size_t last = out.rfind('\n');
  if (last == std::string::npos) return result;
  (void)absl::SimpleAtoi(out.substr(last + 1), &result.status);
  result.body = out.substr(0, last);
  return result;
}

}  // namespace sluice::testing
