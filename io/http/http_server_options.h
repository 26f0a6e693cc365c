// Settings of the job's HTTP server (JobOptions::http; docs/HTTP.md). The defaults
// suit a service on one machine that faces clients it does not trust: every wait is
// bounded, every size is capped.
#pragma once

#include <chrono>
#include <cstddef>
#include <string>

#include "absl/status/status.h"

namespace sluice {

struct HttpServerOptions {
  // host:port to listen on. Port 0 picks a free port; Job::http_address() says which.
  // The default listens on loopback only: serving other hosts is a choice to make.
  std::string listen = "127.0.0.1:0";
  // Threads that run the sockets (never the job's workers).
  int io_threads = 2;
  // A request body larger than this (also after gzip decompression) gets 413.
  size_t max_body_bytes = size_t{16} << 20;
  // A request line plus headers larger than this gets 431.
  size_t max_header_bytes = size_t{16} << 10;
  // From the end of the previous request on a connection (or from its accept) until
  // the request's headers are complete. A client that is slower (slowloris) gets 408
  // and the connection is closed; an idle keep-alive connection is closed quietly.
  std::chrono::milliseconds header_timeout = std::chrono::seconds(10);
  // From the end of the headers until the body is complete; slower gets 408.
  std::chrono::milliseconds body_timeout = std::chrono::seconds(30);
  // Open connections at most; one more is answered 503 and closed.
  int max_connections = 1024;
};

// Checks the ranges and the form of `listen`; the message names the option.
absl::Status ValidateHttpServerOptions(const HttpServerOptions& options);

}  // namespace sluice
